"""Each solver rule alone, on a handful of hand-made variables (no community is solved).

Like Timefold's ConstraintVerifier: a test builds the variables of a tiny
problem, applies one rule function, forces an assignment and asks CP-SAT
whether the rule allows it. `allows` is True when the forced assignment is
feasible under that rule alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ortools.sat.python import cp_model
from solver_cases import case, clock_bell, dataset, klass, rules, school, teacher

from scheduler.solver.instance import CoteachRequest, Instance, TeacherView
from scheduler.solver.problem import Problem
from scheduler.solver.rules import cuts, goals
from scheduler.solver.rules import staffing as staffing_rules
from scheduler.solver.rules import timetable
from scheduler.solver.rules.objective import Objective
from scheduler.solver.rules.staffing import Link, Proposal, StaffingVars
from scheduler.solver.rules.timetable import TimetableVars, timetable_variables
from scheduler.solver.published import PublishedStaffing
from scheduler.solver.staffing import Joining, Staffing, Teaching

MON2 = clock_bell("mon2", "08:00", 40, 10, 2, days=["mon"])  # 08:00-08:40, 08:50-09:30


def instance(travel: int | None = 25, **rule_values: Any) -> Instance:
    """Core U (grade 3, two classes) and member R (grade 3), Monday only, two periods, T1 at U, T2 at R."""
    doc = case([school("U", "mon2"), school("R", "mon2", "rural")],
               [teacher("T1", "U", {"SX": [3]}), teacher("T2", "R", {"SX": [3]})],
               [klass("U", 3), klass("U", 3, 2), klass("R", 3)], {"SX": 1}, [MON2],
               travel_minutes=[] if travel is None else [{"from": "U-A", "to": "R-A", "minutes": travel}])
    if rule_values:
        rules(doc, **rule_values)
    return Instance(dataset(doc), "C1", "2026-1")


def teach(class_: str, who: str = "T1", periods: int = 1) -> Teaching:
    return Teaching(class_, "SX", who, periods, f"CT-SX-{class_}")


def problem(inst: Instance, teachings: list[Teaching], joinings: list[Joining] | None = None) -> Problem:
    return Problem(inst, Staffing(teachings, joinings or [], {}, []))


def allows(p: Problem, rule: Callable[[TimetableVars], None], force: Callable[[TimetableVars], list[Any]],
           lean: bool = False) -> bool:
    """Whether `rule` alone allows the constraints `force` returns."""
    model = cp_model.CpModel()
    v = timetable_variables(p, model, lean=lean)
    rule(v)
    for constraint in force(v):
        model.add(constraint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_every_hard_rule_names_its_checker_rule() -> None:
    for rule in (*timetable.HARD_RULES, *staffing_rules.HARD_RULES):
        assert 1 <= rule.checker_rule <= 10, rule.__name__  # type: ignore[attr-defined]


# -- phase 2 (timetable) -----------------------------------------------------------


def test_staffed_periods_placed() -> None:
    p = problem(instance(), [teach("U-A-3-1", periods=2)])
    rule = timetable.staffed_periods_placed
    assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][1] == 0, v.short_x[0] == 0])
    assert allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][1] == 0, v.short_x[0] == 1])
    assert not allows(p, rule, lambda v: [v.x[0][1] == 0], lean=True)  # lean: every period required
    assert allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][1] == 1], lean=True)


def doubles_problem(max_break: int | None = None) -> Problem:
    """One class, SX twice a week as one double; Monday's four periods 10 minutes apart."""
    doc = case([school("U", "mon4")], [teacher("T1", "U", {"SX": [3]})], [klass("U", 3)], {"SX": 2},
               [clock_bell("mon4", "08:00", 40, 10, 4, days=["mon"])])
    doc["curriculum"][0]["double_periods"] = 1
    if max_break is not None:
        rules(doc, double_max_break_minutes=max_break)
    return problem(Instance(dataset(doc), "C1", "2026-1"), [teach("U-A-3-1", periods=2)])


def test_doubles_back_to_back() -> None:
    p = doubles_problem()
    assert p.doubles == {0: 1} and p.pair_options[0] == ((0, 1), (1, 2), (2, 3))
    rule = timetable.doubles_back_to_back

    def placed(*slots: int, short: int = 0) -> Callable[[TimetableVars], list[Any]]:
        return lambda v: [*(v.x[0][si] == int(si in slots) for si in range(4)), v.short_x[0] == short]

    assert allows(p, rule, placed(1, 2))
    assert not allows(p, rule, placed(0, 2))  # not back to back
    assert not allows(p, rule, placed(0, 2, short=1))  # a missing double leaves both its periods short
    assert allows(p, rule, placed(0, 2, short=2))
    assert not allows(p, rule, placed(0, 2), lean=True)


def test_doubles_never_straddle_a_longer_break() -> None:
    p = doubles_problem(max_break=5)  # every break is 10 minutes
    assert p.pair_options[0] == ()
    assert not allows(p, timetable.doubles_back_to_back, lambda v: [], lean=True)


def week_problem(override: dict[str, Any] | None = None, klass_extra: dict[str, Any] | None = None,
                 **teacher_extra: Any) -> Problem:
    """One class, SX twice a week; Monday to Wednesday, two periods a day (slots 0-1, 2-3, 4-5)."""
    doc = case([school("U", "wk")], [teacher("T1", "U", {"SX": [3]}, **teacher_extra)],
               [{**klass("U", 3), **(klass_extra or {})}], {"SX": 2},
               [clock_bell("wk", "08:00", 40, 10, 2, days=["mon", "tue", "wed"])])
    if override:
        doc["curriculum_overrides"] = [{"class": "U-A-3-1", "subject": "SX", "periods_per_week": 2, **override}]
    return problem(Instance(dataset(doc), "C1", "2026-1"), [teach("U-A-3-1", periods=2)])


def test_lessons_days_apart() -> None:
    p = week_problem({"min_days_apart": 2})
    rule = timetable.lessons_days_apart
    assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][1] == 1])  # one day
    assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][2] == 1])  # Monday and Tuesday: 1 day apart
    assert allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][5] == 1])  # Monday and Wednesday


def test_teacher_days_within_limit() -> None:
    p = week_problem(max_days_per_week=1)
    rule = timetable.teacher_days_within_limit
    for lean in (False, True):  # the lean model's answer is the full model's start: it must hold there too
        assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[0][2] == 1], lean=lean)
        assert allows(p, rule, lambda v: [v.x[0][2] == 1, v.x[0][3] == 1], lean=lean)


def test_a_teacher_is_free_outside_the_blocked_clock_times_of_that_day() -> None:
    t = TeacherView("T1", "T1", "U", "U-A", 20, False, False, (("SX", frozenset({3})),),
                    (("mon", 480, 520), ("mon", 600, 640), ("tue", 540, 580)))
    assert not t.free("mon", 500, 540) and not t.free("mon", 620, 660) and not t.free("tue", 500, 560)
    assert t.free("mon", 520, 560) and t.free("mon", 440, 480)  # touching a blocked span is free
    assert t.free("tue", 480, 520) and t.free("wed", 480, 520)


def test_a_teachers_free_slots_at_a_campus_are_the_periods_outside_the_unavailable_times() -> None:
    p = week_problem(unavailable=[{"day": "tue", "periods": [2]}, {"day": "wed"}])
    assert p.inst.free_slots("T1", "U-A") == {0, 1, 2}  # Tuesday's second period and all of Wednesday blocked
    assert p.lesson_slots == [(0, 1, 2)]


def test_class_unavailable_and_allowed_periods_are_the_lessons_domain() -> None:
    blocked = week_problem(klass_extra={"unavailable": [{"day": "mon"}, {"day": "wed", "periods": [2]}]})
    assert blocked.lesson_slots[0] == (2, 3, 4)
    allowed = week_problem({"allowed": [{"day": "tue", "periods": [1]}, {"day": "wed"}]})
    assert allowed.lesson_slots[0] == (2, 4, 5)


def test_class_in_one_activity_at_a_time() -> None:
    p = problem(instance(), [teach("U-A-3-1", "T1"), Teaching("U-A-3-1", "YW", "T2", 1, "x")])
    rule = timetable.class_in_one_activity_at_a_time
    assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[1][0] == 1])
    assert allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])


def test_coteach_at_one_clock_time() -> None:
    inst = instance()
    p = problem(inst, [teach("U-A-3-1")], [Joining("R-A-3-1", "SX", 0, "T2", 1)])
    assert p.join_options[0] == {0: 0, 1: 1}  # same bell: each remote period matches the lead's
    rule = timetable.coteach_at_one_clock_time
    assert not allows(p, rule, lambda v: [v.y[0][0] == 1, v.x[0][0] == 0])
    assert not allows(p, rule, lambda v: [v.y[0][1] == 1, v.x[0][1] == 0])
    assert allows(p, rule, lambda v: [v.y[0][1] == 1, v.x[0][1] == 1])


def test_teacher_never_in_two_places() -> None:
    p = problem(instance(travel=0), [teach("U-A-3-1"), teach("U-A-3-2"), teach("R-A-3-1")])
    rule = timetable.teacher_never_in_two_places
    assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[1][0] == 1])  # one campus, one period
    assert not allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[2][0] == 1])  # two campuses, same clock time
    assert allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[2][1] == 1])
    assert allows(p, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])


def test_travel_fits_the_gap() -> None:
    far = problem(instance(travel=25), [teach("U-A-3-1"), teach("R-A-3-1")])
    rule = timetable.travel_fits_the_gap
    assert not allows(far, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])  # 25 minutes, a 10-minute break
    near = problem(instance(travel=10), [teach("U-A-3-1"), teach("R-A-3-1")])
    assert allows(near, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])
    unknown = problem(instance(travel=None), [teach("U-A-3-1"), teach("R-A-3-1")])
    assert not allows(unknown, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])
    # overlaps are the other rule's: this one lets them be
    assert allows(near, rule, lambda v: [v.x[0][0] == 1, v.x[1][0] == 1])


def test_campuses_a_day_within_limit() -> None:
    one = problem(instance(travel=5, max_campuses_per_day=1), [teach("U-A-3-1"), teach("R-A-3-1")])
    rule = timetable.campuses_a_day_within_limit
    assert not allows(one, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])
    assert allows(one, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 0])
    two = problem(instance(travel=5, max_campuses_per_day=2), [teach("U-A-3-1"), teach("R-A-3-1")])
    assert allows(two, rule, lambda v: [v.x[0][0] == 1, v.x[1][1] == 1])


def research_problem(members: list[str], minutes: int = 40) -> Problem:
    doc = case([school("U", "mon2")], [teacher("T1", "U", {"SX": [3]})], [klass("U", 3)], {"SX": 1}, [MON2],
               research_groups=[{"code": "RG", "name": "教研", "community": "C1", "subject": "SX", "grades": [3],
                                 "mode": "online", "minutes": minutes, "per_week": 1, "teachers": members}])
    rules(doc, research_latest="09:30")
    inst = Instance(dataset(doc), "C1", "2026-1")
    return problem(inst, [teach("U-A-3-1")])


def test_research_meets_its_weekly_count() -> None:
    p = research_problem(["T1"])
    rule = timetable.research_meets_its_weekly_count
    assert len(p.meetings[0].windows) >= 2
    assert not allows(p, rule, lambda v: [sum(v.m[0].values()) == 0, v.missed[0] == 0])
    assert not allows(p, rule, lambda v: [sum(v.m[0].values()) == 2])  # at most once a day
    assert allows(p, rule, lambda v: [v.missed[0] == 0])


def test_research_when_members_are_free() -> None:
    p = research_problem(["T1"])
    windows = p.meetings[0].windows
    first = next(wi for wi, w in enumerate(windows) if w.start == 8 * 60)
    rule = timetable.research_when_members_are_free
    assert not allows(p, rule, lambda v: [v.m[0][first] == 1, v.x[0][0] == 1])
    assert allows(p, rule, lambda v: [v.m[0][first] == 1, v.x[0][1] == 1])


# -- phase 2 goals and cuts ---------------------------------------------------------------


def penalty(p: Problem, goal: Callable[[TimetableVars, Objective], None],
            force: Callable[[TimetableVars], list[Any]]) -> dict[str, int]:
    """The least penalty of `goal` under the hard rules, with `force` imposed, by weight key."""
    model = cp_model.CpModel()
    v = timetable_variables(p, model)
    for rule in timetable.HARD_RULES:
        rule(v)
    obj = Objective(p.inst.weights)
    goal(v, obj)
    for constraint in force(v):
        model.add(constraint)
    obj.minimize(model)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return obj.breakdown(solver)


def test_travel_days_counts_a_day_away() -> None:
    p = problem(instance(travel=5), [teach("U-A-3-1"), teach("R-A-3-1")])
    w = p.inst.weights
    placed = penalty(p, goals.travel_days, lambda v: [v.short_x[0] == 0, v.short_x[1] == 0])
    assert placed == {"travel_day": w.travel_day, "travel_balance": w.travel_balance}
    assert penalty(p, goals.travel_days, lambda v: [v.short_x[1] == 1]) == {}


def test_campus_changes_count_two_campuses_a_day() -> None:
    p = problem(instance(travel=5), [teach("U-A-3-1"), teach("R-A-3-1")])
    placed = penalty(p, goals.campus_changes, lambda v: [v.short_x[0] == 0, v.short_x[1] == 0])
    assert placed == {"campus_change": p.inst.weights.campus_change}


def test_periods_left_unmet_costs_each_period() -> None:
    p = problem(instance(), [teach("U-A-3-1", periods=2)])
    assert penalty(p, goals.periods_left_unmet, lambda v: [v.x[0][0] == 0]) == {"unmet": p.inst.weights.unmet}


def test_days_needed_cut_allows_the_real_timetable() -> None:
    """A cut never forbids what the rules allow: T1 at R on Monday with both lessons there."""
    p = problem(instance(travel=5), [teach("R-A-3-1", periods=2)])

    def rules_and_cut(v: TimetableVars) -> None:
        for rule in timetable.HARD_RULES:
            rule(v)
        cuts.days_needed_at_a_campus(v)

    assert allows(p, rules_and_cut, lambda v: [v.x[0][0] == 1, v.x[0][1] == 1])


# -- phase 1 (staffing) -------------------------------------------------------------------


def staffing_vars(inst: Instance, demand: int = 2, capacity: int = 20) -> StaffingVars:
    """One unit (U-A-3-1, SX) with teachers T1 and T2 as candidates: q, a, unmet."""
    model = cp_model.CpModel()
    v = StaffingVars(inst, model, PublishedStaffing(), {"T1": capacity, "T2": capacity})
    unit = ("U-A-3-1", "SX")
    for t in ("T1", "T2"):
        q = model.new_int_var(0, demand, f"q{t}")
        a = model.new_bool_var(f"a{t}")
        model.add(q <= demand * a)
        model.add(q >= a)
        v.q.setdefault(unit, {})[t] = q
        v.a.setdefault(unit, {})[t] = a
        v.load[t].append(q)
    v.unmet[unit] = model.new_int_var(0, demand, "unmet")
    return v


def staffing_allows(v: StaffingVars, rule: Callable[[StaffingVars], None], force: list[Any]) -> bool:
    rule(v)
    for constraint in force:
        v.model.add(constraint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(v.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


UNIT = ("U-A-3-1", "SX")


def only_demand(inst: Instance, n: int) -> Instance:
    inst.demand = {UNIT: n}
    return inst


def test_every_period_covered_or_unmet() -> None:
    rule = staffing_rules.every_period_covered_or_unmet
    v = staffing_vars(only_demand(instance(), 2))
    assert not staffing_allows(v, rule, [v.q[UNIT]["T1"] == 1, v.q[UNIT]["T2"] == 0, v.unmet[UNIT] == 0])
    v = staffing_vars(only_demand(instance(), 2))
    assert staffing_allows(v, rule, [v.q[UNIT]["T1"] == 1, v.q[UNIT]["T2"] == 0, v.unmet[UNIT] == 1])
    v = staffing_vars(only_demand(instance(), 2))
    assert not staffing_allows(v, rule, [v.q[UNIT]["T1"] == 2, v.q[UNIT]["T2"] == 1])  # never more than demand


def test_load_within_capacity() -> None:
    rule = staffing_rules.load_within_capacity
    v = staffing_vars(only_demand(instance(), 2), capacity=1)
    assert not staffing_allows(v, rule, [v.q[UNIT]["T1"] == 2])
    v = staffing_vars(only_demand(instance(), 2), capacity=1)
    assert staffing_allows(v, rule, [v.q[UNIT]["T1"] == 1, v.q[UNIT]["T2"] == 1])


def link_vars() -> tuple[StaffingVars, Link]:
    inst = only_demand(instance(), 2)
    v = staffing_vars(inst)
    request = CoteachRequest("CT", "SX", "T1", "U-A-3-1", ("U-A-3-2", "R-A-3-1"), 1)
    link = Link(request, 1, {"U-A-3-2": 1, "R-A-3-1": 1}, v.model.new_bool_var("on"))
    link.remote_on = {r: v.model.new_bool_var(r) for r in link.remotes}
    v.links.append(link)
    return v, link


def test_requested_link_runs_with_its_remote_classes() -> None:
    rule = staffing_rules.requested_link_runs_with_its_remote_classes
    v, link = link_vars()
    assert not staffing_allows(v, rule, [link.on == 0, link.remote_on["R-A-3-1"] == 1])
    v, link = link_vars()
    assert not staffing_allows(v, rule, [link.on == 1, sum(link.remote_on.values()) == 0])
    v, link = link_vars()
    assert staffing_allows(v, rule, [link.on == 1, link.remote_on["R-A-3-1"] == 1, link.remote_on["U-A-3-2"] == 0])


def proposal_vars() -> tuple[StaffingVars, Proposal]:
    v = staffing_vars(only_demand(instance(), 2))
    proposal = Proposal(("R-A-3-1", "SX"), "U-A-3-1", v.model.new_bool_var("on"), v.model.new_int_var(0, 2, "k"), 2)
    v.model.add(proposal.periods <= 2 * proposal.on)
    v.proposals.append(proposal)
    return v, proposal


def test_proposed_link_follows_one_lead_teacher() -> None:
    rule = staffing_rules.proposed_link_follows_one_lead_teacher
    v, p = proposal_vars()
    assert not staffing_allows(v, rule, [p.on == 1, v.a[UNIT]["T1"] == 1, v.a[UNIT]["T2"] == 1])
    v, p = proposal_vars()
    assert not staffing_allows(v, rule, [p.periods == 2, v.q[UNIT]["T1"] == 1, v.a[UNIT]["T2"] == 0])
    v, p = proposal_vars()
    assert staffing_allows(v, rule, [p.periods == 2, v.q[UNIT]["T1"] == 2, v.a[UNIT]["T2"] == 0])


def assistant_vars() -> StaffingVars:
    v = staffing_vars(only_demand(instance(), 2))
    remote = ("R-A-3-1", "SX")
    v.joined[remote].append(v.model.new_int_var(0, 2, "joined"))
    v.assist[remote] = {t: (v.model.new_bool_var(f"on{t}"), v.model.new_int_var(0, 2, f"p{t}")) for t in ("T1", "T2")}
    for on, periods in v.assist[remote].values():
        v.model.add(periods <= 2 * on)
    return v


def test_one_assistant_per_remote_class() -> None:
    rule = staffing_rules.one_assistant_per_remote_class
    remote = ("R-A-3-1", "SX")
    v = assistant_vars()
    assert not staffing_allows(v, rule, [v.assist[remote]["T1"][0] == 1, v.assist[remote]["T2"][0] == 1])
    v = assistant_vars()
    assert not staffing_allows(v, rule, [v.joined[remote][0] == 2, v.assist[remote]["T1"][1] == 1,
                                         v.assist[remote]["T2"][1] == 0])
    v = assistant_vars()
    assert staffing_allows(v, rule, [v.joined[remote][0] == 2, v.assist[remote]["T2"][1] == 2])


@pytest.mark.parametrize("goal", staffing_rules.GOALS)
def test_staffing_goals_cost_nothing_when_nothing_is_wrong(goal: Callable[[StaffingVars, Objective], None]) -> None:
    """Every staffing goal builds on hand-made variables; with the unit fully taught by one local teacher it costs 0."""
    v = staffing_vars(only_demand(instance(), 2))
    obj = Objective(v.inst.weights)
    goal(v, obj)
    for rule in staffing_rules.HARD_RULES:
        rule(v)
    v.model.add(v.q[UNIT]["T1"] == 2)
    obj.minimize(v.model)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(v.model) == cp_model.OPTIMAL
    assert obj.breakdown(solver) == {}


def test_split_teachers_costs_a_second_teacher() -> None:
    v = staffing_vars(only_demand(instance(), 2))
    obj = Objective(v.inst.weights)
    staffing_rules.one_teacher_per_class_subject(v, obj)
    staffing_rules.every_period_covered_or_unmet(v)
    v.model.add(v.q[UNIT]["T1"] == 1)
    v.model.add(v.q[UNIT]["T2"] == 1)
    obj.minimize(v.model)
    solver = cp_model.CpSolver()
    assert solver.solve(v.model) == cp_model.OPTIMAL
    assert obj.breakdown(solver) == {"split_teachers": v.inst.weights.split_teachers}
