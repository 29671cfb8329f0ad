"""The solver on a generated community: a complete valid plan, stable codes and
stability under a small change, progress reports and the timeout fallback."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from solver_cases import TERM, case, klass, school, solved, teacher, clock_bell

from scheduler.check import check_plan
from scheduler.dataset.schema import WEEKDAYS
from scheduler.dataset.validate import parse
from scheduler.generate import generate_community_dataset
from scheduler.solver import solve

STATS = {"objective", "bound", "solve_seconds", "first_plan_seconds", "status", "unmet_periods"}


@pytest.fixture(scope="module")
def generated() -> tuple[dict[str, Any], dict[str, Any]]:
    """The S profile (core school and two rural 教学点, co-construction) and its plan."""
    doc = generate_community_dataset("S", seed=1)
    ds, _ = parse(doc, "S")
    plan = solve(ds, ds.communities[0].code, TERM, time_limit=8)
    assert check_plan(ds, plan, ds.communities[0].code, TERM) == []
    return doc, plan


def test_generated_community_is_fully_covered(generated: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, plan = generated
    assert plan["unmet"] == []
    assert STATS <= set(plan["stats"]) and "changed_vs_published" not in plan["stats"]
    assert plan["stats"]["status"] in ("OPTIMAL", "FEASIBLE") and plan["stats"]["unmet_periods"] == 0
    assert plan["stats"]["first_plan_seconds"] <= plan["stats"]["solve_seconds"] <= 9


def test_activities_are_sorted_and_codes_name_their_meaning(generated: tuple[dict[str, Any], dict[str, Any]]) -> None:
    doc, plan = generated
    acts = plan["activities"]
    keys = [(WEEKDAYS.index(a["day"]), a["start"], a["campus"], a["kind"], a["code"], a["classes"]) for a in acts]
    assert keys == sorted(keys)
    requested = {c["code"] for c in doc["coteaching"]}
    groups = {g["code"] for g in doc["research_groups"]}
    for a in acts:
        if a["kind"] == "lesson":
            assert a["code"] == f"{a['classes'][0]}.{a['subject']}"
        elif a["kind"] == "coteach":
            assert a["code"] in requested or a["code"].startswith(f"CT-{a['subject']}-{a['classes'][0]}")
        else:
            assert a["code"] in groups


def wednesday_afternoon(plan: dict[str, Any]) -> tuple[str, int]:
    counts: dict[str, int] = {}
    for a in plan["activities"]:
        if a["kind"] == "lesson" and a["day"] == "wed" and a["start"] >= "12:00":
            counts[a["teachers"][0]] = counts.get(a["teachers"][0], 0) + 1
    teacher_code = max(sorted(counts), key=lambda t: counts[t])
    return teacher_code, counts[teacher_code]


def test_small_change_gives_small_change(generated: tuple[dict[str, Any], dict[str, Any]]) -> None:
    doc, plan = generated
    teacher_code, lessons = wednesday_afternoon(plan)
    changed = copy.deepcopy(doc)
    entry = next(t for t in changed["teachers"] if t["code"] == teacher_code)
    entry["unavailable"] = [*entry["unavailable"], {"day": "wed", "periods": [5, 6, 7]}]
    ds, _ = parse(changed, "S'")
    again = solve(ds, ds.communities[0].code, TERM, time_limit=8, published=plan)
    assert check_plan(ds, again, ds.communities[0].code, TERM) == []
    assert again["unmet"] == []
    assert not [a for a in again["activities"] if teacher_code in a["teachers"] and a["day"] == "wed"
                and a["start"] >= "13:00"]
    assert 0 < again["stats"]["changed_vs_published"] <= 3 * lessons


def test_same_plan_published_changes_nothing() -> None:
    doc = case([school("U", "week")], [teacher("T1", "U", {"SX": [3]}), teacher("T2", "U", {"YW": [3]})],
               [klass("U", 3), klass("U", 3, 2)], {"SX": 3, "YW": 4}, [clock_bell("week", "08:00", 40, 10, 4)])
    first = solved(doc)
    again = solved(doc, published=first)
    assert again["stats"]["changed_vs_published"] == 0
    assert again["activities"] == first["activities"]


def test_progress_reports_are_throttled() -> None:
    ds, _ = parse(generate_community_dataset("S", seed=2), "S")
    reports: list[dict[str, Any]] = []
    solve(ds, ds.communities[0].code, TERM, time_limit=3, progress=reports.append)
    assert reports and all(set(r) == {"phase", "objective", "bound", "elapsed"} for r in reports)
    assert {"staffing", "timetable", "done"} <= {r["phase"] for r in reports}
    assert len(reports) <= 2 * 3 + 12  # about two a second, plus one at each phase change


def test_no_time_still_gives_a_valid_plan() -> None:
    ds, _ = parse(generate_community_dataset("S", seed=2), "S")
    community = ds.communities[0].code
    plan = solve(ds, community, TERM, time_limit=0.01)
    assert check_plan(ds, plan, community, TERM) == []
    assert plan["stats"]["unmet_periods"] == sum(u["periods"] for u in plan["unmet"])


def test_unknown_community_or_term_is_an_error() -> None:
    ds, _ = parse(generate_community_dataset("S", seed=2), "S")
    with pytest.raises(ValueError, match="C99"):
        solve(ds, "C99", TERM)
    with pytest.raises(ValueError, match="2030-1"):
        solve(ds, ds.communities[0].code, "2030-1")
