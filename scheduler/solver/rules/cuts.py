"""Redundant cuts of the full timetable model: valid in every solution, they let the LP see travel.

None forbids a plan the rules allow; each ties an indicator the LP would
leave fractional to what it costs. With them CP-SAT proves the travellers'
part of the timetable (`travellers.py`) at the root. They run after the
goals, whose indicators (`change`, `away`, `excess`) they read.
"""

from __future__ import annotations

from collections import defaultdict
from math import ceil

from ortools.sat.python import cp_model

from scheduler.solver.rules.base import Literal
from scheduler.solver.rules.goals import even_share
from scheduler.solver.rules.timetable import TimetableVars


def days_needed_at_a_campus(v: TimetableVars) -> None:
    """A teacher with P periods at a campus is there on at least ceil(P / periods a day) days.

    Each unplaced period may save a day, hence the slack on the left. The
    LP alone spreads a pool teacher thinly over every day and so bounds
    travel days far too low.
    """
    p, inst = v.problem, v.problem.inst
    duties: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    slack: dict[str, dict[str, list[cp_model.IntVar]]] = defaultdict(lambda: defaultdict(list))
    for ti, t in enumerate(p.teachings):
        duties[t.teacher][p.campus_of[ti]] += t.periods
        slack[t.teacher][p.campus_of[ti]].append(v.short_x[ti])
    for ji, j in enumerate(p.joinings):
        campus = inst.classes[j.class_].campus
        duties[j.assistant][campus] += j.periods
        slack[j.assistant][campus].append(v.short_y[ji])
    for teacher, cw in v.cw.items():
        view = inst.teachers[teacher]
        for campus, total in duties[teacher].items():
            per_day: dict[str, int] = defaultdict(int)
            for s in inst.campuses[campus].slots:
                per_day[s.day] += view.free(s.day, s.start, s.end)
            most = max(per_day.values(), default=0)
            days = [var for (_, c), var in cw.items() if c == campus]
            if most and days:
                v.model.add(sum(days) + sum(slack[teacher][campus]) >= ceil(total / most))


def second_away_campus_is_a_change(v: TimetableVars) -> None:
    """A day at two away campuses is a campus change: `away + change >= campuses away that day`.

    Valid as a day has at most two campuses (`change` is one Boolean for
    `sum(here) - 1`); without it the LP covers fractions of two campuses by
    one day's travel.
    """
    inst = v.problem.inst
    for teacher, cw in v.cw.items():
        home = inst.teachers[teacher].campus
        away: dict[str, list[Literal]] = defaultdict(list)
        for (day, campus), var in cw.items():
            if campus != home:
                away[day].append(var)
        for day, vars_ in away.items():
            if len(vars_) > 1 and (teacher, day) in v.change:
                v.model.add(v.away[teacher, day] + v.change[teacher, day] >= sum(vars_))


def travelling_lessons_within_the_share(v: TimetableVars) -> None:
    """A travelling teacher's lessons of one class's subject on a day fit the even share or are excess.

    `lessons(t, class, subject, day) <= share * cw[t][day, campus] + excess`
    holds in every solution. It ties `travel_day` to `spread`: the LP alone
    packs a pool teacher's lessons into few days without seeing the excess.
    """
    if not v.problem.inst.weights.spread:
        return  # no excess variables: the share is no limit then
    p, inst = v.problem, v.problem.inst
    lessons: dict[tuple[str, str, str, str, str], list[Literal]] = defaultdict(list)
    for ti, t in enumerate(p.teachings):
        if t.teacher in v.cw:
            campus = p.campus_of[ti]
            for si, var in v.x[ti].items():
                lessons[t.teacher, t.class_, t.subject, p.slot(campus, si).day, campus].append(var)
    for ji, j in enumerate(p.joinings):
        if j.assistant in v.cw:
            campus = inst.classes[j.class_].campus
            for ri, var in v.y[ji].items():
                lessons[j.assistant, j.class_, j.subject, p.slot(campus, ri).day, campus].append(var)
    for (teacher, class_, subject, day, campus), vars_ in lessons.items():
        share = even_share(v, class_, subject)
        if len(vars_) > share:
            v.model.add(sum(vars_) <= share * v.cw[teacher][day, campus] + v.excess.get((class_, subject, day), 0))


CUTS = (days_needed_at_a_campus, second_away_campus_is_a_change, travelling_lessons_within_the_share)
