"""A hand-made county for the report's tests, and hand-made weekly plans on it.

Two communities: C1 (co-construction) joins the urban core school A with the
small rural school B and the town school C; C2 (collaboration) joins the town
core E with the rural F. The rural school D (small, boarding) is in no
community. Every school has one campus `{school}-A` on one primary bell; A to
B is 25 minutes, A to C 15.
"""

from __future__ import annotations

from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.dataset.validate import parse
from scheduler.report.model import PlanInput, ReportInput
from scheduler.dated import dated_activities
from scheduler.dataset.terms import term_calendar
from scheduler.school_calendar import school_days

Doc = dict[str, Any]
TERM = "2026-1"
PERIODS = [("08:40", "09:20"), ("09:30", "10:10"), ("10:40", "11:20"), ("11:30", "12:10"),
           ("13:30", "14:10"), ("14:20", "15:00"), ("15:15", "15:55")]


def _school(code: str, area: str, **flags: Any) -> Doc:
    return {"code": code, "name": f"{code}学校", "area": area, **flags,
            "campuses": [{"code": f"{code}-A", "name": f"{code}校区", "bell_schedule": "p"}]}


def _teacher(code: str, school: str, subjects: list[str], **extra: Any) -> Doc:
    return {"code": code, "name": f"教师{code}", "school": school, "campus": f"{school}-A",
            "subjects": [{"subject": s, "grades": [1, 2, 3, 4, 5, 6]} for s in subjects],
            "max_periods_per_week": 20, **extra}


def county() -> Doc:
    teachers = [
        _teacher("TA1", "A", ["YS", "MS"], backbone=True),
        _teacher("TA2", "A", ["YY"]),
        _teacher("TA3", "A", ["YW"]),
        _teacher("TB1", "B", ["YW"]),
        _teacher("TB2", "B", ["SX"]),
        _teacher("TC1", "C", ["YW"]),
        _teacher("TE1", "E", ["YW"]),
        _teacher("TF1", "F", ["YW"]),
    ]
    return {
        "format": "tongpan-dataset/1",
        "county": {"code": "330521", "name": "德清县"},
        "terms": [{"code": TERM, "name": "2026学年第一学期", "start": "2026-09-01", "end": "2026-12-31",
                   "makeup_days": [{"date": "2026-10-10", "follows": "wed"}]}],
        "subjects": [{"code": c, "name": n} for c, n in
                     (("YW", "语文"), ("SX", "数学"), ("YY", "英语"), ("YS", "艺术·音乐"), ("MS", "艺术·美术"))],
        "bell_schedules": [{"code": "p", "periods": [{"n": i, "start": s, "end": e}
                                                     for i, (s, e) in enumerate(PERIODS, 1)]}],
        "schools": [_school("A", "urban"), _school("B", "rural", small=True), _school("C", "town"),
                    _school("D", "rural", small=True, boarding=True), _school("E", "town"), _school("F", "rural")],
        "travel_minutes": [{"from": "A-A", "to": "B-A", "minutes": 25}, {"from": "A-A", "to": "C-A", "minutes": 15},
                           {"from": "B-A", "to": "C-A", "minutes": 30}, {"from": "E-A", "to": "F-A", "minutes": 20}],
        "communities": [
            {"code": "C1", "name": "A学校教共体", "model": "co_construction", "core_school": "A",
             "members": ["B", "C"], "targets": {"coteach_subjects": 2, "coteach_lessons": 20,
                                                "online_research": 8, "onsite_research": 4}},
            {"code": "C2", "name": "E学校教共体", "model": "collaboration", "core_school": "E", "members": ["F"]},
        ],
        "teachers": teachers,
        "classes": [{"code": f"{s}-A-3-1", "name": "三(1)班", "campus": f"{s}-A", "grade": 3}
                    for s in ("A", "B", "C", "D", "E", "F")],
        "curriculum": [{"grades": [3], "subject": "YW", "periods_per_week": 2}],
    }


def dataset(document: Doc | None = None) -> Dataset:
    ds, _ = parse(document or county(), "report-test")
    return ds


def lesson(code: str, subject: str, day: str, n: int, campus: str, klass: str, teacher: str) -> Doc:
    start, end = PERIODS[n - 1]
    return {"kind": "lesson", "code": code, "subject": subject, "day": day, "start": start, "end": end,
            "campus": campus, "classes": [klass], "teachers": [teacher]}


def coteach(code: str, subject: str, day: str, n: int, lead: tuple[str, str, str],
            remotes: list[tuple[str, str, str]]) -> Doc:
    """`lead` and each remote are (class, campus, teacher or assistant)."""
    start, end = PERIODS[n - 1]
    return {"kind": "coteach", "code": code, "subject": subject, "day": day, "start": start, "end": end,
            "campus": lead[1], "classes": [lead[0], *(r[0] for r in remotes)], "teachers": [lead[2]],
            "remote": [{"class": c, "campus": p, "start": start, "end": end, "assistant": a}
                       for c, p, a in remotes]}


def research(code: str, day: str, start: str, end: str, campus: str, teachers: list[str]) -> Doc:
    return {"kind": "research", "code": code, "subject": "YW", "day": day, "start": start, "end": end,
            "campus": campus, "classes": [], "teachers": teachers}


def days(ds: Dataset, term: str = TERM) -> list:  # type: ignore[type-arg]
    return school_days(term_calendar(next(t for t in ds.terms if t.code == term)))


def report_input(ds: Dataset, plans: dict[str, list[Doc]], unmet: dict[str, list[Doc]] | None = None,
                 term: str = TERM, year: int = 2026) -> ReportInput:
    """A one-term report input with the given weekly activities per community."""
    term_days = days(ds, term)
    inputs = [PlanInput(c, term, acts, (unmet or {}).get(c, []), dated_activities(acts, term_days))
              for c, acts in plans.items()]
    return ReportInput(ds, term, (term,), {term: term_days}, inputs, year)


def weekday_count(ds: Dataset, weekday: str, term: str = TERM) -> int:
    """School days of the term that follow `weekday`'s timetable."""
    return sum(d.follows == weekday for d in days(ds, term))
