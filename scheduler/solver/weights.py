"""Weights of the solver's soft goals, read from a community's `rules`.

Hard rules are never weighed: they are constraints. What is weighed is how
good a valid plan is. A community may override any weight through
`rules.weights` (a dict of the keys below), e.g. a county that cares more
about morning 语文/数学/英语 than about travel sets `{"afternoon_main": 6}`.
Unknown keys are ignored, so a dataset written for a later version still
solves. All weights are non-negative integers (CP-SAT objectives are integral).

Keys and defaults (penalty points):

| key | default | per |
|---|---|---|
| `unmet` | 1000 | period of curriculum demand left unmet |
| `research_missed` | 100000 | research meeting not held (only when no time exists at all) |
| `away_period` | 2 | period taught, led or assisted at a campus other than the teacher's own |
| `away_campus` | 20 | further campus a teacher is staffed at (plus travel minutes / 5) |
| `coteach_lesson` | 30 | weekly lesson of a co-teaching link the solver proposes (above a pool teacher coming in person) |
| `request_dropped` | 40 | weekly lesson of a requested co-teaching link that is not run |
| `assistant_unqualified` | 1 | co-teaching lesson whose assistant does not teach the subject |
| `preference` | 20 | period of a `locked: false` staffing wish not honoured |
| `split_teachers` | 30 | further teacher sharing one class's subject (a class expects one teacher a subject) |
| `target_subject` | 60 | co-teaching subject missing from the community's target |
| `target_lesson` | 20 | weekly co-teaching lesson missing from the community's target |
| `staff_change` | 100 | period whose teacher differs from the published plan (a new teacher mid-term is what users notice most) |
| `travel_day` | 6 | teacher-day at a campus other than the teacher's own |
| `campus_change` | 8 | teacher-day spent at two campuses |
| `travel_balance` | 4 | travel day of the most travelling teacher (spreads the burden) |
| `idle_gap` | 1 | free period between two lessons of a teacher in one half-day |
| `spread` | 4 | period of a class's subject beyond its even share of a day |
| `afternoon_main` | 2 | lesson of a morning subject (default 语文/数学/英语) after noon |
| `research_time` | 5 | research meeting outside the group's preferred times |
| `moved` | 20 | published activity whose time, teacher or campus changes |

Other optional `rules` keys read by the solver: `morning_subjects` (list of
subject codes, default `["YW", "SX", "YY"]`) and `research_latest` (`HH:MM`,
default `"17:30"`, the latest end of a research meeting).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Weights:
    unmet: int = 1000
    research_missed: int = 100000
    away_period: int = 2
    away_campus: int = 20
    coteach_lesson: int = 30
    request_dropped: int = 40
    assistant_unqualified: int = 1
    preference: int = 20
    split_teachers: int = 30
    target_subject: int = 60
    target_lesson: int = 20
    staff_change: int = 100
    travel_day: int = 6
    campus_change: int = 8
    travel_balance: int = 4
    idle_gap: int = 1
    spread: int = 4
    afternoon_main: int = 2
    research_time: int = 5
    moved: int = 20

    @classmethod
    def from_rules(cls, extra: dict[str, Any] | None) -> Weights:
        """The defaults overridden by `rules.weights`; bad values are ignored, not fatal."""
        given = (extra or {}).get("weights")
        if not isinstance(given, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        changes = {k: int(v) for k, v in given.items()
                   if k in known and isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0}
        return replace(cls(), **changes)
