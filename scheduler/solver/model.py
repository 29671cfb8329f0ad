"""Phase 2: the CP-SAT timetable model over the staffing phase 1 decided.

Variables are Booleans on bell periods: `x[t][s]` lesson of teaching t in
period s of its class's campus, `y[j][r]` remote class of joining j in period
r of its own campus, `m[g][w]` research meeting g in window w. Periods of
different campuses are related by clock time only:

- a class has at most one activity per period of its campus;
- a teacher is busy at most once per (campus, period); two busy periods of
  one teacher at different campuses clash when they overlap in clock time or
  leave less than the travel time between them (`problem.clash`), and such
  pairs are excluded by binary clauses; at most `max_campuses_per_day`
  campuses a day, one when the teacher has an online meeting that day (an
  online meeting is no time to travel);
- a remote class sits in a period whose start is within the tolerance of a
  lead lesson the lead class has at that moment;
- a research meeting excludes every member's busy periods that clash with it.

Unmet periods and missed meetings are not constraints but penalised slack,
so the model is always feasible. Soft goals follow `weights.py`. Redundant
cuts (days a teacher must spend at a campus, lessons a day within a class's
even share, a second away campus being a campus change) let the LP see what
travel costs; with them CP-SAT proves the travellers' part (`travellers.py`)
at the root.
"""

from __future__ import annotations

from collections import defaultdict
from math import ceil

from ortools.sat.python import cp_model

from scheduler.solver.instance import NOON
from scheduler.solver.problem import Assignment, Place, Problem
from scheduler.solver.search import complete_hint

Literal = cp_model.IntVar


class TimetableModel:
    """The CP-SAT model of one problem; `wish` (the published plan's placements) adds stability."""

    def __init__(self, problem: Problem, wish: Assignment | None = None, idle_gaps: bool = True):
        """`idle_gaps` False leaves idle gaps out, for a part of the problem whose objective must
        bound the whole's from below (`travellers.py`): idle gaps are the one goal that a
        teacher's missing activities can raise rather than lower."""
        self.p = problem
        self.inst = problem.inst
        self.w = problem.inst.weights
        self.model = cp_model.CpModel()
        self.terms: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)  # weight key -> cost terms
        self.wish = wish
        self.fixed_cost = 0  # part of the objective no decision can change
        self._variables()
        self._classes()
        self._coteaching()
        self._teachers()
        self._research()
        self._soft(idle_gaps)
        self.model.minimize(sum(e for items in self.terms.values() for e in items) + self.fixed_cost)

    def _cost(self, key: str, expr: cp_model.LinearExprT) -> None:
        """Add `expr` times the weight `key` to the objective, filed under that goal."""
        self.terms[key].append(getattr(self.w, key) * expr)

    # -- variables and counts ---------------------------------------------------

    def _variables(self) -> None:
        p, model = self.p, self.model
        self.x = [{si: model.new_bool_var(f"x[{ti},{si}]") for si in p.lesson_slots[ti]}
                  for ti in range(len(p.teachings))]
        self.y = [{ri: model.new_bool_var(f"y[{ji},{ri}]") for ri in p.join_options[ji]}
                  for ji in range(len(p.joinings))]
        self.m = [{wi: model.new_bool_var(f"m[{mi},{wi}]") for wi in range(len(mt.windows))}
                  for mi, mt in enumerate(p.meetings)]
        # Slack as explicit variables with positive costs: the LP bound then starts at 0, not below.
        self.short_x = self._slack("short_x", self.x, [t.periods for t in p.teachings])
        self.short_y = self._slack("short_y", self.y, [j.periods for j in p.joinings])
        self.unmet: cp_model.LinearExprT = sum(self.short_x) + sum(self.short_y)
        self._cost("unmet", self.unmet)
        for mi, meeting in enumerate(p.meetings):
            per_day: dict[str, list[Literal]] = defaultdict(list)
            for wi, window in enumerate(meeting.windows):
                per_day[window.day].append(self.m[mi][wi])
            for vars_ in per_day.values():
                model.add_at_most_one(vars_)
            missed = model.new_int_var(0, meeting.group.per_week, f"missed[{mi}]")
            model.add(sum(self.m[mi].values()) + missed == meeting.group.per_week)
            self._cost("research_missed", missed)

    def _slack(self, name: str, vars_: list[dict[int, Literal]], wanted: list[int]) -> list[cp_model.IntVar]:
        """Periods of each teaching (joining) left unplaced: `sum(placed) + short == wanted`."""
        shorts = []
        for i, var_map in enumerate(vars_):
            short = self.model.new_int_var(0, wanted[i], f"{name}[{i}]")
            self.model.add(sum(var_map.values()) + short == wanted[i])
            shorts.append(short)
        return shorts

    def _classes(self) -> None:
        p = self.p
        at: dict[tuple[str, int], list[Literal]] = defaultdict(list)
        for ti, t in enumerate(p.teachings):
            for si, var in self.x[ti].items():
                at[t.class_, si].append(var)
        for ji, j in enumerate(p.joinings):
            for ri, var in self.y[ji].items():
                at[j.class_, ri].append(var)
        for vars_ in at.values():
            if len(vars_) > 1:
                self.model.add_at_most_one(vars_)

    def _coteaching(self) -> None:
        for ji, j in enumerate(self.p.joinings):
            by_lead: dict[int, list[Literal]] = defaultdict(list)
            for ri, var in self.y[ji].items():
                li = self.p.join_options[ji][ri]
                by_lead[li].append(var)
            for li, vars_ in by_lead.items():
                self.model.add(sum(vars_) <= self.x[j.lead][li])

    # -- teachers ---------------------------------------------------------------

    def _teachers(self) -> None:
        """Busy literals per teacher and (campus, period); clashes; campuses a day."""
        p, model = self.p, self.model
        literals: dict[str, dict[tuple[str, int], list[Literal]]] = defaultdict(lambda: defaultdict(list))
        for ti, t in enumerate(p.teachings):
            for si, var in self.x[ti].items():
                literals[t.teacher][p.campus_of[ti], si].append(var)
        for ji, j in enumerate(p.joinings):
            campus = self.inst.classes[j.class_].campus
            for ri, var in self.y[ji].items():
                literals[j.assistant][campus, ri].append(var)
        self.busy: dict[str, dict[tuple[str, int], Literal]] = {}
        for teacher, by_place in literals.items():
            self.busy[teacher] = {}
            for key, vars_ in by_place.items():
                if len(vars_) == 1:
                    self.busy[teacher][key] = vars_[0]
                else:
                    b = model.new_bool_var(f"busy[{teacher},{key}]")
                    model.add(sum(vars_) == b)
                    self.busy[teacher][key] = b
        for teacher, busy in self.busy.items():
            by_day: dict[str, list[tuple[Place, Literal]]] = defaultdict(list)
            for (campus, si), b in busy.items():
                s = p.slot(campus, si)
                by_day[s.day].append((Place(campus, s.day, s.start, s.end), b))
            for items in by_day.values():
                for i, (pa, ba) in enumerate(items):
                    for pb, bb in items[i + 1:]:
                        if pa.campus != pb.campus and p.clash(pa, pb):
                            model.add_bool_or([ba.Not(), bb.Not()])
        self._campus_days()

    def _campus_days(self) -> None:
        """`cw[t][day][campus]`: the teacher is at the campus that day (lessons, assisting, onsite research)."""
        p, model, inst = self.p, self.model, self.inst
        present: dict[str, dict[tuple[str, str], list[Literal]]] = defaultdict(lambda: defaultdict(list))
        for teacher, busy in self.busy.items():
            for (campus, si), b in busy.items():
                present[teacher][p.slot(campus, si).day, campus].append(b)
        self.online_days: dict[tuple[str, str], list[cp_model.LinearExprT]] = defaultdict(list)
        for mi, meeting in enumerate(p.meetings):
            group = meeting.group
            by_day: dict[str, list[Literal]] = defaultdict(list)
            for wi, window in enumerate(meeting.windows):
                by_day[window.day].append(self.m[mi][wi])
            for member in group.members:
                for day, vars_ in by_day.items():
                    if group.campus is None:
                        self.online_days[member, day].append(sum(vars_))
                    else:
                        present[member][day, group.campus].extend(vars_)
        self.duties: dict[str, list[tuple[str, int, cp_model.IntVar]]] = defaultdict(list)
        for ti, t in enumerate(p.teachings):
            self.duties[t.teacher].append((p.campus_of[ti], t.periods, self.short_x[ti]))
        for ji, j in enumerate(p.joinings):
            self.duties[j.assistant].append((inst.classes[j.class_].campus, j.periods, self.short_y[ji]))
        self.cw: dict[str, dict[tuple[str, str], Literal]] = {}
        away_days: dict[str, list[Literal]] = {}
        for teacher, places in present.items():
            home = inst.teachers[teacher].campus
            campuses = {c for _, c in places}
            if campuses <= {home}:
                continue
            cw = self.cw[teacher] = {}
            for key, vars_ in places.items():
                var = cw[key] = model.new_bool_var(f"cw[{teacher},{key}]")
                for v in vars_:
                    model.add_implication(v, var)
            self._days_needed(teacher, cw)
            days: dict[str, list[tuple[str, Literal]]] = defaultdict(list)
            for (day, campus), var in cw.items():
                days[day].append((campus, var))
            mine = []
            for day, items in days.items():
                here = [v for _, v in items]
                change = None
                if len(items) > 1:
                    limit = min(inst.max_campuses, len(items))
                    online = self.online_days.get((teacher, day))
                    if online:  # an online meeting day is a one-campus day
                        model.add(sum(here) <= limit - (limit - 1) * sum(online))
                    elif limit < len(items):
                        model.add(sum(here) <= limit)
                    change = model.new_bool_var(f"change[{teacher},{day}]")
                    model.add(sum(here) - 1 <= change)
                    self._cost("campus_change", change)
                away = [v for c, v in items if c != home]
                if not away:
                    continue
                if len(away) == 1:
                    day_away = away[0]
                else:
                    day_away = model.new_bool_var(f"away[{teacher},{day}]")
                    for v in away:
                        model.add_implication(v, day_away)
                    # Cut: a second away campus that day is a campus change. Valid as a day
                    # has at most two campuses (`change` is one Boolean for `sum(here) - 1`);
                    # without it the LP covers fractions of two campuses by one day's travel.
                    assert change is not None
                    model.add(day_away + change >= sum(away))
                mine.append(day_away)
                self._cost("travel_day", day_away)
            if mine:
                away_days[teacher] = mine
        if away_days and self.w.travel_balance:
            most = model.new_int_var(0, max(len(v) for v in away_days.values()), "most_travel_days")
            for vars_ in away_days.values():
                model.add(sum(vars_) <= most)
            self._cost("travel_balance", most)

    def _days_needed(self, teacher: str, cw: dict[tuple[str, str], Literal]) -> None:
        """Cut: a teacher with P periods at a campus is there on at least ceil(P / periods a day) days.

        Each unplaced period may save a day, hence the slack on the left. The
        LP alone spreads a pool teacher thinly over every day and so bounds
        travel days far too low; this makes the bound see them.
        """
        teacher_view = self.inst.teachers[teacher]
        periods: dict[str, int] = defaultdict(int)
        slack: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for campus, n, short in self.duties[teacher]:
            periods[campus] += n
            slack[campus].append(short)
        for campus, total in periods.items():
            per_day: dict[str, int] = defaultdict(int)
            for s in self.inst.campuses[campus].slots:
                per_day[s.day] += teacher_view.free(s.day, s.start, s.end)
            most = max(per_day.values(), default=0)
            days = [var for (_, c), var in cw.items() if c == campus]
            if most and days:
                self.model.add(sum(days) + sum(slack[campus]) >= ceil(total / most))

    # -- research ---------------------------------------------------------------

    def _research(self) -> None:
        p, model = self.p, self.model
        for mi, meeting in enumerate(p.meetings):
            places = [p.window_place(mi, wi) for wi in range(len(meeting.windows))]
            for member in meeting.group.members:
                for (campus, si), b in self.busy.get(member, {}).items():
                    s = p.slot(campus, si)
                    event = Place(campus, s.day, s.start, s.end)
                    hit = [self.m[mi][wi] for wi, place in enumerate(places) if p.clash(event, place)]
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
                            model.add_bool_or([self.m[mi][wi].Not(), self.m[mj][wj].Not()])

    # -- soft goals -------------------------------------------------------------

    def _soft(self, idle_gaps: bool) -> None:
        p, model, w, inst = self.p, self.model, self.w, self.inst
        per_day: dict[tuple[str, str, str], list[Literal]] = defaultdict(list)
        for ti, t in enumerate(p.teachings):
            for si, var in self.x[ti].items():
                s = p.slot(p.campus_of[ti], si)
                per_day[t.class_, t.subject, s.day].append(var)
                if t.subject in inst.morning_subjects and s.afternoon:
                    self._cost("afternoon_main", var)
        for ji, j in enumerate(p.joinings):
            campus = inst.classes[j.class_].campus
            for ri, var in self.y[ji].items():
                s = p.slot(campus, ri)
                per_day[j.class_, j.subject, s.day].append(var)
                if j.subject in inst.morning_subjects and s.afternoon:
                    self._cost("afternoon_main", var)
        excesses: dict[tuple[str, str, str], cp_model.IntVar] = {}
        for (class_, subject, day), vars_ in per_day.items():
            cap = self._even_share(class_, subject)
            if len(vars_) > cap and w.spread:
                excess = excesses[class_, subject, day] = model.new_int_var(
                    0, len(vars_) - cap, f"excess[{class_},{subject}]")
                model.add(sum(vars_) - cap <= excess)
                self._cost("spread", excess)
        self._spread_days(excesses)
        for mi, meeting in enumerate(p.meetings):
            for wi, window in enumerate(meeting.windows):
                if not window.preferred:
                    self._cost("research_time", self.m[mi][wi])
        if w.idle_gap and idle_gaps:
            self._idle_gaps()
        if self.wish is not None:
            self._stability(self.wish)

    def _even_share(self, class_: str, subject: str) -> int:
        """Lessons of a class's subject a day that cost no `spread`: its even share of the week."""
        days = len(self.inst.campuses[self.inst.classes[class_].campus].days)
        return ceil(self.inst.demand[class_, subject] / days)

    def _spread_days(self, excesses: dict[tuple[str, str, str], cp_model.IntVar]) -> None:
        """Cut: a travelling teacher's lessons of one class's subject on a day fit the even share.

        `lessons(t, class, subject, day) <= share * cw[t][day, campus] + excess[class, subject, day]`
        holds in every solution (no lesson without the campus day; beyond the
        share each lesson is excess). It ties `travel_day` to `spread`: the LP
        alone packs a pool teacher's lessons into few days without seeing the
        excess, and its bound misses the trade-off the real timetable pays.
        """
        p, model = self.p, self.model
        if not self.w.spread:
            return  # no excess variables: the share is no limit then
        lessons: dict[tuple[str, str, str, str, str], list[Literal]] = defaultdict(list)
        for ti, t in enumerate(p.teachings):
            if t.teacher in self.cw:
                campus = p.campus_of[ti]
                for si, var in self.x[ti].items():
                    lessons[t.teacher, t.class_, t.subject, p.slot(campus, si).day, campus].append(var)
        for ji, j in enumerate(p.joinings):
            if j.assistant in self.cw:
                campus = self.inst.classes[j.class_].campus
                for ri, var in self.y[ji].items():
                    lessons[j.assistant, j.class_, j.subject, p.slot(campus, ri).day, campus].append(var)
        for (teacher, class_, subject, day, campus), vars_ in lessons.items():
            share = self._even_share(class_, subject)
            if len(vars_) <= share:
                continue  # the implications into cw already say it all
            excess = excesses.get((class_, subject, day), 0)
            model.add(sum(vars_) <= share * self.cw[teacher][day, campus] + excess)

    def _idle_gaps(self) -> None:
        """A free period between two busy ones of a teacher, per campus and half-day."""
        model = self.model
        for teacher, busy in self.busy.items():
            for campus in {c for c, _ in busy}:
                runs: dict[tuple[str, bool], list[Literal | None]] = defaultdict(list)
                for si, s in enumerate(self.inst.campuses[campus].slots):
                    runs[s.day, s.start >= NOON].append(busy.get((campus, si)))
                for run in runs.values():
                    if sum(1 for b in run if b is not None) < 2 or len(run) < 3:
                        continue
                    before: list[Literal | None] = [None]
                    for b in run[:-1]:
                        before.append(_either(model, before[-1], b))
                    after: list[Literal | None] = [None]
                    for b in reversed(run[1:]):
                        after.append(_either(model, after[-1], b))
                    after.reverse()
                    for i in range(1, len(run) - 1):
                        pre, post = before[i], after[i]
                        if pre is None or post is None:
                            continue
                        gap = model.new_bool_var(f"gap[{teacher},{campus}]")
                        model.add(pre + post - (run[i] if run[i] is not None else 0) - 1 <= gap)
                        self._cost("idle_gap", gap)

    def _stability(self, wish: Assignment) -> None:
        """Reward every published placement kept; hint them too."""
        for vars_, chosen in ((self.x, wish.lessons), (self.y, wish.joins), (self.m, wish.meetings)):
            for i, slots in enumerate(chosen):
                for s in slots:
                    if s not in vars_[i]:
                        self.fixed_cost += self.w.moved  # that time no longer exists for it
                        continue
                    moved = self.model.new_bool_var(f"moved[{i},{s}]")
                    self.model.add_bool_or([vars_[i][s], moved])
                    self._cost("moved", moved)

    # -- hints and reading ------------------------------------------------------

    def _decisions(self, start: Assignment) -> list[tuple[Literal, bool]]:
        return [(var, s in chosen[i])
                for vars_, chosen in ((self.x, start.lessons), (self.y, start.joins), (self.m, start.meetings))
                for i, var_map in enumerate(vars_) for s, var in var_map.items()]

    def hint(self, start: Assignment, time_limit: float) -> float | None:
        """Hint `start` on every variable (see `search.complete_hint`); its objective, or None."""
        return complete_hint(self.model, self._decisions(start), time_limit)

    def breakdown(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The objective of the solution found, per soft goal (weight key)."""
        values = {key: int(sum(solver.value(e) for e in items)) for key, items in sorted(self.terms.items())}
        if self.fixed_cost:
            values["moved"] = values.get("moved", 0) + self.fixed_cost
        return {key: v for key, v in values.items() if v}

    def read(self, solver: cp_model.CpSolver) -> Assignment:
        def pick(vars_: list[dict[int, Literal]]) -> list[set[int]]:
            return [{s for s, v in var_map.items() if solver.boolean_value(v)} for var_map in vars_]
        return Assignment(pick(self.x), pick(self.y), pick(self.m))


def _either(model: cp_model.CpModel, a: Literal | None, b: Literal | None) -> Literal | None:
    """A literal at least as true as `a or b` (minimisation keeps it no truer than needed)."""
    if a is None:
        return b
    if b is None:
        return a
    var = model.new_bool_var("")
    model.add_implication(a, var)
    model.add_implication(b, var)
    return var
