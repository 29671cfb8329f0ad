"""同步课堂 per member school: which subjects and how many dated lessons its classes joined or led."""

from __future__ import annotations

import math
from collections.abc import Iterable

from scheduler.dated import DatedActivity
from scheduler.report.model import CoteachRow, Unit


def coteach_rows(units: Iterable[Unit], occurrences: Iterable[DatedActivity],
                 class_campus: dict[str, str]) -> list[CoteachRow]:
    """A co-teaching lesson counts for every unit one of its classes (lead or remote) is at."""
    units = list(units)
    subjects: dict[str, set[str]] = {u.code: set() for u in units}
    lessons: dict[str, int] = {u.code: 0 for u in units}
    unit_of = {campus: u.code for u in units for campus in u.campuses}
    for occurrence in occurrences:
        entry = occurrence.activity
        if entry["kind"] != "coteach":
            continue
        for code in {unit_of.get(class_campus.get(c, "")) for c in entry["classes"]} - {None}:
            subjects[code].add(entry["subject"])
            lessons[code] += 1
    return [CoteachRow(u.community, u.code, u.name, tuple(sorted(subjects[u.code])), lessons[u.code])
            for u in units]


def subjects_advice(short: int, row: CoteachRow, candidates: Iterable[str], names: dict[str, str]) -> str:
    """Name the subjects the school is short of teachers in first: co-teaching is how they get them."""
    picks = [names.get(s, s) for s in candidates if s not in row.subjects][:short]
    suggestion = f"（建议：{'、'.join(picks)}）" if picks else ""
    return f"再开设 {short} 门学科的同步课堂{suggestion}"


def lessons_advice(short: int, weeks: int) -> str:
    per_week = math.ceil(short / weeks) if weeks else short
    return f"再安排 {short} 节同步课堂，约每周增加 {per_week} 节（本期共 {weeks} 个教学周）"
