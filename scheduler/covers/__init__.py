"""Daily changes on top of the weekly plan: absences, campuses cut off, covers (代课) and their ledger.

`dated.py` says what a community's plan holds on a date (the version that
applies then, with confirmed overrides); `absences.py` and `disruptions.py`
record what happened and list the occurrences it affects; `candidates.py`
finds every way to cover each of them and `solve.py` chooses among them in one
CP-SAT model; `review.py` stores, changes and confirms proposals; `ledger.py`
counts covers given and lessons missed per teacher and month.
"""
