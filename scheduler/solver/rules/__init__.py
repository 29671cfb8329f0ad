"""Every rule of the solver, one function each, read top to bottom.

- `timetable.py`: phase 2's variables and hard rules (`HARD_RULES`);
- `goals.py`: phase 2's soft goals (`GOALS`), adding to one `Objective`;
- `cuts.py`: redundant cuts of the full timetable model;
- `staffing.py`: phase 1's hard rules and soft goals over its variables;
- `objective.py`: the one place that weighs, sums and breaks down penalties;
- `base.py`: the `@checker_rule(n)` mark tying a rule to the checker's rule n.

Imports run one way: base and objective <- timetable <- goals <- cuts; the
models (`model.py`, `staffing.py` one level up) import the rules, never the
other way round.
"""
