"""Feasibility first, stop rules, honest bounds and true reasons of the solver core."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from solver_cases import TERM, case, clock_bell, klass, school, solved, teacher

from scheduler.check import check_plan
from scheduler.dataset.validate import parse
from scheduler.generate import generate_community_dataset
from scheduler.generate_tight import tight_school_and_plan
from scheduler.solver import run as run_module
from scheduler.solver import staffing as staffing_module
from scheduler.solver import solve
from scheduler.solver.search import SearchResult

TIGHT = "TS-C"


def tight(classes: int, seed: int, fill: int, time_limit: float, **rules: Any) -> tuple[dict[str, Any], Any]:
    """A tight school solved with `rules`; the lean-phase tests give a wide `stop_gap` so that the full
    model's polishing (13-16 s with a 2 s stall window, over 30 s on a loaded machine) ends at once."""
    doc, planted = tight_school_and_plan(classes, seed, fill)
    doc["communities"][0]["rules"] = rules
    ds, _ = parse(doc, "tight")
    assert check_plan(ds, planted, TIGHT, TERM) == []  # a full cover exists: the planted plan
    plan = solve(ds, TIGHT, TERM, time_limit=time_limit)
    assert check_plan(ds, plan, TIGHT, TERM) == []
    return plan, ds


def test_not_found_in_time_is_never_called_impossible() -> None:
    """A full bell of 140 classes: the construction leaves periods out and 0.01 s is too short for the rest
    (the lean search's 0.1 s finds 35 classes' cover)."""
    plan, _ = tight(140, 1, 5, time_limit=0.01)
    assert plan["unmet"], "expected the tiny limit to leave something unmet"
    for entry in plan["unmet"]:
        assert entry["reason"].startswith("在 ") and "未找到可行安排" in entry["reason"]
        assert "增加求解时间" in entry["reason"] and "证明" not in entry["reason"]


def test_lean_model_finds_the_cover_the_construction_missed() -> None:
    plan, _ = tight(20, 0, 5, time_limit=30, stall_seconds=2, stop_gap=0.9)
    stats = plan["stats"]
    assert plan["unmet"] == [] and stats["unmet_periods"] == 0
    assert stats["phases"]["lean"]["status"] == "OPTIMAL"  # the construction alone left periods out
    assert stats["stop"] in ("optimal", "gap", "stall") and stats["solve_seconds"] < 30


def test_a_forced_staffing_gives_a_bound_of_the_whole_problem() -> None:
    """Every teacher locked at one school: the timetable's bound holds for every plan."""
    plan, _ = tight(10, 0, 0, time_limit=20, stall_seconds=2)
    stats = plan["stats"]
    assert stats["bound"] is not None and stats["bound"] == stats["phases"]["timetable"]["bound"]
    assert stats["gap"] is not None and 0 <= stats["gap"] <= 1


def test_a_forced_staffing_at_no_cost_is_taken_without_a_search(monkeypatch: Any) -> None:
    """Every teacher locked, every unit staffed, nothing to pay: the greedy staffing is optimal as it is."""
    searched, calls = staffing_module.run, []

    def recorded(model: Any, **kwargs: Any) -> SearchResult:
        calls.append(kwargs.get("fixed", False))
        return searched(model, **kwargs)

    monkeypatch.setattr(staffing_module, "run", recorded)
    plan, _ = tight(10, 0, 0, time_limit=20, stall_seconds=2)
    assert calls == [True]
    assert plan["stats"]["phases"]["staffing"]["status"] == "OPTIMAL" and plan["unmet"] == []


def test_a_staffing_with_choices_reports_bounds_per_phase_only() -> None:
    ds, _ = parse(generate_community_dataset("S", seed=3), "S")
    doc_rules = ds.communities[0].rules.model_extra or {}
    assert "stall_seconds" not in doc_rules
    plan = solve(ds, ds.communities[0].code, TERM, time_limit=6)
    stats = plan["stats"]
    assert stats["bound"] is None and stats["gap"] is None
    for name in ("staffing", "timetable"):
        phase = stats["phases"][name]
        assert {"objective", "bound", "gap", "stop"} <= set(phase)
        if phase["status"] in ("OPTIMAL", "FEASIBLE"):  # (a loaded machine may leave a phase without a solution)
            assert phase["bound"] is not None and phase["bound"] <= phase["objective"]


def test_a_small_problem_stops_when_proven_optimal() -> None:
    doc = case([school("U", "week")], [teacher("T1", "U", {"SX": [3]}), teacher("T2", "U", {"YW": [3]})],
               [klass("U", 3)], {"SX": 3, "YW": 4}, [clock_bell("week", "08:00", 40, 10, 4)])
    plan = solved(doc, time_limit=60)
    assert plan["stats"]["stop"] == "optimal" and plan["stats"]["solve_seconds"] < 60


def test_the_stall_window_ends_a_search_that_no_longer_improves() -> None:
    doc = generate_community_dataset("S", seed=1)
    doc["communities"][0].setdefault("rules", {}).update(stall_seconds=1, stop_gap=0)
    ds, _ = parse(doc, "S")
    plan = solve(ds, ds.communities[0].code, TERM, time_limit=60)
    assert plan["stats"]["stop"] in ("stall", "optimal")
    assert plan["stats"]["solve_seconds"] < 60 and plan["unmet"] == []


def test_a_wide_stop_gap_ends_the_search_at_once() -> None:
    doc = generate_community_dataset("S", seed=1)
    doc["communities"][0].setdefault("rules", {}).update(stop_gap=0.9)
    ds, _ = parse(doc, "S")
    plan = solve(ds, ds.communities[0].code, TERM, time_limit=60)
    assert plan["stats"]["phases"]["timetable"]["stop"] in ("gap", "optimal")
    assert plan["stats"]["solve_seconds"] < 60


def test_the_lean_search_finds_a_tight_school_without_presolve() -> None:
    plan, _ = tight(20, 0, 5, time_limit=30, stall_seconds=2, stop_gap=0.9)
    lean = plan["stats"]["phases"]["lean"]
    assert lean["status"] == "OPTIMAL" and lean["presolve"] == "none"


def _lean_misses(monkeypatch: Any, missed: set[str]) -> dict[str, Any]:
    """The tight school's plan when the lean tries with a presolve in `missed` find nothing."""
    searched = run_module.run

    def finds_nothing(model: Any, **kwargs: Any) -> SearchResult:
        result = searched(model, **kwargs)
        if kwargs.get("phase") == "lean" and kwargs.get("presolve", "full") in missed:
            return replace(result, status="UNKNOWN", stop="time_limit", seconds=0.5)
        return result

    monkeypatch.setattr(run_module, "run", finds_nothing)
    plan, _ = tight(20, 0, 5, time_limit=30, stall_seconds=2, stop_gap=0.9)
    return plan


def test_a_lean_model_the_search_without_presolve_misses_gets_the_light_presolve(monkeypatch: Any) -> None:
    lean = _lean_misses(monkeypatch, {"none"})["stats"]["phases"]["lean"]
    assert lean["status"] == "OPTIMAL" and lean["presolve"] == "light" and lean["seconds"] >= 0.5


def test_a_lean_model_the_light_presolve_misses_gets_the_full_presolve(monkeypatch: Any) -> None:
    """The first two tries found nothing in their time (as on FET's Brazil-more-difficult): the full one runs."""
    plan = _lean_misses(monkeypatch, {"none", "light"})
    lean = plan["stats"]["phases"]["lean"]
    assert lean["status"] == "OPTIMAL" and lean["presolve"] == "full" and lean["seconds"] >= 1.0
    assert plan["unmet"] == []
