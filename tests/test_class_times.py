"""Rule 10 (when a class may have lessons) and a teacher's days a week, solved and then broken on purpose."""

from __future__ import annotations

import copy
from typing import Any

from solver_cases import case, clock_bell, dataset, klass, school, solved, teacher

from scheduler.check import check_plan

DAYS = ["mon", "tue", "wed", "thu", "fri"]


def doc() -> dict[str, Any]:
    """One class: SX 2 a week two days apart, never on Friday; YW 2 a week only in the first two periods;
    T2 (YW) teaches on one day at most."""
    d = case([school("U", "wk")], [teacher("T1", "U", {"SX": [3]}), teacher("T2", "U", {"YW": [3]},
                                                                             max_days_per_week=1)],
             [{**klass("U", 3), "unavailable": [{"day": "fri"}]}], {"SX": 2, "YW": 2},
             [clock_bell("wk", "08:00", 40, 10, 3, days=DAYS)])
    d["curriculum_overrides"] = [
        {"class": "U-A-3-1", "subject": "SX", "periods_per_week": 2, "min_days_apart": 2},
        {"class": "U-A-3-1", "subject": "YW", "periods_per_week": 2, "allowed": [{"day": d, "periods": [1, 2]}
                                                                                   for d in DAYS]}]
    return d


def violations(d: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    return [v.message for v in check_plan(dataset(d), plan, "C1", "2026-1") if v.rule in (6, 10)]


def test_the_solver_keeps_every_class_time_rule() -> None:
    plan = solved(doc())
    assert plan["unmet"] == []
    sx = sorted(DAYS.index(a["day"]) for a in plan["activities"] if a["subject"] == "SX")
    assert len(sx) == 2 and sx[1] - sx[0] >= 2
    assert all(a["day"] != "fri" for a in plan["activities"])
    yw = [a for a in plan["activities"] if a["subject"] == "YW"]
    assert {a["start"] for a in yw} == {"08:00", "08:50"} and len({a["day"] for a in yw}) == 1


def test_checker_reports_each_class_time_rule_broken() -> None:
    d = doc()
    plan = copy.deepcopy(solved(d))
    sx = [a for a in plan["activities"] if a["subject"] == "SX"]
    yw = [a for a in plan["activities"] if a["subject"] == "YW"]
    sx[1]["day"] = sx[0]["day"]  # two SX lessons on one day (a class clash too, not asserted here)
    yw[0]["day"], yw[0]["start"], yw[0]["end"] = "fri", "09:40", "10:20"
    found = violations(d, plan)
    assert any("每天最多一次" in m for m in found), found
    assert any("周五第 3 节不可排课" in m for m in found), found
    assert any("只能排在指定时段" in m for m in found), found
    assert any("每周在 2 天有课，超过其每周上课天数上限 1 天" in m for m in found), found


def test_a_short_solve_never_returns_a_plan_that_breaks_these_rules() -> None:
    """However little time the search gets, the plan keeps the rules the construction ignores."""
    d = doc()
    d["teachers"][0]["max_days_per_week"] = 2
    for limit in (1.0, 3.0):
        plan = solved(d, time_limit=limit)  # `solved` asserts the checker finds nothing
        assert plan["stats"]["stop"]


def test_the_construction_is_blind_to_days_apart_and_days_a_week() -> None:
    from scheduler.solver.instance import Instance
    from scheduler.solver.problem import Problem
    from scheduler.solver.staffing import Staffing, Teaching

    def problem(d: dict[str, Any]) -> Problem:
        teachings = [Teaching("U-A-3-1", "SX", "T1", 2, "x"), Teaching("U-A-3-1", "YW", "T2", 2, "y")]
        return Problem(Instance(dataset(d), "C1", "2026-1"), Staffing(teachings, [], {}, []))

    assert problem(doc()).construction_blind
    plain = doc()
    plain["teachers"][1].pop("max_days_per_week")
    plain["curriculum_overrides"][0].pop("min_days_apart")
    assert not problem(plain).construction_blind
