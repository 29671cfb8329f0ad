"""Phase 1's rules: who covers each class's subject periods, and how.

Read top to bottom: the variables (`StaffingVars`, filled by the staffing
builder in `staffing.py`, which decides which options exist), the hard rules
(`HARD_RULES`, each marked with the checker rule it enforces), then the soft
goals (`GOALS`, each adding named terms to the one `Objective`).

Variables per unit (class, subject): `q[unit][t]` periods teacher t teaches
in person and `a[unit][t]` whether t teaches any; `unmet[unit]`; `covered`
the unit's periods covered by co-teaching (as lead class of a requested
link, or as a remote class), `joined` the part of it that needs a local
assistant; `assist[unit][t]` = (t assists, periods t assists). `load[t]`
lists every expression counting towards t's weekly load. Requested links
(`Link`) run whole or not at all per remote class; proposed links
(`Proposal`) let a short class join another class's lessons online.

Qualification, the community model's limits on who may teach where, and
locked staffing (rules 1, 5, 6) are enforced by the options: a teacher who
may not teach a unit has no `q` variable for it (`staffing._Builder.candidates`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.solver.instance import CoteachRequest, Instance
from scheduler.solver.published import PublishedStaffing
from scheduler.solver.rules.base import checker_rule, new_bool
from scheduler.solver.rules.objective import Objective

Unit = tuple[str, str]  # (class, subject)


@dataclass
class Link:
    """A requested link that passed the checks: lead class, remote classes and their periods."""

    request: CoteachRequest
    lead_periods: int
    remotes: dict[str, int]  # remote class -> periods it joins
    on: cp_model.IntVar
    remote_on: dict[str, cp_model.IntVar] = field(default_factory=dict)


@dataclass(eq=False)
class Proposal:
    """A link the solver proposes: `remote` joins lessons of `lead_class`, whose one teacher leads."""

    remote: Unit
    lead_class: str
    on: cp_model.IntVar
    periods: cp_model.IntVar
    most: int  # periods it can cover at most (matching periods, demand, cap)


@dataclass
class StaffingVars:
    inst: Instance
    model: cp_model.CpModel
    published: PublishedStaffing
    capacity: dict[str, int]  # weekly periods each teacher can take
    q: dict[Unit, dict[str, cp_model.IntVar]] = field(default_factory=dict)
    a: dict[Unit, dict[str, cp_model.IntVar]] = field(default_factory=dict)
    unmet: dict[Unit, cp_model.IntVar] = field(default_factory=dict)
    covered: dict[Unit, list[cp_model.LinearExprT]] = field(default_factory=lambda: defaultdict(list))
    joined: dict[Unit, list[cp_model.LinearExprT]] = field(default_factory=lambda: defaultdict(list))
    assist: dict[Unit, dict[str, tuple[cp_model.IntVar, cp_model.IntVar]]] = field(default_factory=dict)
    load: dict[str, list[cp_model.LinearExprT]] = field(default_factory=lambda: defaultdict(list))
    # (teacher, campus beyond the own) -> presence literals of teaching there; periods taught away
    where: dict[tuple[str, str], list[cp_model.IntVar]] = field(default_factory=lambda: defaultdict(list))
    away_periods: list[cp_model.LinearExprT] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)


# -- hard rules -------------------------------------------------------------------


@checker_rule(1)
def every_period_covered_or_unmet(v: StaffingVars) -> None:
    """A unit's periods are taught in person, covered by co-teaching, or counted unmet: exactly its demand."""
    for unit, n in v.inst.demand.items():
        v.model.add(sum(v.q[unit].values()) + sum(v.covered[unit]) + v.unmet[unit] == n)


@checker_rule(6)
def load_within_capacity(v: StaffingVars) -> None:
    """A teacher's lessons, led and assisted co-teaching lessons fit the weekly maximum and free periods."""
    for t, terms in v.load.items():
        v.model.add(sum(terms) <= v.capacity[t])


@checker_rule(7)
def requested_link_runs_with_its_remote_classes(v: StaffingVars) -> None:
    """A remote class joins a requested link only when it runs, and a running link has a remote class."""
    for link in v.links:
        for on in link.remote_on.values():
            v.model.add_implication(on, link.on)
        v.model.add_bool_or(link.remote_on.values()).only_enforce_if(link.on)


@checker_rule(7)
def proposed_link_follows_one_lead_teacher(v: StaffingVars) -> None:
    """A proposed link joins at most the lead class's own lessons, taught by a single teacher."""
    for p in v.proposals:
        taught = v.q[p.lead_class, p.remote[1]]
        v.model.add(p.periods <= sum(taught.values()))
        v.model.add(sum(v.a[p.lead_class, p.remote[1]].values()) <= 1).only_enforce_if(p.on)


@checker_rule(7)
def one_assistant_per_remote_class(v: StaffingVars) -> None:
    """Every joined period has the remote class's one assistant for that subject in the room."""
    for unit, pairs in v.assist.items():
        v.model.add_at_most_one(on for on, _ in pairs.values())
        v.model.add(sum(periods for _, periods in pairs.values()) == sum(v.joined[unit]))


HARD_RULES: tuple[Callable[[StaffingVars], None], ...] = (
    every_period_covered_or_unmet, load_within_capacity, requested_link_runs_with_its_remote_classes,
    proposed_link_follows_one_lead_teacher, one_assistant_per_remote_class,
)


# -- soft goals -------------------------------------------------------------------


def periods_left_unmet(v: StaffingVars, obj: Objective) -> None:
    """`unmet` per period no teacher or link covers."""
    for unmet in v.unmet.values():
        obj.add("unmet", unmet)


def one_teacher_per_class_subject(v: StaffingVars, obj: Objective) -> None:
    """`split_teachers` per further teacher sharing one class's subject."""
    if not obj.weights.split_teachers:
        return
    for unit, chosen in v.a.items():
        if len(chosen) > 1:
            extra = v.model.new_int_var(0, len(chosen) - 1, f"extra_teachers[{unit}]")
            v.model.add(sum(chosen.values()) - 1 <= extra)
            obj.add("split_teachers", extra)


def teaching_at_the_own_campus(v: StaffingVars, obj: Objective) -> None:
    """`away_period` per period taught away; `away_campus` (+ travel minutes / 5) per further campus."""
    for periods in v.away_periods:
        obj.add("away_period", periods)
    inst = v.inst
    for (t, campus), vars_ in v.where.items():
        used = new_bool(v.model, f"away[{t},{campus}]")
        for var in vars_:
            v.model.add_implication(var, used)
        travel = inst.travel(inst.teachers[t].campus, campus)
        obj.add("away_campus", used, weight=obj.weights.away_campus + (60 if travel is None else travel) // 5)


def requested_links_run(v: StaffingVars, obj: Objective) -> None:
    """`request_dropped` per weekly lesson of a requested link (lead or remote side) not run."""
    for link in v.links:
        obj.add("request_dropped", link.lead_periods * (1 - link.on))
        for remote, on in link.remote_on.items():
            obj.add("request_dropped", link.remotes[remote] * (1 - on))


def proposed_links_cost(v: StaffingVars, obj: Objective) -> None:
    """`coteach_lesson` per weekly lesson of a proposed link (a pool teacher in person is preferred)."""
    for p in v.proposals:
        obj.add("coteach_lesson", p.periods)


def assistants_teach_the_subject(v: StaffingVars, obj: Objective) -> None:
    """`assistant_unqualified` per period assisted by a teacher who does not teach the subject."""
    for unit, pairs in v.assist.items():
        for t, (_, periods) in pairs.items():
            if not v.inst.teachers[t].teaches(unit[1]):
                obj.add("assistant_unqualified", periods)


def wishes_and_published_teachers_kept(v: StaffingVars, obj: Objective) -> None:
    """`preference` per period of an unlocked wish not honoured; `staff_change` per published period lost."""
    inst, model = v.inst, v.model
    for unit, teacher in inst.wished.items():
        if teacher in v.q.get(unit, {}):
            obj.add("preference", inst.demand[unit] - v.q[unit][teacher])
    kept: dict[Unit, list[tuple[int, cp_model.LinearExprT]]] = defaultdict(list)  # (periods, kept expr)
    for unit, counts in v.published.teachers.items():
        for teacher, periods in counts.items():
            expr = [v.q[unit][teacher]] if teacher in v.q.get(unit, {}) else []
            expr += [link.lead_periods * link.on for link in v.links
                     if (link.request.lead_class, link.request.subject, link.request.lead_teacher) == (*unit, teacher)]
            kept[unit].append((periods, sum(expr)))
    for unit, leads in v.published.joins.items():
        for lead, periods in leads.items():
            expr = [p.periods for p in v.proposals if p.remote == unit and p.lead_class == lead]
            expr += [link.remotes[unit[0]] * on for link in v.links for r, on in link.remote_on.items()
                     if (r, link.request.subject, link.request.lead_class) == (*unit, lead)]
            kept[unit].append((periods, sum(expr)))
    for unit, assistant in v.published.assistants.items():
        pair = v.assist.get(unit, {}).get(assistant)
        kept[unit].append((sum(v.published.joins[unit].values()), pair[1] if pair else 0))
    for unit, items in kept.items():
        for periods, expr in items:
            lost = model.new_int_var(0, periods, f"lost[{unit}]")
            model.add(lost >= periods - expr)
            obj.add("staff_change", lost)


def community_coteach_targets(v: StaffingVars, obj: Objective) -> None:
    """`target_subject` per co-teaching subject and `target_lesson` per weekly lesson short of the targets."""
    inst, model = v.inst, v.model
    by_subject: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
    on_subject: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for link in v.links:
        by_subject[link.request.subject].append(link.lead_periods * link.on)
        on_subject[link.request.subject].append(link.on)
    for p in v.proposals:
        by_subject[p.remote[1]].append(p.periods)
        on_subject[p.remote[1]].append(p.on)
    if not by_subject:
        return
    on = []
    for subject in sorted(on_subject):
        var = new_bool(model, f"subject_on[{subject}]")
        model.add(sum(on_subject[subject]) >= var)
        on.append(var)
    wanted_subjects = min(inst.community.targets.coteach_subjects, len(on))
    short_subjects = model.new_int_var(0, wanted_subjects, "short_subjects")
    model.add(sum(on) + short_subjects >= wanted_subjects)
    wanted_lessons = inst.weekly_coteach_target()
    short_lessons = model.new_int_var(0, wanted_lessons, "short_lessons")
    model.add(sum(e for items in by_subject.values() for e in items) + short_lessons >= wanted_lessons)
    obj.add("target_subject", short_subjects)
    obj.add("target_lesson", short_lessons)


GOALS: tuple[Callable[[StaffingVars, Objective], None], ...] = (
    periods_left_unmet, one_teacher_per_class_subject, teaching_at_the_own_campus, requested_links_run,
    proposed_links_cost, assistants_teach_the_subject, wishes_and_published_teachers_kept,
    community_coteach_targets,
)
