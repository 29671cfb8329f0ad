"""A tiny hand-made community and a valid plan for it, for the plan checker's tests.

Community C1 joins the urban core school U (campus U-A, 40-minute bell from
08:40, 10-minute breaks) and the rural school R (campus R-A, 40-minute bell
from 08:30), 25 minutes apart. Community C2 (school X) exists so that codes of
another community can be used. Grade 3 needs 2 YW and 1 YS a week; YS comes
to R-A-3-1 through the co-teaching link CT-YS-3 led by T2 from U-A.
"""

from __future__ import annotations

import copy
from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.dataset.validate import parse

Doc = dict[str, Any]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def bell(code: str, periods: list[tuple[str, str]]) -> Doc:
    return {"code": code, "days": WEEKDAYS,
            "periods": [{"n": n, "start": s, "end": e} for n, (s, e) in enumerate(periods, 1)]}


def teacher(code: str, school: str, subjects: dict[str, list[int]], **extra: Any) -> Doc:
    return {"code": code, "name": f"教师{code}", "school": school, "campus": f"{school}-A",
            "subjects": [{"subject": s, "grades": g} for s, g in subjects.items()],
            "max_periods_per_week": 10, **extra}


def school(code: str, area: str, bell_code: str) -> Doc:
    return {"code": code, "name": f"学校{code}", "area": area,
            "campuses": [{"code": f"{code}-A", "name": f"{code}校区", "bell_schedule": bell_code}]}


def dataset_doc(model: str = "fusion") -> Doc:
    """The dataset document; tests change it before `dataset()` parses it."""
    return {
        "format": "tongpan-dataset/1",
        "county": {"code": "330521", "name": "德清县"},
        "terms": [{"code": "2026-1", "name": "2026学年第一学期", "start": "2026-09-01", "end": "2026-12-31"}],
        "subjects": [{"code": "YW", "name": "语文"}, {"code": "YS", "name": "艺术·音乐"}],
        "bell_schedules": [
            bell("primary", [("08:40", "09:20"), ("09:30", "10:10"), ("10:20", "11:00"),
                             ("11:10", "11:50"), ("13:30", "14:10"), ("14:20", "15:00")]),
            bell("rural", [("08:30", "09:10"), ("09:20", "10:00"), ("10:10", "10:50"),
                           ("11:00", "11:40"), ("13:30", "14:10"), ("14:20", "15:00")]),
            bell("junior", [("08:00", "08:45"), ("08:55", "09:40"), ("09:50", "10:35"), ("10:45", "11:30"),
                            ("13:30", "14:15")]),
        ],
        "schools": [school("U", "urban", "primary"), school("R", "rural", "rural"),
                    school("X", "rural", "primary")],
        "travel_minutes": [{"from": "U-A", "to": "R-A", "minutes": 25}],
        "communities": [
            {"code": "C1", "name": "U教共体", "model": model, "core_school": "U", "members": ["R"]},
            {"code": "C2", "name": "X教共体", "model": "collaboration", "core_school": "X"},
        ],
        "teachers": [
            teacher("T1", "U", {"YW": [3]}),
            teacher("T2", "U", {"YS": [3]}),
            teacher("T3", "R", {"YW": [3], "YS": [3]}),
            teacher("T4", "U", {"YW": [3]}),
            teacher("TX", "X", {"YW": [3]}),
        ],
        "classes": [{"code": f"{c}-A-3-1", "name": "三(1)班", "campus": f"{c}-A", "grade": 3} for c in "URX"],
        "curriculum": [{"grades": [3], "subject": "YW", "periods_per_week": 2},
                       {"grades": [3], "subject": "YS", "periods_per_week": 1}],
        "staffing": [{"class": "U-A-3-1", "subject": "YW", "teacher": "T1", "locked": True}],
        "coteaching": [{"code": "CT-YS-3", "subject": "YS", "lead_teacher": "T2",
                        "lead_class": "U-A-3-1", "remote_classes": ["R-A-3-1"]}],
        "research_groups": [
            {"code": "RG-YW", "name": "三年级语文联合教研", "community": "C1", "subject": "YW",
             "grades": [3], "mode": "online", "minutes": 40, "per_week": 1},
            {"code": "RG-X", "name": "X语文教研", "community": "C2", "subject": "YW",
             "grades": [3], "mode": "online", "minutes": 40, "per_week": 1},
        ],
    }


def dataset(doc: Doc | None = None) -> Dataset:
    ds, _warnings = parse(doc if doc is not None else dataset_doc(), "check_cases")
    return ds


def lesson(class_: str, day: str, start: str, end: str, teacher: str, subject: str = "YW",
           campus: str | None = None) -> Doc:
    return {"kind": "lesson", "code": f"{class_}.{subject}", "subject": subject, "day": day,
            "start": start, "end": end, "campus": campus or class_.rsplit("-", 2)[0],
            "classes": [class_], "teachers": [teacher]}


def research(day: str, start: str, end: str, teachers: list[str], code: str = "RG-YW",
             campus: str = "online") -> Doc:
    return {"kind": "research", "code": code, "subject": "YW", "day": day, "start": start,
            "end": end, "campus": campus, "classes": [], "teachers": teachers}


VALID_PLAN: Doc = {
    "format": "tongpan-plan/1", "community": "C1", "term": "2026-1", "version": 1,
    "activities": [
        lesson("U-A-3-1", "mon", "08:40", "09:20", "T1"),
        lesson("U-A-3-1", "tue", "08:40", "09:20", "T1"),
        lesson("R-A-3-1", "mon", "09:20", "10:00", "T3"),
        lesson("R-A-3-1", "tue", "09:20", "10:00", "T3"),
        {"kind": "coteach", "code": "CT-YS-3", "subject": "YS", "day": "wed",
         "start": "08:40", "end": "09:20", "campus": "U-A",
         "classes": ["U-A-3-1", "R-A-3-1"], "teachers": ["T2"],
         "remote": [{"class": "R-A-3-1", "campus": "R-A", "start": "08:30", "end": "09:10",
                     "assistant": "T3"}]},
        research("thu", "13:30", "14:10", ["T1", "T3", "T4"]),
    ],
    "unmet": [],
}


def valid_plan() -> Doc:
    return copy.deepcopy(VALID_PLAN)


def find(plan: Doc, code: str, day: str) -> Doc:
    """The activity of a plan with this code on this day."""
    return next(a for a in plan["activities"] if a["code"] == code and a["day"] == day)
