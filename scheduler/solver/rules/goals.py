"""Phase 2's soft goals: one function per goal, each adding named terms to the one objective.

Weights and their keys are in `weights.py`; `Objective` sums and breaks them
down. A goal that needs an indicator (a campus change, an away day, an
excess lesson) creates it here and leaves it on the variables for the cuts
(`cuts.py`). `GOALS` lists them in the order the model adds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from math import ceil

from scheduler.solver.instance import NOON
from scheduler.solver.problem import Assignment
from scheduler.solver.rules.base import Literal, either, new_bool
from scheduler.solver.rules.objective import Objective
from scheduler.solver.rules.timetable import TimetableVars


def periods_left_unmet(v: TimetableVars, obj: Objective) -> None:
    """`unmet` per staffed period the timetable leaves out."""
    obj.add("unmet", v.unmet)


def meetings_missed(v: TimetableVars, obj: Objective) -> None:
    """`research_missed` per research meeting not held."""
    for missed in v.missed:
        obj.add("research_missed", missed)


def campus_changes(v: TimetableVars, obj: Objective) -> None:
    """`campus_change` per teacher-day at two campuses."""
    for teacher, cw in v.cw.items():
        for day, here in _days(cw).items():
            if len(here) > 1:
                change = v.change[teacher, day] = new_bool(v.model, f"change[{teacher},{day}]")
                v.model.add(sum(var for _, var in here) - 1 <= change)
                obj.add("campus_change", change)


def travel_days(v: TimetableVars, obj: Objective) -> None:
    """`travel_day` per teacher-day away from the own campus; `travel_balance` on the most travelling teacher."""
    model, inst = v.model, v.problem.inst
    per_teacher: dict[str, list[Literal]] = {}
    for teacher, cw in v.cw.items():
        home = inst.teachers[teacher].campus
        mine = []
        for day, here in _days(cw).items():
            away = [var for campus, var in here if campus != home]
            if not away:
                continue
            if len(away) == 1:
                day_away = away[0]
            else:
                day_away = new_bool(model, f"away[{teacher},{day}]")
                for var in away:
                    model.add_implication(var, day_away)
            v.away[teacher, day] = day_away
            mine.append(day_away)
            obj.add("travel_day", day_away)
        if mine:
            per_teacher[teacher] = mine
    if per_teacher and obj.weights.travel_balance:
        most = model.new_int_var(0, max(len(days) for days in per_teacher.values()), "most_travel_days")
        for days in per_teacher.values():
            model.add(sum(days) <= most)
        obj.add("travel_balance", most)


def _days(cw: dict[tuple[str, str], Literal]) -> dict[str, list[tuple[str, Literal]]]:
    days: dict[str, list[tuple[str, Literal]]] = defaultdict(list)
    for (day, campus), var in cw.items():
        days[day].append((campus, var))
    return days


def main_subjects_in_the_morning(v: TimetableVars, obj: Objective) -> None:
    """`afternoon_main` per lesson of a morning subject (default 语文/数学/英语) after noon."""
    p, inst = v.problem, v.problem.inst
    for ti, t in enumerate(p.teachings):
        if t.subject in inst.morning_subjects:
            for si, var in v.x[ti].items():
                if p.slot(p.campus_of[ti], si).afternoon:
                    obj.add("afternoon_main", var)
    for ji, j in enumerate(p.joinings):
        if j.subject in inst.morning_subjects:
            campus = inst.classes[j.class_].campus
            for ri, var in v.y[ji].items():
                if p.slot(campus, ri).afternoon:
                    obj.add("afternoon_main", var)


def even_share(v: TimetableVars, class_: str, subject: str) -> int:
    """Lessons of a class's subject a day that cost no `spread`: its even share of the week."""
    inst = v.problem.inst
    return ceil(inst.demand[class_, subject] / len(inst.campuses[inst.classes[class_].campus].days))


def spread_over_the_week(v: TimetableVars, obj: Objective) -> None:
    """`spread` per lesson of a class's subject beyond its even share of a day."""
    if not obj.weights.spread:
        return
    p, inst = v.problem, v.problem.inst
    per_day: dict[tuple[str, str, str], list[Literal]] = defaultdict(list)
    for ti, t in enumerate(p.teachings):
        for si, var in v.x[ti].items():
            per_day[t.class_, t.subject, p.slot(p.campus_of[ti], si).day].append(var)
    for ji, j in enumerate(p.joinings):
        campus = inst.classes[j.class_].campus
        for ri, var in v.y[ji].items():
            per_day[j.class_, j.subject, p.slot(campus, ri).day].append(var)
    for (class_, subject, day), vars_ in per_day.items():
        cap = even_share(v, class_, subject)
        if len(vars_) > cap:
            excess = v.excess[class_, subject, day] = v.model.new_int_var(
                0, len(vars_) - cap, f"excess[{class_},{subject}]")
            v.model.add(sum(vars_) - cap <= excess)
            obj.add("spread", excess)


def research_at_preferred_times(v: TimetableVars, obj: Objective) -> None:
    """`research_time` per meeting outside the group's preferred half-days."""
    for mi, meeting in enumerate(v.problem.meetings):
        for wi, window in enumerate(meeting.windows):
            if not window.preferred:
                obj.add("research_time", v.m[mi][wi])


def no_idle_gaps(v: TimetableVars, obj: Objective) -> None:
    """`idle_gap` per free period between two busy ones of a teacher, per campus and half-day."""
    if not obj.weights.idle_gap:
        return
    model, inst = v.model, v.problem.inst
    for teacher, busy in v.busy.items():
        for campus in {c for c, _ in busy}:
            runs: dict[tuple[str, bool], list[Literal | None]] = defaultdict(list)
            for si, s in enumerate(inst.campuses[campus].slots):
                runs[s.day, s.start >= NOON].append(busy.get((campus, si)))
            for run in runs.values():
                if sum(1 for b in run if b is not None) < 2 or len(run) < 3:
                    continue
                before: list[Literal | None] = [None]
                for b in run[:-1]:
                    before.append(either(model, before[-1], b))
                after: list[Literal | None] = [None]
                for b in reversed(run[1:]):
                    after.append(either(model, after[-1], b))
                after.reverse()
                for i in range(1, len(run) - 1):
                    pre, post = before[i], after[i]
                    if pre is None or post is None:
                        continue
                    gap = new_bool(model, f"gap[{teacher},{campus}]")
                    model.add(pre + post - (run[i] if run[i] is not None else 0) - 1 <= gap)
                    obj.add("idle_gap", gap)


def published_placements_kept(v: TimetableVars, obj: Objective, wish: Assignment) -> None:
    """`moved` per published placement not kept (a time that no longer exists costs it for sure)."""
    for vars_, chosen in ((v.x, wish.lessons), (v.y, wish.joins), (v.m, wish.meetings)):
        for i, slots in enumerate(chosen):
            for s in slots:
                if s not in vars_[i]:
                    obj.add_fixed("moved")
                    continue
                moved = new_bool(v.model, f"moved[{i},{s}]")
                v.model.add_bool_or([vars_[i][s], moved])
                obj.add("moved", moved)


Goal = Callable[[TimetableVars, Objective], None]
GOALS: tuple[Goal, ...] = (
    periods_left_unmet, meetings_missed, campus_changes, travel_days, main_subjects_in_the_morning,
    spread_over_the_week, research_at_preferred_times,
)
# `no_idle_gaps` and `published_placements_kept` are added by the model when they apply.
