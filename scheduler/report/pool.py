"""Teaching a member school gets from elsewhere, and what it still lacks.

Pool-taught lessons (a teacher of another school or campus teaching in person)
and unmet periods are the two measures of a school's shortage: the first is
covered today by 走教, the second by nobody. Both feed the rotation proposal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scheduler.dataset.schema import Dataset
from scheduler.dated import DatedActivity
from scheduler.report.model import PlanInput, PoolRow, Unit, UnmetRow

Shortage = dict[tuple[str, str, int], int]  # (campus, subject, grade) -> periods per week


def pool_rows(units: Iterable[Unit], occurrences: Iterable[DatedActivity], teacher_campus: dict[str, str],
              class_campus: dict[str, str]) -> list[PoolRow]:
    units = list(units)
    unit_of = {campus: u for u in units for campus in u.campuses}
    lessons: dict[str, int] = defaultdict(int)
    pooled: dict[str, int] = defaultdict(int)
    remote: dict[str, int] = defaultdict(int)
    for occurrence in occurrences:
        entry = occurrence.activity
        if entry["kind"] == "lesson":
            unit = unit_of.get(entry["campus"])
            if unit is None:
                continue
            lessons[unit.code] += 1
            if teacher_campus.get(entry["teachers"][0]) not in unit.campuses:
                pooled[unit.code] += 1
        elif entry["kind"] == "coteach":
            for side in entry.get("remote", []):
                unit = unit_of.get(side["campus"])
                if unit is not None:
                    remote[unit.code] += 1
    return [PoolRow(u.community, u.code, u.name, lessons[u.code], pooled[u.code], remote[u.code]) for u in units]


def unmet_rows(ds: Dataset, plan: PlanInput) -> list[UnmetRow]:
    """The plan's unmet periods per school and subject (classes short, periods per week)."""
    campus_school = {c.code: s for s in ds.schools for c in s.campuses}
    class_campus = {k.code: k.campus for k in ds.classes}
    subjects = {s.code: s.name for s in ds.subjects}
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    periods: dict[tuple[str, str], int] = defaultdict(int)
    for entry in plan.unmet:
        school = campus_school.get(class_campus.get(entry["class"], ""))
        if school is None:
            continue
        classes[school.code, entry["subject"]].add(entry["class"])
        periods[school.code, entry["subject"]] += int(entry["periods"])
    names = {s.code: s.name for s in ds.schools}
    return [UnmetRow(plan.community, plan.term, school, names[school], subject, subjects.get(subject, subject),
                     len(classes[school, subject]), periods[school, subject])
            for school, subject in sorted(periods)]


def shortages(ds: Dataset, plans: Iterable[PlanInput], units: Iterable[Unit]) -> Shortage:
    """Weekly periods per member campus, subject and grade that are unmet or taught by the pool.

    Measured on the weekly pattern (what the plan needs every week); with several
    terms the larger term's figure counts, since a rotation lasts the whole year.
    """
    class_of = {k.code: k for k in ds.classes}
    teacher_campus = {t.code: t.campus for t in ds.teachers}
    unit_of = {campus: u for u in units for campus in u.campuses}
    result: Shortage = {}
    for plan in plans:
        term: Shortage = defaultdict(int)
        for entry in plan.unmet:
            k = class_of.get(entry["class"])
            if k is not None and k.campus in unit_of:
                term[k.campus, entry["subject"], k.grade] += int(entry["periods"])
        for entry in plan.activities:
            if entry["kind"] != "lesson":
                continue
            unit = unit_of.get(entry["campus"])
            if unit is None or teacher_campus.get(entry["teachers"][0]) in unit.campuses:
                continue
            for code in entry["classes"]:
                term[entry["campus"], entry["subject"], class_of[code].grade] += 1
        for key, value in term.items():
            result[key] = max(result.get(key, 0), value)
    return result
