"""网络研修 and 面对面教研 per member school: dated research meetings its teachers attend.

A meeting is on-site exactly when the plan puts it at a campus; one held
online counts as online research whatever its group's requested mode was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from scheduler.dated import DatedActivity
from scheduler.report.model import ResearchRow, Unit

ONLINE = "online"


def research_rows(units: Iterable[Unit], occurrences: Iterable[DatedActivity],
                  teacher_campus: dict[str, str]) -> list[ResearchRow]:
    """A meeting counts once for every unit at least one of its participants works at."""
    units = list(units)
    online: dict[str, int] = {u.code: 0 for u in units}
    onsite: dict[str, int] = {u.code: 0 for u in units}
    unit_of = {campus: u.code for u in units for campus in u.campuses}
    for occurrence in occurrences:
        entry = occurrence.activity
        if entry["kind"] != "research":
            continue
        counter = online if entry["campus"] == ONLINE else onsite
        for code in {unit_of.get(teacher_campus.get(t, "")) for t in entry["teachers"]} - {None}:
            counter[code] += 1
    return [ResearchRow(u.community, u.code, u.name, online[u.code], onsite[u.code]) for u in units]


def research_advice(short: int, weeks: int, onsite: bool) -> str:
    """One weekly group adds a meeting per school week, so that many groups close the gap."""
    kind = "面对面教研（在校区举行）" if onsite else "网络研修（线上）"
    if not weeks:
        return f"再安排 {short} 次{kind}"
    groups = math.ceil(short / weeks)
    return f"再安排 {short} 次{kind}：新增 {groups} 个有成员校教师参加、每周一次的教研组（本期 {weeks} 个教学周）"
