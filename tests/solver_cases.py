"""Tiny hand-made communities for the solver's tests, and a solve that is always checked.

Each case is a `tongpan-dataset/1` document small enough to reason about by
hand: one or two schools with one campus each (`{school}-A`), a few classes,
one or two subjects. Tests change the document before solving it. Every
solve goes through `solved`, which runs the independent checker
(scheduler/check) on the plan and fails on any violation, so each test also
proves the plan breaks no hard rule.
"""

from __future__ import annotations

from typing import Any

from scheduler.check import check_plan
from scheduler.dataset.schema import Dataset
from scheduler.dataset.validate import parse
from scheduler.solver import solve

Doc = dict[str, Any]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
TERM = "2026-1"


def bell(code: str, periods: list[tuple[str, str]], days: list[str] | None = None) -> Doc:
    return {"code": code, "days": days or WEEKDAYS,
            "periods": [{"n": n, "start": s, "end": e} for n, (s, e) in enumerate(periods, 1)]}


def clock_bell(code: str, start: str, length: int, breaks: int, count: int, days: list[str] | None = None) -> Doc:
    """`count` periods of `length` minutes from `start`, `breaks` minutes apart."""
    hours, mins = map(int, start.split(":"))
    clock, periods = hours * 60 + mins, []
    for _ in range(count):
        periods.append((f"{clock // 60:02d}:{clock % 60:02d}",
                        f"{(clock + length) // 60:02d}:{(clock + length) % 60:02d}"))
        clock += length + breaks
    return bell(code, periods, days)


def school(code: str, bell_code: str, area: str = "urban") -> Doc:
    return {"code": code, "name": f"学校{code}", "area": area,
            "campuses": [{"code": f"{code}-A", "name": f"{code}校区", "bell_schedule": bell_code}]}


def teacher(code: str, school_code: str, subjects: dict[str, list[int]], most: int = 20, **extra: Any) -> Doc:
    return {"code": code, "name": f"教师{code}", "school": school_code, "campus": f"{school_code}-A",
            "subjects": [{"subject": s, "grades": g} for s, g in subjects.items()],
            "max_periods_per_week": most, **extra}


def klass(school_code: str, grade: int, n: int = 1) -> Doc:
    return {"code": f"{school_code}-A-{grade}-{n}", "name": f"{grade}年级({n})班",
            "campus": f"{school_code}-A", "grade": grade}


def case(schools: list[Doc], teachers: list[Doc], classes: list[Doc], curriculum: dict[str, int],
         bells: list[Doc], model: str = "fusion", grades: list[int] | None = None, **extra: Any) -> Doc:
    """A one-community dataset: the first school is the core, the others are members.

    `curriculum` gives periods per week per subject for `grades` (default:
    every grade of the classes).
    """
    grades = grades or sorted({c["grade"] for c in classes})
    codes = sorted({s for s in curriculum} | {q["subject"] for t in teachers for q in t["subjects"]})
    doc: Doc = {
        "format": "tongpan-dataset/1",
        "county": {"code": "330521", "name": "德清县"},
        "terms": [{"code": TERM, "name": "2026学年第一学期", "start": "2026-09-01", "end": "2026-12-31"}],
        "subjects": [{"code": s, "name": f"学科{s}"} for s in codes],
        "bell_schedules": bells,
        "schools": schools,
        "communities": [{"code": "C1", "name": "测试教共体", "model": model, "core_school": schools[0]["code"],
                         "members": [s["code"] for s in schools[1:]],
                         "targets": {"coteach_subjects": 0, "coteach_lessons": 0}}],
        "teachers": teachers,
        "classes": classes,
        "curriculum": [{"grades": grades, "subject": s, "periods_per_week": n} for s, n in curriculum.items()],
    }
    doc.update(extra)
    return doc


def rules(doc: Doc, **values: Any) -> Doc:
    doc["communities"][0]["rules"] = {**doc["communities"][0].get("rules", {}), **values}
    return doc


def dataset(doc: Doc) -> Dataset:
    ds, _warnings = parse(doc, "solver_cases")
    return ds


def solved(doc: Doc, time_limit: float = 5.0, published: dict[str, Any] | None = None) -> dict[str, Any]:
    """Solve community C1 and assert that the independent checker finds nothing wrong."""
    ds = dataset(doc)
    plan = solve(ds, "C1", TERM, time_limit=time_limit, workers=2, published=published)
    violations = check_plan(ds, plan, "C1", TERM)
    assert violations == [], [f"rule {v.rule}: {v.message}" for v in violations]
    return plan


def of_class(plan: dict[str, Any], class_: str) -> list[dict[str, Any]]:
    """Activities the class takes part in (in person or remote)."""
    return [a for a in plan["activities"] if class_ in a["classes"]]


def unmet(plan: dict[str, Any], class_: str, subject: str) -> dict[str, Any] | None:
    return next((u for u in plan["unmet"] if u["class"] == class_ and u["subject"] == subject), None)
