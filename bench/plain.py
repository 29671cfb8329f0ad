"""The plain CP-SAT anchor: a school's timetable with the hard rules only, nothing else.

What a developer would write in an afternoon for a school whose every
lesson's teacher is locked: a Boolean per (class, subject, period), each
class-subject exactly its weekly periods, one lesson per class and per
teacher a period, no lesson in a teacher's unavailable periods. No staffing,
no travel, no soft goals, no objective: CP-SAT stops at its first solution.
`bench/solve.py` times it beside tongpan on the same instances (the tight
school profile), as the yardstick of "a first complete plan".

It reads the dataset directly (not tongpan's solver view) and refuses what
it does not model: unlocked staffing, several campuses, co-teaching,
research groups.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from scheduler.dataset.schema import Dataset
from scheduler.dataset.validate import weekly_periods


def plain_cover(ds: Dataset, *, time_limit: float = 60.0, workers: int = 2) -> dict[str, Any]:
    """Seconds to the first complete timetable (model building included) and CP-SAT's status."""
    started = time.monotonic()
    if len({c.campus for c in ds.classes}) != 1 or ds.coteaching or ds.research_groups:
        raise ValueError("the plain model covers single-campus schools without co-teaching or research")
    locked = {(s.class_, s.subject): s.teacher for s in ds.staffing if s.locked}
    demand = {key: n for key, n in weekly_periods(ds).items() if n > 0}
    missing = [key for key in demand if key not in locked]
    if missing:
        raise ValueError(f"the plain model needs every lesson's teacher locked: {missing[:3]} are not")
    campus = ds.classes[0].campus
    bell = next(b for b in ds.bell_schedules
                if b.code == next(c.bell_schedule for s in ds.schools for c in s.campuses if c.code == campus))
    slots = [(day, p.n) for day in bell.days for p in bell.periods]
    blocked: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for t in ds.teachers:
        for entry in t.unavailable:
            periods = [p.n for p in bell.periods] if entry.periods is None else entry.periods
            blocked[t.code] |= {(entry.day, n) for n in periods}
    model = cp_model.CpModel()
    by_class: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    by_teacher: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for (class_, subject), n in demand.items():
        teacher = locked[class_, subject]
        lessons = []
        for si, slot in enumerate(slots):
            if slot in blocked[teacher]:
                continue
            var = model.new_bool_var(f"{class_}.{subject}@{si}")
            lessons.append(var)
            by_class[class_, si].append(var)
            by_teacher[teacher, si].append(var)
        model.add(sum(lessons) == n)
    for group in (*by_class.values(), *by_teacher.values()):
        if len(group) > 1:
            model.add_at_most_one(group)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    return {"seconds": round(time.monotonic() - started, 3), "status": solver.status_name(status),
            "cover": status in (cp_model.OPTIMAL, cp_model.FEASIBLE)}
