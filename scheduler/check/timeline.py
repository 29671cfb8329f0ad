"""Where each teacher and each class is, and when, in clock minutes.

A co-teaching lesson puts its lead teacher and lead class at the lead campus
at the lead's times, and each remote class with its assistant at the remote
campus at that campus's own times; those presences, not the activities,
are what clashes, travel and loads are judged on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.check.base import KIND_NAMES, place, span
from scheduler.check.plan import Activity
from scheduler.dataset.schema import WEEKDAYS


@dataclass(frozen=True)
class Presence:
    who: str  # a teacher or a class code
    day: str
    start: int
    end: int
    campus: str  # a campus code or ONLINE
    activity: Activity
    teaching: bool  # a lesson taught, or a co-teaching lesson led or assisted

    @property
    def label(self) -> str:
        kind, code = KIND_NAMES[self.activity.kind], self.activity.code
        return f"{kind} {code}（{span(self.start, self.end)}，{place(self.campus)}）"


def teacher_presences(activities: Iterable[Activity]) -> list[Presence]:
    result = []
    for a in activities:
        if a.kind == "research":
            result += [Presence(t, a.day, a.start, a.end, a.campus, a, False) for t in a.teachers]
            continue
        result.append(Presence(a.teachers[0], a.day, a.start, a.end, a.campus, a, True))
        result += [Presence(r.assistant, a.day, r.start, r.end, r.campus, a, True)
                   for r in a.remote if r.assistant is not None]
    return result


def class_presences(activities: Iterable[Activity]) -> list[Presence]:
    result = []
    for a in activities:
        if a.classes:
            result.append(Presence(a.classes[0], a.day, a.start, a.end, a.campus, a, True))
        result += [Presence(r.class_, a.day, r.start, r.end, r.campus, a, True) for r in a.remote]
    return result


def by_owner_day(presences: Iterable[Presence]) -> dict[tuple[str, str], list[Presence]]:
    """Presences grouped per (who, day), groups in code and weekday order, each sorted by time."""
    groups: dict[tuple[str, str], list[Presence]] = defaultdict(list)
    for p in presences:
        groups[p.who, p.day].append(p)
    return {key: sorted(groups[key], key=lambda p: (p.start, p.end))
            for key in sorted(groups, key=lambda k: (k[0], WEEKDAYS.index(k[1])))}

