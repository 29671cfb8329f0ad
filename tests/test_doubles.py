"""Doubles (连堂): the dataset asks for them, the solver places them, the checker verifies them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from solver_cases import bell, case, dataset, klass, school, solved, teacher

from scheduler.check import check_plan
from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.validate import parse, weekly_doubles

# Four morning periods (10- and 30-minute breaks), lunch, two afternoon periods.
DAY = bell("day", [("08:00", "08:45"), ("08:55", "09:40"), ("10:10", "10:55"), ("11:05", "11:50"),
                   ("13:30", "14:15"), ("14:25", "15:10")], days=["mon", "tue"])


def doc(doubles: int = 2, **rule_values: Any) -> dict[str, Any]:
    """One class: KX 4 periods a week with `doubles` doubles, YW 5 periods; one teacher each."""
    d = case([school("U", "day")], [teacher("T1", "U", {"KX": [7]}), teacher("T2", "U", {"YW": [7]})],
             [klass("U", 7)], {"KX": 4, "YW": 5}, [DAY])
    d["curriculum"][0]["double_periods"] = doubles
    if rule_values:
        d["communities"][0]["rules"] = rule_values
    return d


def pairs(plan: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(day, first start, second start) of each double in the plan, by reading the marks."""
    kx = sorted((a for a in plan["activities"] if a["subject"] == "KX"), key=lambda a: (a["day"], a["start"]))
    firsts = [a for a in kx if a.get("double") == "first"]
    return [(f["day"], f["start"], next(b["start"] for b in kx if b.get("double") == "second"
                                        and b["day"] == f["day"] and b["start"] > f["start"])) for f in firsts]


def test_solver_places_each_double_in_back_to_back_periods_never_across_lunch() -> None:
    plan = solved(doc())
    assert plan["unmet"] == []
    found = pairs(plan)
    assert len(found) == 2
    allowed = {("08:00", "08:55"), ("08:55", "10:10"), ("10:10", "11:05"), ("13:30", "14:25")}
    assert all((first, second) in allowed for _, first, second in found), found


def test_a_tighter_break_limit_keeps_doubles_out_of_the_long_break() -> None:
    plan = solved(doc(double_max_break_minutes=10))
    assert all((first, second) != ("08:55", "10:10") for _, first, second in pairs(plan))
    assert len(pairs(plan)) == 2


def test_checker_refuses_a_double_whose_second_period_is_after_lunch() -> None:
    d = doc()
    plan = solved(d)
    broken = copy.deepcopy(plan)
    first = next(a for a in broken["activities"] if a.get("double") == "first")
    second = next(a for a in broken["activities"] if a.get("double") == "second" and a["day"] == first["day"]
                  and a["start"] > first["start"])
    if (first["start"], second["start"]) == ("11:05", "13:30"):
        pytest.fail("the solver put a double across lunch")
    second["start"], second["end"] = "13:30", "14:15"  # the second period after lunch (a clash too, maybe)
    violations = check_plan(dataset(d), broken, "C1", "2026-1")
    assert any(v.rule == 9 and "连堂第一节" in v.message for v in violations), violations


def test_checker_counts_doubles_a_plan_leaves_out() -> None:
    d = doc()
    plan = solved(d)
    unmarked = copy.deepcopy(plan)
    for a in unmarked["activities"]:
        a.pop("double", None)
    violations = check_plan(dataset(d), unmarked, "C1", "2026-1")
    assert [v.message for v in violations if v.rule == 9] == ["班级 U-A-7-1 的 KX 每周应有 2 次连堂，计划中只有 0 次"]


def test_more_doubles_than_periods_allow_is_refused_at_import() -> None:
    with pytest.raises(DatasetInvalid) as refused:
        parse(doc(doubles=3), "test")
    assert any("连堂 3 次需要 6 节课" in i.message for i in refused.value.issues)


def test_an_override_keeps_the_grades_doubles_as_far_as_they_fit() -> None:
    d = doc(doubles=2)
    d["curriculum_overrides"] = [{"class": "U-A-7-1", "subject": "KX", "periods_per_week": 3}]
    assert weekly_doubles(parse(d, "test")[0]) == {("U-A-7-1", "KX"): 1}
    d["curriculum_overrides"][0]["double_periods"] = 0
    assert weekly_doubles(parse(d, "test")[0]) == {}


def test_a_double_is_one_feed_event_of_its_span(engine: Any) -> None:
    """The class and the teacher see 第1–2节 as one event from the first's start to the second's end."""
    from feeds_support import BEFORE_TERM, LEAD_CLASS, People, _lesson, events, load, store_and_publish, \
        stored_feeds

    load(engine)
    first = {**_lesson(LEAD_CLASS, "DQ-S001-A", "YW", "mon", 1, People.yw), "double": "first"}
    second = {**_lesson(LEAD_CLASS, "DQ-S001-A", "YW", "mon", 2, People.yw), "double": "second"}
    store_and_publish(engine, [first, second], BEFORE_TERM)
    feeds = stored_feeds(engine)
    for feed in (("class", LEAD_CLASS), ("teacher", People.yw)):
        mondays = [e for e in events(feeds[feed][1]).values() if e.decoded("DTSTART").weekday() == 0]
        assert mondays, feed
        for e in mondays:
            assert e.decoded("DTSTART").strftime("%H:%M") == first["start"]
            assert e.decoded("DTEND").strftime("%H:%M") == second["end"]
        assert len({e.decoded("DTSTART").date() for e in mondays}) == len(mondays)  # one event a Monday


def test_grid_marks_both_periods_of_a_double(tmp_path: Any) -> None:
    """The class grid (and so its PDF and workbook) shows 连堂 on each period of the double."""
    from feeds_support import COMMUNITY, LEAD_CLASS, TERM, People, _lesson, load

    from scheduler.db import make_engine, transaction, upgrade
    from scheduler.plan_document import read_plan
    from scheduler.plans import store_plan, stored_document
    from scheduler.timetable import class_grid, load_directory

    eng = make_engine(f"sqlite:///{tmp_path / 'grid.db'}")
    upgrade(eng)
    load(eng)
    first = {**_lesson(LEAD_CLASS, "DQ-S001-A", "YW", "mon", 1, People.yw), "double": "first"}
    second = {**_lesson(LEAD_CLASS, "DQ-S001-A", "YW", "mon", 2, People.yw), "double": "second"}
    single = _lesson(LEAD_CLASS, "DQ-S001-A", "YW", "tue", 1, People.yw)
    with transaction(eng) as session:
        plan = stored_document(store_plan(session, COMMUNITY, TERM, read_plan(
            {"activities": [first, second, single]}))).to_json()
        directory = load_directory(session, COMMUNITY)
    eng.dispose()
    assert directory is not None
    grid = class_grid(directory, plan, LEAD_CLASS)
    assert [c.mark for c in grid.at("mon", 0)] == ["连堂"] and [c.mark for c in grid.at("mon", 1)] == ["连堂"]
    assert [c.mark for c in grid.at("tue", 0)] == [""]
