"""Phase 2's hard rules: when each staffed lesson, co-teaching lesson and meeting happens.

Read top to bottom: the variables (`TimetableVars`, built by
`timetable_variables`), then one function per rule, each named for what it
forbids or requires and marked with the checker rule it enforces. `HARD_RULES`
lists them in that order; the model (`model.py`) applies them all, a unit test
applies one at a time (tests/test_solver_rule_units.py).

Variables are Booleans on bell periods: `x[t][s]` lesson of teaching t in
period s of its class's campus, `y[j][r]` remote class of joining j in period
r of its own campus, `m[g][w]` research meeting g in window w. Periods of
different campuses are related by clock time only.

Three rules are enforced by the variables' domains rather than by constraints
(`Problem` builds them): a lesson is only ever on its class's campus bell
(rule 1), only in periods its teacher (or a remote class's assistant, or
every member of a meeting) is available (rule 6), and only in periods its
class is available and its class-subject allows (rule 10). Who teaches what, and the
community model's limits on where, were decided in phase 1.

`short_x`, `short_y` and `missed` are the periods and meetings left out. In
the lean model (`lean=True`: feasibility first) their upper bound is 0, so
every staffed period and every meeting is required; in the full model they
are penalised slack (`goals.py`), so it is always feasible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.solver.problem import Place, Problem
from scheduler.solver.rules.base import Literal, checker_rule, new_bool

Busy = dict[tuple[str, int], Literal]  # (campus, period index) -> the teacher is busy there


@dataclass
class TimetableVars:
    """The timetable's decision variables and the indicators the rules share."""

    problem: Problem
    model: cp_model.CpModel
    x: list[dict[int, Literal]]
    y: list[dict[int, Literal]]
    m: list[dict[int, Literal]]
    short_x: list[cp_model.IntVar]
    short_y: list[cp_model.IntVar]
    missed: list[cp_model.IntVar]
    # per teacher: (campus, period) -> the lesson and assisting literals there
    activities: dict[str, dict[tuple[str, int], list[Literal]]] = field(default_factory=dict)
    # per teacher: (campus, period) -> busy (a lesson, or assisting a remote class)
    busy: dict[str, Busy] = field(default_factory=dict)
    # per teacher with activities beyond the own campus: (day, campus) -> at that campus that day
    cw: dict[str, dict[tuple[str, str], Literal]] = field(default_factory=dict)
    # (teacher, day) -> the teacher's online meetings that day (sums of window literals)
    online_days: dict[tuple[str, str], list[cp_model.LinearExprT]] = field(default_factory=dict)
    # indicators added by goals and read by cuts: campus changes, away days, excess lessons
    change: dict[tuple[str, str], Literal] = field(default_factory=dict)
    away: dict[tuple[str, str], Literal] = field(default_factory=dict)
    excess: dict[tuple[str, str, str], cp_model.IntVar] = field(default_factory=dict)
    # per teaching with doubles (连堂): (slot, next slot) -> the pair holds one of them
    pairs: dict[int, dict[tuple[int, int], Literal]] = field(default_factory=dict)

    @property
    def unmet(self) -> cp_model.LinearExprT:
        return sum(self.short_x) + sum(self.short_y)

    def busy_places(self, teacher: str) -> list[tuple[Place, Literal]]:
        p = self.problem
        return [(Place(campus, s.day, s.start, s.end), b)
                for (campus, si), b in self.busy.get(teacher, {}).items() for s in (p.slot(campus, si),)]


def timetable_variables(problem: Problem, model: cp_model.CpModel, lean: bool = False) -> TimetableVars:
    """Decision variables, slack, and the indicators `busy` and `cw` defined from them.

    `busy` is exactly "some activity of the teacher is in this period"; `cw`
    is implied by every activity at a campus that day (at least as true as
    needed; minimisation and the rules keep it no truer). The lean model
    leaves `busy` out for teachers at one campus without meetings or a
    days-a-week limit: only the soft goals would read it.
    """
    p, inst = problem, problem.inst
    x = [{si: new_bool(model, f"x[{ti},{si}]") for si in p.lesson_slots[ti]} for ti in range(len(p.teachings))]
    y = [{ri: new_bool(model, f"y[{ji},{ri}]") for ri in p.join_options[ji]} for ji in range(len(p.joinings))]
    m = [{wi: new_bool(model, f"m[{mi},{wi}]") for wi in range(len(mt.windows))}
         for mi, mt in enumerate(p.meetings)]

    def slack(name: str, wanted: list[int]) -> list[cp_model.IntVar]:
        # Explicit slack with positive costs: the LP bound then starts at 0, not below.
        return [model.new_int_var(0, 0 if lean else n, f"{name}[{i}]") for i, n in enumerate(wanted)]

    v = TimetableVars(p, model, x, y, m, slack("short_x", [t.periods for t in p.teachings]),
                      slack("short_y", [j.periods for j in p.joinings]),
                      slack("missed", [mt.group.per_week for mt in p.meetings]))
    literals: dict[str, dict[tuple[str, int], list[Literal]]] = defaultdict(lambda: defaultdict(list))
    for ti, t in enumerate(p.teachings):
        for si, var in x[ti].items():
            literals[t.teacher][p.campus_of[ti], si].append(var)
    for ji, j in enumerate(p.joinings):
        campus = inst.classes[j.class_].campus
        for ri, var in y[ji].items():
            literals[j.assistant][campus, ri].append(var)
    v.activities = literals
    members = {m for meeting in p.meetings for m in meeting.group.members}
    for teacher, by_place in literals.items():
        if (lean and teacher not in members and inst.teachers[teacher].max_days is None
                and len({campus for campus, _ in by_place}) == 1):
            continue  # the lean model's rules read `busy` only across campuses, for meetings and days a week
        v.busy[teacher] = {}
        for key, vars_ in by_place.items():
            if len(vars_) == 1:
                v.busy[teacher][key] = vars_[0]
                continue
            b = v.busy[teacher][key] = new_bool(model, f"busy[{teacher},{key}]")
            for var in vars_:
                model.add_implication(var, b)
            model.add_bool_or([*vars_, b.Not()])
    present: dict[str, dict[tuple[str, str], list[Literal]]] = defaultdict(lambda: defaultdict(list))
    for teacher, busy in v.busy.items():
        for (campus, si), b in busy.items():
            present[teacher][p.slot(campus, si).day, campus].append(b)
    online: dict[tuple[str, str], list[cp_model.LinearExprT]] = defaultdict(list)
    for mi, meeting in enumerate(p.meetings):
        by_day = _windows_by_day(v, mi)
        for member in meeting.group.members:
            for day, vars_ in by_day.items():
                if meeting.group.campus is None:
                    online[member, day].append(sum(vars_))
                else:
                    present[member][day, meeting.group.campus].extend(vars_)
    v.online_days = dict(online)
    for teacher, places in present.items():
        if {c for _, c in places} <= {inst.teachers[teacher].campus}:
            continue  # never away: no campus-day indicators needed
        cw = v.cw[teacher] = {}
        for key, vars_ in places.items():
            var = cw[key] = new_bool(model, f"cw[{teacher},{key}]")
            for b in vars_:
                model.add_implication(b, var)
    return v


def _windows_by_day(v: TimetableVars, mi: int) -> dict[str, list[Literal]]:
    by_day: dict[str, list[Literal]] = defaultdict(list)
    for wi, window in enumerate(v.problem.meetings[mi].windows):
        by_day[window.day].append(v.m[mi][wi])
    return by_day


def _overlap(a: Place, b: Place) -> bool:
    return a.day == b.day and a.start < b.end and b.start < a.end


# -- rule 1: the curriculum's periods -------------------------------------------


@checker_rule(1)
def staffed_periods_placed(v: TimetableVars) -> None:
    """Each teaching gets its periods and each joining its joined periods, less what is left short."""
    for vars_, shorts, wanted in ((v.x, v.short_x, [t.periods for t in v.problem.teachings]),
                                  (v.y, v.short_y, [j.periods for j in v.problem.joinings])):
        for i, var_map in enumerate(vars_):
            v.model.add(cp_model.LinearExpr.sum([*var_map.values(), shorts[i]]) == wanted[i])


# -- rule 9: doubles --------------------------------------------------------------


@checker_rule(9)
def doubles_back_to_back(v: TimetableVars) -> None:
    """A class-subject's doubles (连堂) are pairs of back-to-back periods, not across a long break.

    A double is two periods that belong together: each pair not placed leaves
    both its periods short, so the lean model (nothing short) places every
    double, and the full model pays for a missing one as for two unmet periods.
    `Problem.pair_options` holds the slot pairs each teaching may use.
    """
    p, model = v.problem, v.model
    for ti, k in p.doubles.items():
        pairs = v.pairs[ti] = {pair: new_bool(model, f"pair[{ti},{pair[0]}]") for pair in p.pair_options[ti]}
        per_slot: dict[int, list[Literal]] = defaultdict(list)
        for (a, b), var in pairs.items():
            model.add_implication(var, v.x[ti][a])
            model.add_implication(var, v.x[ti][b])
            per_slot[a].append(var)
            per_slot[b].append(var)
        for vars_ in per_slot.values():
            if len(vars_) > 1:
                model.add_at_most_one(vars_)
        missing = model.new_int_var(0, k, f"missing_pairs[{ti}]")
        model.add(sum(pairs.values()) + missing == k)
        model.add(v.short_x[ti] >= 2 * missing)


# -- rule 10: when a class-subject's lessons may be --------------------------------


@checker_rule(10)
def lessons_days_apart(v: TimetableVars) -> None:
    """A class-subject with `min_days_apart` n has one lesson (or one double) a day, on days n apart.

    Days count in the order of the campus's school week, as FET's min-days
    constraint counts them. Runs after the doubles rule: a double is one lesson.
    """
    p, model = v.problem, v.model
    for ti, t in enumerate(p.teachings):
        n = p.inst.min_days.get((t.class_, t.subject))
        if not n:
            continue
        campus = p.inst.campuses[p.campus_of[ti]]
        on_day: dict[str, list[Literal]] = defaultdict(list)
        for si, var in v.x[ti].items():
            on_day[campus.slots[si].day].append(var)
        pairs_on: dict[str, list[Literal]] = defaultdict(list)
        for (a, _), var in v.pairs.get(ti, {}).items():
            pairs_on[campus.slots[a].day].append(var)
        used: dict[str, Literal] = {}
        for day, vars_ in on_day.items():
            used[day] = new_bool(model, f"day[{ti},{day}]")
            model.add(sum(vars_) - sum(pairs_on[day]) <= used[day])
        order = {day: i for i, day in enumerate(campus.days)}
        days = sorted(used, key=order.__getitem__)
        for i, a in enumerate(days):
            for b in days[i + 1:]:
                if order[b] - order[a] < n:
                    model.add_bool_or([used[a].Not(), used[b].Not()])


@checker_rule(6)
def teacher_days_within_limit(v: TimetableVars) -> None:
    """A teacher with `max_days_per_week` teaches (lessons, co-teaching led or assisted) on that many days at most."""
    p, model = v.problem, v.model
    for teacher, busy in v.busy.items():
        limit = p.inst.teachers[teacher].max_days
        if limit is None:
            continue
        by_day: dict[str, list[Literal]] = defaultdict(list)
        for (campus, si), b in busy.items():
            by_day[p.slot(campus, si).day].append(b)
        if len(by_day) <= limit:
            continue
        days = []
        for day, vars_ in by_day.items():
            d = new_bool(model, f"teaches[{teacher},{day}]")
            for b in vars_:
                model.add_implication(b, d)
            days.append(d)
        model.add(sum(days) <= limit)


# -- rule 3: a class is in one activity at a time ---------------------------------


@checker_rule(3)
def class_in_one_activity_at_a_time(v: TimetableVars) -> None:
    """At most one lesson or joined lesson per class and period of its campus."""
    p = v.problem
    at: dict[tuple[str, int], list[Literal]] = defaultdict(list)
    for ti, t in enumerate(p.teachings):
        for si, var in v.x[ti].items():
            at[t.class_, si].append(var)
    for ji, j in enumerate(p.joinings):
        for ri, var in v.y[ji].items():
            at[j.class_, ri].append(var)
    for vars_ in at.values():
        if len(vars_) > 1:
            v.model.add_at_most_one(vars_)


# -- rule 7: co-teaching --------------------------------------------------------


@checker_rule(7)
def coteach_at_one_clock_time(v: TimetableVars) -> None:
    """A remote class sits only in a period starting within the tolerance of a lead lesson at that moment.

    `Problem.join_options` pairs each remote period with the lead period its
    start matches; the lead class must then have the lead lesson there.
    """
    for ji, j in enumerate(v.problem.joinings):
        by_lead: dict[int, list[Literal]] = defaultdict(list)
        for ri, var in v.y[ji].items():
            by_lead[v.problem.join_options[ji][ri]].append(var)
        for li, vars_ in by_lead.items():
            v.model.add(sum(vars_) <= v.x[j.lead][li])


# -- rules 2 and 4: a teacher's day -----------------------------------------------


@checker_rule(2)
def teacher_never_in_two_places(v: TimetableVars) -> None:
    """A teacher has one activity per period, and none at two campuses whose clock times overlap."""
    for by_place in v.activities.values():
        for vars_ in by_place.values():
            if len(vars_) > 1:
                v.model.add_at_most_one(vars_)
    for teacher in v.busy:
        _exclude_pairs(v, teacher, lambda a, b: a.campus != b.campus and _overlap(a, b))


@checker_rule(4)
def travel_fits_the_gap(v: TimetableVars) -> None:
    """Two activities of a teacher at different campuses on one day leave at least the travel time.

    An unknown travel pair forbids both campuses on one day (`problem.clash`).
    """
    for teacher in v.busy:
        _exclude_pairs(v, teacher, lambda a, b: a.campus != b.campus and not _overlap(a, b)
                       and v.problem.clash(a, b))


def _exclude_pairs(v: TimetableVars, teacher: str, forbidden: Callable[[Place, Place], bool]) -> None:
    by_day: dict[str, list[tuple[Place, Literal]]] = defaultdict(list)
    for place, b in v.busy_places(teacher):
        by_day[place.day].append((place, b))
    for items in by_day.values():
        for i, (pa, ba) in enumerate(items):
            for pb, bb in items[i + 1:]:
                if forbidden(pa, pb):
                    v.model.add_bool_or([ba.Not(), bb.Not()])


@checker_rule(4)
def campuses_a_day_within_limit(v: TimetableVars) -> None:
    """At most `max_campuses_per_day` campuses a day; one on a day with an online meeting.

    Joining online is no time to travel: a teacher in an online meeting
    stays at one campus that day.
    """
    inst = v.problem.inst
    for teacher, cw in v.cw.items():
        days: dict[str, list[Literal]] = defaultdict(list)
        for (day, _), var in cw.items():
            days[day].append(var)
        for day, here in days.items():
            if len(here) < 2:
                continue
            limit = min(inst.max_campuses, len(here))
            online = v.online_days.get((teacher, day))
            if online:
                v.model.add(sum(here) <= limit - (limit - 1) * sum(online))
            elif limit < len(here):
                v.model.add(sum(here) <= limit)


# -- rule 8: research meetings ----------------------------------------------------


@checker_rule(8)
def research_meets_its_weekly_count(v: TimetableVars) -> None:
    """A group meets `per_week` times (less what is missed), at most once a day."""
    for mi, meeting in enumerate(v.problem.meetings):
        for vars_ in _windows_by_day(v, mi).values():
            if len(vars_) > 1:
                v.model.add_at_most_one(vars_)
        v.model.add(sum(v.m[mi].values()) + v.missed[mi] == meeting.group.per_week)


@checker_rule(8)
def research_when_members_are_free(v: TimetableVars) -> None:
    """A meeting clashes with none of its members' activities (travel included), nor with their other meetings."""
    p, model = v.problem, v.model
    for mi, meeting in enumerate(p.meetings):
        places = [p.window_place(mi, wi) for wi in range(len(meeting.windows))]
        for member in meeting.group.members:
            for event, b in v.busy_places(member):
                hit = [v.m[mi][wi] for wi, place in enumerate(places) if p.clash(event, place)]
                if hit:
                    model.add(b + sum(hit) <= 1)
    for mi, a in enumerate(p.meetings):
        for mj in range(mi + 1, len(p.meetings)):
            b = p.meetings[mj]
            if not set(a.group.members) & set(b.group.members):
                continue
            for wi in range(len(a.windows)):
                pa = p.window_place(mi, wi)
                for wj in range(len(b.windows)):
                    if p.clash(pa, p.window_place(mj, wj)):
                        model.add_bool_or([v.m[mi][wi].Not(), v.m[mj][wj].Not()])


HARD_RULES: tuple[Callable[[TimetableVars], None], ...] = (
    staffed_periods_placed, doubles_back_to_back, lessons_days_apart, teacher_days_within_limit,
    class_in_one_activity_at_a_time, coteach_at_one_clock_time,
    teacher_never_in_two_places, travel_fits_the_gap, campuses_a_day_within_limit,
    research_meets_its_weekly_count, research_when_members_are_free,
)
