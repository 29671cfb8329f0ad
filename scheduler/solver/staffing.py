"""Phase 1: who teaches each class each subject, and which co-teaching links run.

For every class and subject the weekly periods are split between: the
class's requested co-teaching links (as lead class or as remote class, each
link running in full or not at all), periods taught in person by qualified
teachers the community model lets teach at the class's campus, periods the
class joins online from another class's lessons of the same grade (a link
the solver proposes), and unmet periods (heavily penalised, so the model is
never infeasible). One teacher per class and subject is what a school
expects, so every further teacher costs (`split_teachers`); splitting is
still allowed because datasets staff a subject by total capacity, not class
by class. It is a mixed-integer assignment model, started from a greedy
staffing (`_Builder.greedy`): small communities solve to optimality in under
a second; for 150 classes CP-SAT finds a good staffing in the time given
but proves little (per-teacher campus costs are facility-location costs the
LP relaxation sees poorly).

Proposed links are offered only where they make sense: for a class whose
campus has no teacher of its own qualified for the subject, or too few (the
rural shortage; whether a pool teacher comes in person instead is the
optimiser's choice, and in person is cheaper), for a class the timetable
could not fully place before (see `caps` in `staff`), and, when the requested links cannot
reach the community's co-teaching targets, from classes of the core
school's main campus to classes of other campuses. The lead of a proposed
link is a teacher who teaches the lead class that subject anyway, so the
link adds no load to the lead.

Assistants (the local teacher in the remote classroom) are teachers whose
own campus is the remote class's campus: that is who is in the room in a
同步课堂, and it keeps assistants clear of the community model (a
collaboration school's assistant is always its own teacher). They need not
teach the subject, which is the point of co-teaching a subject the campus
cannot staff, but one who does is preferred. A remote class has one
assistant per subject.

How periods are covered is decided here; when each lesson happens is phase
2 (`model.py`), which may still leave periods unmet if time cannot be found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.solver.instance import CoteachRequest, Instance
from scheduler.solver.published import PublishedStaffing
from scheduler.solver.rules.base import new_bool
from scheduler.solver.rules.objective import Objective
from scheduler.solver.rules.staffing import GOALS, HARD_RULES, Link, Proposal, StaffingVars, Unit
from scheduler.solver.search import NoSolution, Progress, SearchResult, complete_hint, run

FIRST_ROUND_SHARE = 0.5  # of the staffing time after which a first round still leaving demand unmet gives way
MAX_PROPOSED_REMOTES = 3
LEADS_PER_CAMPUS = 2  # lead classes offered per campus to a class short of a teacher
ASSISTANT_CANDIDATES = 6  # remote classes a proposed link may join to one lead class
# Most periods a teacher may teach a unit in person ("teach", unit, teacher), or a unit may
# join a lead class's lessons ("join", unit, lead class): what the timetable managed before.
Caps = dict[tuple[str, Unit, str], int]


@dataclass(frozen=True)
class Teaching:
    """Lessons of one class and subject taught in person by one teacher: one timetable unit."""

    class_: str
    subject: str
    teacher: str
    periods: int
    coteach_code: str  # the code its lessons carry when remote classes join them
    requested: bool = False  # the lead side of a requested link (not the class's regular lessons)

    @property
    def lesson_code(self) -> str:
        return f"{self.class_}.{self.subject}"


@dataclass(frozen=True)
class Joining:
    """A remote class joining lessons of a `Teaching` (by index) online, with a local assistant."""

    class_: str
    subject: str
    lead: int
    assistant: str
    periods: int


@dataclass
class Staffing:
    teachings: list[Teaching]
    joinings: list[Joining]
    unmet: dict[Unit, int]
    dropped: list[dict[str, str]]  # requested links or remote classes that do not run, with reasons
    result: SearchResult | None = None
    terms: dict[str, int] = field(default_factory=dict)  # objective per soft goal
    # No choice was made: every unit had at most one teacher and no co-teaching option. Then the
    # timetable's bound is a bound of the whole problem when the staffing costs nothing.
    forced: bool = False


class _Builder:
    def __init__(self, inst: Instance, published: PublishedStaffing, wide: set[Unit], caps: Caps):
        self.inst = inst
        self.published = published
        self.caps = caps
        self.repaired = {key[1] for key in caps}  # units the timetable could not fully place before
        self.wide = wide | self.repaired
        self.model = cp_model.CpModel()
        self.objective = Objective(inst.weights)
        self.dropped: list[dict[str, str]] = []
        # The variables the rules read (rules/staffing.py); the builder decides which options exist.
        self.v = StaffingVars(inst, self.model, published, {t: self.capacity(t) for t in inst.teachers})
        self.links, self.proposals = self.v.links, self.v.proposals
        self.q, self.a, self.unmet, self.assist = self.v.q, self.v.a, self.v.unmet, self.v.assist
        self.covered, self.joined, self.load, self.where = self.v.covered, self.v.joined, self.v.load, self.v.where

    def breakdown(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The objective of the solution found, per soft goal (weight key)."""
        return self.objective.breakdown(solver)

    # -- candidates -------------------------------------------------------------

    def candidates(self, unit: Unit) -> list[str]:
        """Qualified teachers allowed at the class's campus; from other campuses only where needed.

        A fused community's pool makes every qualified teacher a candidate
        everywhere, which multiplies the model by the number of campuses
        although teaching away is rarely worth its cost. Teachers of other
        campuses are candidates for units in `self.wide` (those whose campus
        is short of the subject on paper, or that the previous round left
        unmet), for units whose campus has no qualified teacher of
        its own, and as the published or wished teacher.
        """
        inst = self.inst
        cls = inst.classes[unit[0]]
        locked = inst.locked.get(unit)
        pool = list(inst.teachers) if locked is None else [locked] if locked in inst.teachers else []
        able = [t for t in pool if inst.teachers[t].max_periods > 0
                and inst.teachers[t].qualified(unit[1], cls.grade) and inst.may_teach_at(t, cls.campus)]
        local = [t for t in able if inst.teachers[t].campus == cls.campus]
        if unit in self.wide or not local:
            return able
        named = {*self.published.teachers.get(unit, {}), inst.wished.get(unit)}
        return [t for t in able if t in local or t in named]

    def assistants(self, class_: str, subject: str) -> list[str]:
        """Assistant candidates: teachers of the class's campus, those teaching the subject first.

        A few suffice (any one of them can sit in the room); more only
        multiply the model.
        """
        campus = self.inst.classes[class_].campus
        local = [t for t in self.inst.teachers.values() if t.campus == campus and t.max_periods > 0]
        local.sort(key=lambda t: (not t.teaches(subject), -t.max_periods, t.code))
        return [t.code for t in local[:ASSISTANT_CANDIDATES]]

    def matched(self, remote: str, lead_class: str, lead_teacher: str | None) -> int:
        """Periods at which the remote class's campus can sit with the lead class's lesson."""
        inst = self.inst
        lead_campus = inst.campuses[inst.classes[lead_class].campus]
        pairs = inst.matches(inst.classes[remote].campus, lead_campus.code)
        if lead_teacher is None:
            return len(pairs)
        free = inst.free_slots(lead_teacher, lead_campus.code)
        return sum(1 for li in pairs.values() if li in free)

    # -- requested links --------------------------------------------------------

    def requests(self) -> None:
        inst, model = self.inst, self.model
        left = dict(inst.demand)
        for req in inst.requests:
            problem = self._lead_problem(req, left)
            if problem:
                self.dropped.append({"code": req.code, "class": req.lead_class, "reason": problem})
                continue
            lead_periods = min(req.lessons_per_week, left[req.lead_class, req.subject])
            remotes = {}
            for remote in req.remote_classes:
                k = min(lead_periods, left.get((remote, req.subject), 0))
                reason = self._remote_problem(req, remote, k)
                if reason:
                    self.dropped.append({"code": req.code, "class": remote, "reason": reason})
                else:
                    remotes[remote] = k
            if not remotes:
                continue
            link = Link(req, lead_periods, remotes, new_bool(model, f"link[{req.code}]"))
            left[req.lead_class, req.subject] -= lead_periods
            self.covered[req.lead_class, req.subject].append(lead_periods * link.on)
            self._teach(req.lead_teacher, inst.classes[req.lead_class].campus, lead_periods * link.on, link.on)
            for remote, k in remotes.items():
                on = link.remote_on[remote] = new_bool(model, f"link[{req.code},{remote}]")
                if self.caps.get(("join", (remote, req.subject), req.lead_class), k) < k:
                    model.add(on == 0)
                left[remote, req.subject] -= k
                self.covered[remote, req.subject].append(k * on)
                self.joined[remote, req.subject].append(k * on)
            self.links.append(link)

    def _lead_problem(self, req: CoteachRequest, left: dict[Unit, int]) -> str | None:
        inst = self.inst
        lead_class = inst.classes[req.lead_class]
        if req.lead_teacher not in inst.teachers:
            return f"主讲教师 {req.lead_teacher} 不属于本教共体"
        if left.get((req.lead_class, req.subject), 0) <= 0:
            return f"主讲班级 {req.lead_class} 没有可用于同步课堂的 {req.subject} 课时"
        locked = inst.locked.get((req.lead_class, req.subject))
        if locked not in (None, req.lead_teacher):
            return f"主讲班级 {req.lead_class} 的 {req.subject} 已锁定由教师 {locked} 任教"
        refusal = inst.refusal(req.lead_teacher, lead_class.campus)
        if refusal:
            return f"主讲教师 {inst.teachers[req.lead_teacher].label} 不能到校区 {lead_class.campus} 上课（{refusal}）"
        return None

    def _remote_problem(self, req: CoteachRequest, remote: str, k: int) -> str | None:
        inst = self.inst
        if remote not in inst.classes:
            return f"远端班级 {remote} 不属于本教共体"
        if k <= 0:
            return f"远端班级 {remote} 没有可用于同步课堂的 {req.subject} 课时"
        if self.matched(remote, req.lead_class, req.lead_teacher) < k:
            ours, theirs = inst.classes[remote].campus, inst.classes[req.lead_class].campus
            return (f"校区 {ours} 与主讲校区 {theirs} 的上课时间没有足够的节次开始时间相差在 "
                    f"{inst.tolerance} 分钟以内，无法同步上课")
        if not self.assistants(remote, req.subject):
            return f"校区 {inst.classes[remote].campus} 没有可担任助教的教师"
        return None

    # -- in-person teaching -----------------------------------------------------

    def teaching(self) -> None:
        model, inst = self.model, self.inst
        for unit, n in inst.demand.items():
            campus = inst.classes[unit[0]].campus
            self.q[unit], self.a[unit] = {}, {}
            for t in self.candidates(unit):
                q = self.q[unit][t] = model.new_int_var(0, min(n, self.caps.get(("teach", unit, t), n)),
                                                        f"q[{unit},{t}]")
                a = self.a[unit][t] = new_bool(model, f"a[{unit},{t}]")
                model.add(q <= n * a)
                model.add(q >= a)
                self._teach(t, campus, q, a)

    def _teach(self, teacher: str, campus: str, periods: cp_model.LinearExprT, present: cp_model.IntVar) -> None:
        self.load[teacher].append(periods)
        if campus != self.inst.teachers[teacher].campus:
            self.where[teacher, campus].append(present)
            self.v.away_periods.append(periods)

    # -- proposed links ---------------------------------------------------------

    def propose(self) -> None:
        """Offer proposed links where they make sense (see the module docstring)."""
        inst, model = self.inst, self.model
        for_target = self._targets_need_proposals()
        per_lead: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        first = {}  # (campus, grade) -> the first class, the only one offered for targets
        for c in inst.classes.values():
            first.setdefault((c.campus, c.grade), c.code)
        taught = {(t.campus, subject, grade) for t in inst.teachers.values()  # by a teacher of the campus
                  for subject, grades in t.qualifications for grade in grades}
        for unit, n in inst.demand.items():
            cls = inst.classes[unit[0]]
            short = (cls.campus, unit[1], cls.grade) not in taught or unit in self.wide
            target = for_target and cls.campus != inst.main_campus and first[cls.campus, cls.grade] == cls.code
            if not (short or target) or not self.assistants(cls.code, unit[1]):
                continue
            leads: dict[str, int] = defaultdict(int)  # lead classes offered per campus
            for lead in inst.classes.values():
                if (lead.grade != cls.grade or lead.campus == cls.campus
                        or (not short and lead.code != first.get((inst.main_campus, cls.grade)))
                        or leads[lead.campus] >= LEADS_PER_CAMPUS
                        or not self.q.get((lead.code, unit[1]))
                        or self.matched(cls.code, lead.code, None) < 1):
                    continue
                leads[lead.campus] += 1
                most = min(n, self.matched(cls.code, lead.code, None),
                           self.caps.get(("join", unit, lead.code), n))
                on = new_bool(model, f"propose[{unit},{lead.code}]")
                periods = model.new_int_var(0, most, f"proposed[{unit},{lead.code}]")
                model.add(periods <= most * on)
                model.add(periods >= on)
                self.proposals.append(Proposal(unit, lead.code, on, periods, most))
                self.covered[unit].append(periods)
                self.joined[unit].append(periods)
                per_lead[lead.code, unit[1]].append(on)
        for vars_ in per_lead.values():
            if len(vars_) > MAX_PROPOSED_REMOTES:
                model.add(sum(vars_) <= MAX_PROPOSED_REMOTES)

    def _targets_need_proposals(self) -> bool:
        targets = self.inst.community.targets
        subjects = {link.request.subject for link in self.links}
        lessons = sum(link.lead_periods for link in self.links)
        return len(subjects) < targets.coteach_subjects or lessons < self.inst.weekly_coteach_target()

    # -- demand, assistants, loads, costs ---------------------------------------

    def demand(self) -> None:
        """Unmet slack per unit, and assistant candidates for every unit that may join lessons online."""
        model = self.model
        for unit, n in self.inst.demand.items():
            self.unmet[unit] = model.new_int_var(0, n, f"unmet[{unit}]")
            if not self.joined[unit]:
                continue
            pairs = {}
            for t in self.assistants(unit[0], unit[1]):
                on = new_bool(model, f"assist[{unit},{t}]")
                periods = model.new_int_var(0, n, f"assisted[{unit},{t}]")
                model.add(periods <= n * on)
                pairs[t] = (on, periods)
                self.load[t].append(periods)
            self.assist[unit] = pairs

    def capacity(self, t: str) -> int:
        """Weekly periods the teacher can take: the maximum, or the free periods of the own bell if fewer."""
        teacher = self.inst.teachers[t]
        return min(teacher.max_periods, len(self.inst.free_slots(t, teacher.campus)))

    def build(self) -> None:
        """The options (variables), then every hard rule and soft goal of rules/staffing.py."""
        self.requests()
        self.teaching()
        self.propose()
        self.demand()
        for rule in HARD_RULES:
            rule(self.v)
        for goal in GOALS:
            goal(self.v, self.objective)
        self.objective.minimize(self.model)

    # -- a first staffing ---------------------------------------------------------

    def greedy(self) -> list[tuple[cp_model.IntVar, int]]:
        """A quick valid staffing to start the search from, as (variable, value) pairs.

        The published plan is kept where it still fits: its requested links,
        its proposed links and its teachers' periods. Then most constrained
        units first: one teacher if one has room (the wished teacher, else a
        local one with the least room that still fits, one who cannot assist a
        remote class first, else the nearest from another campus), else split
        over those with the most room. Requested links run where their lead
        and an assistant have room; what still finds no teacher joins a
        proposed link where one can take it, in part if no assistant has room
        for all of it; the rest stays unmet.
        """
        inst, pub = self.inst, self.published
        spare = {t: self.capacity(t) for t in inst.teachers}
        values: dict[cp_model.IntVar, int] = {}
        covered: dict[Unit, int] = defaultdict(int)  # periods covered by co-teaching
        joined: dict[Unit, int] = defaultdict(int)  # of which as remote class (with an assistant)
        helpers: dict[Unit, str] = {}

        def helper(unit: Unit, periods: int) -> str | None:
            pairs = self.assist.get(unit, {})
            if unit in helpers:
                return helpers[unit] if spare[helpers[unit]] >= periods else None
            ranked = sorted(pairs, key=lambda t: (t != pub.assistants.get(unit), -spare[t], t))
            return next((t for t in ranked if spare[t] >= periods), None)

        def room(unit: Unit) -> int:
            """Periods the unit's assistant, or its freest candidate, still has room for."""
            if unit in helpers:
                return spare[helpers[unit]]
            return max((spare[t] for t in self.assist.get(unit, {})), default=0)

        def commit(unit: Unit, teacher: str, periods: int) -> None:
            helpers[unit] = teacher
            spare[teacher] -= periods
            covered[unit] += periods
            joined[unit] += periods

        for link in self.links:
            req = link.request
            running = {}
            if spare[req.lead_teacher] >= link.lead_periods:
                for remote, k in link.remotes.items():
                    if self.caps.get(("join", (remote, req.subject), req.lead_class), k) < k:
                        continue
                    t = helper((remote, req.subject), k)
                    if t is not None:
                        running[remote] = t
                        commit((remote, req.subject), t, k)
            values[link.on] = int(bool(running))
            for remote, on in link.remote_on.items():
                values[on] = int(remote in running)
            if running:
                spare[req.lead_teacher] -= link.lead_periods
                covered[req.lead_class, req.subject] += link.lead_periods
        wanted = {p: pub.joins.get(p.remote, {}).get(p.lead_class, 0) for p in self.proposals}
        later = {p.remote for p, k in wanted.items() if k}
        chosen_of: dict[Unit, dict[str, int]] = {}
        assisting = {t for pairs in self.assist.values() for t in pairs}
        for unit in sorted(inst.demand, key=lambda u: (u in later, len(self.q[u]), -inst.demand[u], u)):
            for p in (p for p in self.proposals if p.remote == unit and wanted[p]):
                lead = chosen_of.get((p.lead_class, unit[1]), {})
                k = min(wanted[p], sum(lead.values()), inst.demand[unit] - covered[unit],
                        self.caps.get(("join", unit, p.lead_class), wanted[p]))
                t = helper(unit, k) if k > 0 and len(lead) == 1 else None
                values[p.on], values[p.periods] = (1, k) if t is not None else (0, 0)
                if t is not None:
                    commit(unit, t, k)
            chosen_of[unit] = chosen = self._pick(unit, inst.demand[unit] - covered[unit], spare, assisting)
            for t in self.q[unit]:
                spare[t] -= chosen.get(t, 0)
                values[self.q[unit][t]] = chosen.get(t, 0)
                values[self.a[unit][t]] = int(t in chosen)
            values[self.unmet[unit]] = inst.demand[unit] - covered[unit] - sum(chosen.values())
        for p in self.proposals:  # what no teacher had room for joins a lead class online, if one can
            lead = chosen_of[p.lead_class, p.remote[1]]
            # as many periods as an assistant still has room for: a part beats none
            k = min(values[self.unmet[p.remote]], p.most, sum(lead.values()), room(p.remote))
            t = helper(p.remote, k) if k > 0 and len(lead) == 1 and p.on not in values else None
            values.setdefault(p.on, int(t is not None))
            values.setdefault(p.periods, k if t is not None else 0)
            if t is not None:
                commit(p.remote, t, k)
                values[self.unmet[p.remote]] -= k
        for unit, pairs in self.assist.items():
            for t, (on, periods) in pairs.items():
                values[on] = int(helpers.get(unit) == t)
                values[periods] = joined[unit] if helpers.get(unit) == t else 0
        return list(values.items())

    def decisions(self) -> dict[tuple, cp_model.IntVar]:
        """Every decision variable by a key that means the same in another builder of the instance."""
        keys: dict[tuple, cp_model.IntVar] = {}
        for unit, by in self.q.items():
            keys.update({("q", unit, t): v for t, v in by.items()})
            keys.update({("a", unit, t): v for t, v in self.a[unit].items()})
            keys["unmet", unit] = self.unmet[unit]
        for link in self.links:
            keys["link", link.request.code] = link.on
            keys.update({("remote", link.request.code, r): v for r, v in link.remote_on.items()})
        for p in self.proposals:
            keys["propose", p.remote, p.lead_class] = p.on
            keys["proposed", p.remote, p.lead_class] = p.periods
        for unit, pairs in self.assist.items():
            keys.update({("assist", unit, t, i): v for t, pair in pairs.items() for i, v in enumerate(pair)})
        return keys

    def carry(self, other: _Builder, solver: cp_model.CpSolver) -> list[tuple[cp_model.IntVar, int]]:
        """`other`'s solution as decisions of this builder (new options off)."""
        theirs = other.decisions()
        return [(var, solver.value(theirs[key]) if key in theirs else 0) for key, var in self.decisions().items()]

    def _pick(self, unit: Unit, need: int, spare: dict[str, int], assisting: set[str]) -> dict[str, int]:
        """Teachers and their periods for `need` periods of a unit (see `greedy`).

        Teachers in `assisting` (assistant candidates of remote classes) come
        after others that fit: a class without a teacher of its own can only be
        covered through their room.
        """
        inst = self.inst
        campus = inst.classes[unit[0]].campus
        room = {t: min(spare[t], self.caps.get(("teach", unit, t), spare[t])) for t in self.q[unit]}
        chosen: dict[str, int] = {}
        for t, periods in self.published.teachers.get(unit, {}).items():  # keep the published staffing
            if t in self.q[unit] and need > sum(chosen.values()):
                chosen[t] = min(periods, room[t], need - sum(chosen.values()))
        named = [t for t in (inst.locked.get(unit), inst.wished.get(unit)) if t in self.q[unit]]
        ranked = sorted(self.q[unit], key=lambda t: (
            t not in named, inst.teachers[t].campus != campus,
            inst.travel(inst.teachers[t].campus, campus) or 0, t in assisting, room[t], t))
        fits = [t for t in ranked if room[t] >= need]
        if not any(chosen.values()) and fits:
            chosen = {fits[0]: need}
        left = need - sum(chosen.values())
        for t in sorted(ranked, key=lambda t: (t not in chosen, inst.teachers[t].campus != campus, -room[t], t)):
            if left and room[t] > chosen.get(t, 0):
                more = min(left, room[t] - chosen.get(t, 0))
                chosen[t] = chosen.get(t, 0) + more
                left -= more
        return {t: k for t, k in chosen.items() if k > 0}

    # -- reading the solution ---------------------------------------------------

    def read(self, solver: cp_model.CpSolver) -> Staffing:
        value = solver.value
        teachings: list[Teaching] = []
        index: dict[tuple[str, str, str], int] = {}
        link_index: dict[str, int] = {}
        for link in self.links:
            if value(link.on):
                req = link.request
                link_index[req.code] = len(teachings)
                teachings.append(Teaching(req.lead_class, req.subject, req.lead_teacher, link.lead_periods, req.code,
                                          requested=True))
        taken = {t.coteach_code for t in teachings}
        for unit, by_teacher in self.q.items():
            for teacher, q in by_teacher.items():
                if value(q):
                    index[unit[0], unit[1], teacher] = len(teachings)
                    code = _fresh(f"CT-{unit[1]}-{unit[0]}", taken)
                    teachings.append(Teaching(unit[0], unit[1], teacher, value(q), code))
        assistant = {unit: next(t for t, (on, _) in pairs.items() if value(on))
                     for unit, pairs in self.assist.items() if any(value(on) for on, _ in pairs.values())}
        joinings: list[Joining] = []
        dropped = list(self.dropped)
        for link in self.links:
            for remote, on in link.remote_on.items():
                unit = (remote, link.request.subject)
                if value(on):
                    joinings.append(Joining(remote, unit[1], link_index[link.request.code], assistant[unit],
                                            link.remotes[remote]))
                else:
                    dropped.append({"code": link.request.code, "class": remote,
                                    "reason": "主讲教师或本校区助教课时不足，改为其他方式授课"})
        for p in self.proposals:
            if value(p.periods):
                teacher = next(t for t, q in self.q[p.lead_class, p.remote[1]].items() if value(q))
                lead = index[p.lead_class, p.remote[1], teacher]
                joinings.append(Joining(p.remote[0], p.remote[1], lead, assistant[p.remote], value(p.periods)))
        unmet = {unit: value(v) for unit, v in self.unmet.items() if value(v)}
        return Staffing(teachings, joinings, unmet, dropped)

    def forced(self) -> bool:
        """Whether no choice exists: every unit has at most one teacher and no co-teaching option."""
        return all(len(by) <= 1 for by in self.q.values()) and not self.links and not self.proposals

    def unmet_expr(self) -> cp_model.LinearExprT:
        return sum(self.unmet.values())


def _fresh(code: str, taken: set[str]) -> str:
    """`code`, or `code-2`, `code-3`... when another lead already uses it."""
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}-{n}"
    taken.add(candidate)
    return candidate


def _thin(inst: Instance) -> set[Unit]:
    """Units whose campus cannot staff the subject itself even on paper: open them at once.

    Local capacity counts every local teacher qualified for the subject with
    their whole weekly maximum, so it is optimistic (teachers also take
    other subjects); the second round still catches what this misses.
    """
    demand: dict[tuple[str, str], int] = defaultdict(int)
    for (class_, subject), n in inst.demand.items():
        demand[inst.classes[class_].campus, subject] += n
    capacity: dict[tuple[str, str], int] = defaultdict(int)
    for t in inst.teachers.values():
        for subject, _ in t.qualifications:
            capacity[t.campus, subject] += t.max_periods
    return {unit for unit in inst.demand
            if capacity[inst.classes[unit[0]].campus, unit[1]] < demand[inst.classes[unit[0]].campus, unit[1]]}


def staff(inst: Instance, *, time_limit: float, workers: int, progress: Progress,
          published: PublishedStaffing | None = None, caps: Caps | None = None,
          first: Callable[[Staffing], None] | None = None) -> Staffing:
    """Decide teachers and co-teaching links; never infeasible (unmet is always an option).

    A first round offers teachers of other campuses only where a campus is
    short (see `_Builder.candidates`); if half-way through its time it still
    leaves periods unmet, a second round offers every allowed teacher for
    those units, starting from the first round's best answer. `caps` re-staffs after a
    timetable could not place everything: units with a cap are open to
    every allowed teacher, and the capped teacher or link covers no more
    than it managed.

    `first`, when given, is called with the greedy staffing (checked by
    CP-SAT) before the search, when the staffing has choices to make: the
    caller can time-table it for a first complete plan while the search has
    not begun. Its time does not count against this phase's.

    A staffing with no choice (`_Builder.forced`) whose greedy answer costs
    nothing is optimal as it is: it is checked by CP-SAT, not searched (a
    school whose every lesson has its teacher, as a FET file gives).
    """
    deadline = progress.elapsed() + time_limit
    thin = _thin(inst)
    builder = _Builder(inst, published or PublishedStaffing(), thin, caps or {})
    builder.build()
    greedy = complete_hint(builder.model, builder.greedy(), time_limit * FIRST_ROUND_SHARE / 2)

    def check_greedy() -> SearchResult:
        """The greedy staffing (the model's complete hint) proven valid by CP-SAT, not searched."""
        return run(builder.model, phase="staffing", time_limit=max(1.0, deadline - progress.elapsed()),
                   workers=1, progress=progress, watch=builder.unmet_expr(), fixed=True)

    if first is not None and greedy is not None and not builder.forced():
        checked = check_greedy()
        if checked.found:
            before = progress.elapsed()
            first(_read(builder, checked))
            deadline += progress.elapsed() - before
    left = deadline - progress.elapsed()
    if greedy == 0 and builder.forced():  # nothing to choose, nothing to pay: the greedy staffing is optimal
        result = check_greedy()
    else:
        result = run(builder.model, phase="staffing", time_limit=left, workers=workers, progress=progress,
                     watch=builder.unmet_expr(), linearization=2, lp_worker=True,
                     give_up_after=left * FIRST_ROUND_SHARE, stop=inst.stop)
    if not result.found and greedy is not None:  # feasibility first: the greedy staffing, proven valid
        result = check_greedy()
    if not result.found:
        raise NoSolution(f"staffing: {result.status}")
    short = {unit for unit, v in builder.unmet.items() if result.solver.value(v)}
    if short:
        wide = _Builder(inst, published or PublishedStaffing(), thin | short, caps or {})
        wide.build()
        complete_hint(wide.model, wide.carry(builder, result.solver), (deadline - progress.elapsed()) / 2)
        second = run(wide.model, phase="staffing", time_limit=deadline - progress.elapsed(),
                     workers=workers, progress=progress, watch=wide.unmet_expr(), linearization=2, lp_worker=True,
                     stop=inst.stop)
        if second.found:
            builder, result = wide, second
    return _read(builder, result)


def _read(builder: _Builder, result: SearchResult) -> Staffing:
    staffing = builder.read(result.solver)
    staffing.result = result
    staffing.terms = builder.breakdown(result.solver)
    staffing.forced = builder.forced()
    return staffing
