"""Tests of the independent plan checker (scheduler/check).

Each rule gets a valid plan broken in one place; the checker must name that
rule, and only that rule where the breakage is minimal, with the codes an
admin needs. The dataset and the valid plan are in check_cases.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from check_cases import Doc, dataset, dataset_doc, find, lesson, research, valid_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.check import Violation, check_plan
from scheduler.dataset.validate import parse, weekly_periods
from scheduler.generate import generate_community_dataset


def check(plan: Any, doc: Doc | None = None, community: str = "C1", term: str = "2026-1") -> list[Violation]:
    return check_plan(dataset(doc), plan, community, term)


def rules(violations: list[Violation]) -> set[int]:
    return {v.rule for v in violations}


def one(violations: list[Violation], rule: int, *codes: str) -> Violation:
    """The single violation of `rule`, after asserting that its message names every code."""
    found = [v for v in violations if v.rule == rule]
    assert len(found) == 1, violations
    for code in codes:
        assert code in found[0].message, found[0].message
    return found[0]


def doc_with(change: Callable[[Doc], None], model: str = "fusion") -> Doc:
    doc = dataset_doc(model)
    change(doc)
    return doc


def teacher_of(doc: Doc, code: str) -> Doc:
    return next(t for t in doc["teachers"] if t["code"] == code)


def group_of(doc: Doc, code: str = "RG-YW") -> Doc:
    return next(g for g in doc["research_groups"] if g["code"] == code)


def walking_plan() -> Doc:
    """On Monday T1 teaches U-A-3-1 at U-A 08:40-09:20, then R-A-3-1 at R-A 10:10-10:50.

    50 free minutes for a 25-minute trip.
    """
    plan = valid_plan()
    rural = find(plan, "R-A-3-1.YW", "mon")
    rural.update(start="10:10", end="10:50", teachers=["T1"])
    return plan


# --------------------------------------------------------------------------
# Valid plans


@pytest.mark.parametrize("model", ["fusion", "co_construction", "collaboration"])
def test_valid_plan_has_no_violations(model: str) -> None:
    assert check(valid_plan(), dataset_doc(model)) == []


def test_unmet_periods_count_towards_the_curriculum() -> None:
    plan = valid_plan()
    plan["activities"].remove(find(plan, "U-A-3-1.YW", "tue"))
    plan["unmet"] = [{"class": "U-A-3-1", "subject": "YW", "periods": 1, "reason": "无人可上"}]
    assert check(plan) == []


def test_teacher_at_two_campuses_with_enough_travel_time() -> None:
    assert check(walking_plan()) == []


def test_exchange_teacher_may_teach_at_a_member_school() -> None:
    doc = doc_with(lambda d: teacher_of(d, "T1").update(exchange=True), "co_construction")
    assert check(walking_plan(), doc) == []


def test_locked_staffing_allows_joining_a_coteaching_lesson() -> None:
    doc = doc_with(lambda d: d["staffing"].append(
        {"class": "R-A-3-1", "subject": "YS", "teacher": "T3", "locked": True}))
    assert check(valid_plan(), doc) == []


def test_research_elsewhere_is_allowed_for_a_teacher_who_does_not_travel() -> None:
    def change(d: Doc) -> None:
        teacher_of(d, "T3")["can_travel"] = False
        group_of(d).update(mode="onsite", host_campus="U-A")
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["campus"] = "U-A"
    assert check(plan, doc_with(change)) == []


# --------------------------------------------------------------------------
# Rule 0: a plan the checker cannot read


def test_unknown_community_is_reported_not_raised() -> None:
    assert rules(check(valid_plan(), community="C9")) == {0}


@pytest.mark.parametrize("plan", [None, [], "plan", 3])
def test_plan_that_is_not_an_object(plan: Any) -> None:
    violations = check(plan)
    assert len([v for v in violations if v.rule == 0]) == 1


@pytest.mark.parametrize("key, value", [("community", "C2"), ("term", "2025-2"), ("format", "tongpan-plan/9")])
def test_plan_header_must_match(key: str, value: str) -> None:
    plan = valid_plan()
    plan[key] = value
    assert rules(check(plan)) == {0}
    one(check(plan), 0, value)


def test_unknown_term_argument() -> None:
    plan = valid_plan()
    del plan["term"]
    one(check(plan, term="2030-1"), 0, "2030-1")


@pytest.mark.parametrize("field, value, named", [
    ("start", "8:40", "8:40"),
    ("end", "08:30", "08:30"),
    ("day", "monday", "monday"),
    ("kind", "lecture", "lecture"),
    ("teachers", ["T9"], "T9"),
    ("classes", ["U-A-3-1", "U-A-3-1"], "重复"),
    ("campus", "online", "online"),
    ("subject", 7, "7"),
])
def test_malformed_activity_is_skipped_with_rule_0(field: str, value: Any, named: str) -> None:
    plan = valid_plan()
    find(plan, "U-A-3-1.YW", "mon")[field] = value
    violations = check(plan)
    malformed = one(violations, 0, "U-A-3-1.YW", named)
    assert malformed.activities == ("U-A-3-1.YW",)
    one(violations, 1, "U-A-3-1", "少 1 节")  # the skipped lesson no longer counts


def test_coteach_classes_must_match_its_remote_classes() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["classes"] = ["U-A-3-1"]
    one(check(plan), 0, "CT-YS-3", "remote")


@pytest.mark.parametrize("value", ["x", -1, True, None])
def test_malformed_unmet_entry(value: Any) -> None:
    plan = valid_plan()
    plan["unmet"] = [{"class": "U-A-3-1", "subject": "YW", "periods": value}]
    assert rules(check(plan)) == {0}


def test_activities_that_are_not_a_list() -> None:
    plan = valid_plan()
    plan["activities"] = {"kind": "lesson"}
    violations = check(plan)
    one(violations, 0, "activities")
    assert {1, 8} <= rules(violations)


# --------------------------------------------------------------------------
# Rule 1: curriculum periods


def test_missing_period() -> None:
    plan = valid_plan()
    plan["activities"].remove(find(plan, "R-A-3-1.YW", "tue"))
    violations = check(plan)
    assert rules(violations) == {1}
    one(violations, 1, "R-A-3-1", "YW", "应为 2 节", "少 1 节")


def test_extra_period() -> None:
    plan = valid_plan()
    plan["activities"].append(lesson("U-A-3-1", "fri", "08:40", "09:20", "T1"))
    violations = check(plan)
    assert rules(violations) == {1}
    one(violations, 1, "U-A-3-1", "YW", "多 1 节")


def test_unmet_beyond_the_curriculum_is_too_many() -> None:
    plan = valid_plan()
    plan["unmet"] = [{"class": "R-A-3-1", "subject": "YS", "periods": 1}]
    violations = check(plan)
    assert rules(violations) == {1}
    one(violations, 1, "R-A-3-1", "YS", "未排 1", "多 1 节")


def test_lesson_away_from_the_class_campus() -> None:
    plan = valid_plan()
    find(plan, "U-A-3-1.YW", "mon")["campus"] = "R-A"
    violations = check(plan)
    assert rules(violations) == {1}
    one(violations, 1, "U-A-3-1", "U-A", "R-A")


def test_lesson_by_a_teacher_without_the_subject() -> None:
    plan = valid_plan()
    find(plan, "R-A-3-1.YW", "mon")["teachers"] = ["T2"]
    violations = check(plan)
    assert rules(violations) == {1}
    one(violations, 1, "T2", "3 年级", "YW")


def test_lesson_by_a_teacher_without_the_grade() -> None:
    plan = valid_plan()
    find(plan, "R-A-3-1.YW", "mon")["teachers"] = ["T4"]
    find(plan, "RG-YW", "thu")["teachers"] = ["T1", "T3"]
    violations = check(plan, doc_with(lambda d: teacher_of(d, "T4").update(
        subjects=[{"subject": "YW", "grades": [4]}])))
    assert rules(violations) == {1}
    one(violations, 1, "T4", "3 年级", "YW")


@pytest.mark.parametrize("change", [
    {"start": "08:45", "end": "09:25"},  # between bells
    {"day": "sat"},  # the bell does not ring on Saturdays
    {"start": "08:30", "end": "09:10"},  # a period of R-A's bell, not U-A's
])
def test_lesson_off_the_class_bell(change: dict[str, str]) -> None:
    plan = valid_plan()
    find(plan, "U-A-3-1.YW", "mon").update(change)
    violations = check(plan)
    assert rules(violations) == {1}
    one(violations, 1, "U-A-3-1", "U-A", "作息表")


def test_remote_class_counted_at_its_own_campus() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["remote"][0]["campus"] = "U-A"
    violations = check(plan)
    one(violations, 1, "R-A-3-1", "R-A", "U-A")


# --------------------------------------------------------------------------
# Rule 2: teacher clashes


def test_teacher_in_a_lesson_and_a_meeting_at_once() -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu").update(day="tue", start="08:40", end="09:20")
    violations = check(plan)
    assert rules(violations) == {2}
    clash = one(violations, 2, "T1", "周二", "U-A-3-1.YW", "RG-YW")
    assert set(clash.activities) == {"U-A-3-1.YW", "RG-YW"}


def test_teacher_at_two_campuses_at_once() -> None:
    plan = valid_plan()
    find(plan, "R-A-3-1.YW", "mon").update(start="08:30", end="09:10", teachers=["T1"])
    violations = check(plan)
    assert rules(violations) == {2}
    one(violations, 2, "T1", "U-A", "R-A")


def test_assistant_clash_uses_the_remote_times() -> None:
    # The remote class runs 08:30-09:10, so its assistant T3 is free from 09:10,
    # although the lead's lesson lasts until 09:20.
    plan = valid_plan()
    find(plan, "RG-YW", "thu").update(day="wed", start="09:10", end="09:50", teachers=["T1", "T3", "T4"])
    assert check(plan) == []
    find(plan, "RG-YW", "wed").update(start="09:00", end="09:40")
    one(check(plan), 2, "T3", "CT-YS-3", "08:30–09:10")


# --------------------------------------------------------------------------
# Rule 3: class clashes


def test_class_in_a_lesson_and_a_coteaching_lesson_at_once() -> None:
    plan = valid_plan()
    find(plan, "U-A-3-1.YW", "mon")["day"] = "wed"
    violations = check(plan)
    assert rules(violations) == {3}
    one(violations, 3, "U-A-3-1", "周三", "CT-YS-3")


def test_remote_class_clash() -> None:
    plan = valid_plan()
    find(plan, "R-A-3-1.YW", "mon").update(day="wed", start="08:30", end="09:10", teachers=["T4"])
    violations = check(plan)
    assert rules(violations) == {3}
    one(violations, 3, "R-A-3-1", "CT-YS-3", "R-A")


# --------------------------------------------------------------------------
# Rule 4: travel


def test_back_to_back_at_two_campuses_without_travel_time() -> None:
    plan = valid_plan()
    find(plan, "R-A-3-1.YW", "mon").update(start="08:30", end="09:10", teachers=["T1"])
    find(plan, "U-A-3-1.YW", "mon").update(start="09:30", end="10:10")
    violations = check(plan)
    assert rules(violations) == {4}
    one(violations, 4, "T1", "周一", "R-A", "U-A", "25 分钟", "20 分钟")


def test_online_meeting_is_no_time_to_travel() -> None:
    plan = walking_plan()
    find(plan, "RG-YW", "thu").update(day="mon", start="09:25", end="10:05")
    violations = check(plan)
    assert rules(violations) == {4}
    one(violations, 4, "T1", "25 分钟", "5 分钟")


def test_onsite_meeting_needs_travel_time() -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu").update(day="tue", start="10:10", end="10:50", campus="U-A")
    violations = check(plan, doc_with(lambda d: group_of(d).update(mode="onsite", host_campus="U-A")))
    assert rules(violations) == {4}
    one(violations, 4, "T3", "周二", "R-A", "U-A", "10 分钟")


def test_unknown_travel_forbids_two_campuses_a_day() -> None:
    violations = check(walking_plan(), doc_with(lambda d: d.update(travel_minutes=[])))
    assert rules(violations) == {4}
    one(violations, 4, "T1", "U-A", "R-A", "未知")


def test_coordinates_give_an_estimated_travel_time() -> None:
    def change(d: Doc) -> None:
        d["travel_minutes"] = []
        d["schools"][0]["campuses"][0].update(lat=30.545, lon=119.955)
        d["schools"][1]["campuses"][0].update(lat=30.645, lon=119.955)  # 11 km: 25 minutes
    assert check(walking_plan(), doc_with(change)) == []


def test_too_many_campuses_a_day() -> None:
    def change(d: Doc) -> None:
        d["communities"][0]["rules"] = {"max_campuses_per_day": 1}
    violations = check(walking_plan(), doc_with(change))
    assert rules(violations) == {4}
    one(violations, 4, "T1", "2 个校区", "最多 1 个")


# --------------------------------------------------------------------------
# Rule 5: community model


def test_collaboration_urban_teacher_teaches_rural_class_in_person() -> None:
    violations = check(walking_plan(), dataset_doc("collaboration"))
    assert rules(violations) == {5}
    one(violations, 5, "T1", "R-A", "协作型")


def test_co_construction_needs_an_exchange_teacher() -> None:
    violations = check(walking_plan(), dataset_doc("co_construction"))
    assert rules(violations) == {5}
    one(violations, 5, "T1", "R-A", "exchange")


def test_collaboration_assistant_from_another_school() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["remote"][0]["assistant"] = "T1"
    violations = check(plan, dataset_doc("collaboration"))
    assert rules(violations) == {5}
    one(violations, 5, "T1", "R-A", "CT-YS-3")


def test_teacher_who_does_not_travel() -> None:
    violations = check(walking_plan(), doc_with(lambda d: teacher_of(d, "T1").update(can_travel=False)))
    assert rules(violations) == {5}
    one(violations, 5, "T1", "can_travel", "U-A", "R-A")


def test_teacher_of_another_community() -> None:
    plan = valid_plan()
    find(plan, "R-A-3-1.YW", "mon")["teachers"] = ["TX"]
    violations = check(plan)
    assert rules(violations) == {5}
    one(violations, 5, "TX", "C1")


def test_unmet_class_of_another_community() -> None:
    plan = valid_plan()
    plan["unmet"] = [{"class": "X-A-3-1", "subject": "YW", "periods": 2}]
    violations = check(plan)
    assert rules(violations) == {5}
    one(violations, 5, "X-A-3-1", "C1")


def test_meeting_at_a_campus_of_another_community() -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["campus"] = "X-A"
    violations = check(plan, doc_with(lambda d: group_of(d).update(mode="onsite")))
    assert rules(violations) == {5}
    one(violations, 5, "X-A", "C1")


# --------------------------------------------------------------------------
# Rule 6: teachers' loads, availability and locked staffing


def test_weekly_maximum_counts_assisting() -> None:
    violations = check(valid_plan(), doc_with(lambda d: teacher_of(d, "T3").update(max_periods_per_week=2)))
    assert rules(violations) == {6}
    one(violations, 6, "T3", "3 节", "上限 2 节")


def test_research_is_not_counted_against_the_maximum() -> None:
    assert check(valid_plan(), doc_with(lambda d: teacher_of(d, "T4").update(max_periods_per_week=0))) == []


@pytest.mark.parametrize("teacher, unavailable, named", [
    ("T1", {"day": "mon", "periods": [1]}, "第 1 节（08:40–09:20）"),
    ("T3", {"day": "wed", "periods": [1]}, "第 1 节（08:30–09:10）"),  # T3's own (rural) bell
    ("T2", {"day": "wed", "periods": [1, 2]}, "第 1 节"),
    ("T4", {"day": "thu"}, "全天"),  # a meeting counts too
])
def test_unavailable_times(teacher: str, unavailable: Doc, named: str) -> None:
    violations = check(valid_plan(), doc_with(lambda d: teacher_of(d, teacher).update(unavailable=[unavailable])))
    assert rules(violations) == {6}
    one(violations, 6, teacher, named)


def test_unavailable_periods_are_read_on_the_teacher_own_bell() -> None:
    """R-A rings the junior bell here; T1 (U-A, primary bell) walks to R-A on Monday.

    T1's period 3 is 10:20-11:00 on the primary bell and overlaps the R-A
    lesson at 10:45; T3's period 1 is 08:00-08:45 on the junior bell and does
    not overlap T3's lesson at 08:55 (the primary period 1 would).
    """
    def change(d: Doc) -> None:
        d["schools"][1]["campuses"][0]["bell_schedule"] = "junior"
        teacher_of(d, "T1")["unavailable"] = [{"day": "mon", "periods": [3]}]
        teacher_of(d, "T3")["unavailable"] = [{"day": "tue", "periods": [1]}]
    plan = walking_plan()
    find(plan, "R-A-3-1.YW", "mon").update(start="10:45", end="11:30")
    find(plan, "R-A-3-1.YW", "tue").update(start="08:55", end="09:40")
    find(plan, "CT-YS-3", "wed").update(start="13:30", end="14:10")
    find(plan, "CT-YS-3", "wed")["remote"][0].update(start="13:30", end="14:15")
    violations = check(plan, doc_with(change))
    assert rules(violations) == {6}
    one(violations, 6, "T1", "第 3 节（10:20–11:00）", "R-A-3-1.YW")


def test_locked_staffing() -> None:
    plan = valid_plan()
    find(plan, "U-A-3-1.YW", "tue")["teachers"] = ["T4"]
    violations = check(plan)
    assert rules(violations) == {6}
    one(violations, 6, "U-A-3-1", "YW", "T1", "T4")


# --------------------------------------------------------------------------
# Rule 7: co-teaching


def test_primary_and_junior_bells_cannot_coteach_in_the_morning() -> None:
    def change(d: Doc) -> None:
        d["schools"][1]["campuses"][0]["bell_schedule"] = "junior"
    plan = valid_plan()
    for day in ("mon", "tue"):
        find(plan, "R-A-3-1.YW", day).update(start="08:55", end="09:40")
    find(plan, "CT-YS-3", "wed")["remote"][0].update(start="08:00", end="08:45")
    violations = check(plan, doc_with(change))
    assert rules(violations) == {7}
    one(violations, 7, "CT-YS-3", "R-A-3-1", "08:00", "08:40", "40 分钟", "10 分钟")


def test_start_tolerance_comes_from_the_community_rules() -> None:
    def change(d: Doc) -> None:
        d["communities"][0]["rules"] = {"coteach_start_tolerance_minutes": 5}
    violations = check(valid_plan(), doc_with(change))
    assert rules(violations) == {7}
    one(violations, 7, "R-A-3-1", "10 分钟", "5 分钟")


def test_remote_class_off_its_bell() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["remote"][0].update(start="08:35", end="09:15")
    violations = check(plan)
    assert rules(violations) == {7}
    one(violations, 7, "R-A-3-1", "R-A", "08:35–09:15")


def test_lead_class_off_its_bell() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["end"] = "09:25"
    violations = check(plan)
    assert rules(violations) == {7}
    one(violations, 7, "U-A-3-1", "U-A", "08:40–09:25")


def test_lead_teacher_must_be_qualified() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["teachers"] = ["T1"]
    violations = check(plan)
    assert rules(violations) == {7}
    one(violations, 7, "T1", "YS", "3 年级")


def test_remote_class_needs_an_assistant() -> None:
    plan = valid_plan()
    find(plan, "CT-YS-3", "wed")["remote"][0]["assistant"] = None
    violations = check(plan)
    assert rules(violations) == {7}
    one(violations, 7, "R-A-3-1", "助教")


def test_coteaching_joins_one_grade() -> None:
    def change(d: Doc) -> None:
        d["classes"].append({"code": "R-A-4-1", "name": "四(1)班", "campus": "R-A", "grade": 4})
        d["curriculum"].append({"grades": [4], "subject": "YS", "periods_per_week": 1})
    plan = valid_plan()
    coteach = find(plan, "CT-YS-3", "wed")
    coteach["classes"].append("R-A-4-1")
    coteach["remote"].append({"class": "R-A-4-1", "campus": "R-A", "start": "08:30", "end": "09:10",
                              "assistant": "T4"})
    violations = check(plan, doc_with(change))
    assert rules(violations) == {7}
    one(violations, 7, "R-A-4-1", "4 年级", "U-A-3-1")


# --------------------------------------------------------------------------
# Rule 8: research groups


def test_research_group_must_meet() -> None:
    plan = valid_plan()
    plan["activities"].remove(find(plan, "RG-YW", "thu"))
    violations = check(plan)
    assert rules(violations) == {8}
    one(violations, 8, "RG-YW", "1 次", "0 次")


def test_research_group_meets_too_often() -> None:
    plan = valid_plan()
    plan["activities"].append(research("fri", "13:30", "14:10", ["T1", "T3", "T4"]))
    violations = check(plan)
    assert rules(violations) == {8}
    one(violations, 8, "RG-YW", "2 次")


def test_meeting_too_short() -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["end"] = "14:00"
    one(check(plan), 8, "RG-YW", "30 分钟", "40 分钟")


@pytest.mark.parametrize("teachers, named", [(["T1", "T3"], "缺少"), (["T1", "T2", "T3", "T4"], "T2")])
def test_meeting_members_are_the_group(teachers: list[str], named: str) -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["teachers"] = teachers
    violations = check(plan)
    assert rules(violations) == {8}
    one(violations, 8, "RG-YW", named)


def test_listed_members_replace_auto() -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["teachers"] = ["T1", "T3"]
    assert check(plan, doc_with(lambda d: group_of(d).update(teachers=["T1", "T3"]))) == []


@pytest.mark.parametrize("group, campus, named", [
    ({"mode": "online"}, "U-A", "线上"),
    ({"mode": "onsite", "host_campus": "U-A"}, "R-A", "U-A"),
    ({"mode": "onsite", "host_campus": "U-A"}, "online", "现场"),
])
def test_meeting_place_follows_the_mode(group: Doc, campus: str, named: str) -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["campus"] = campus
    violations = check(plan, doc_with(lambda d: group_of(d).update(group)))
    assert rules(violations) == {8}
    one(violations, 8, "RG-YW", named)


def test_onsite_group_without_host_meets_at_any_campus_of_the_community() -> None:
    plan = valid_plan()
    find(plan, "RG-YW", "thu")["campus"] = "R-A"
    assert check(plan, doc_with(lambda d: group_of(d).update(mode="onsite"))) == []


def test_research_group_of_another_community() -> None:
    plan = valid_plan()
    plan["activities"].append(research("fri", "13:30", "14:10", ["T1"], code="RG-X"))
    violations = check(plan)
    assert rules(violations) == {8}
    one(violations, 8, "RG-X", "C2")


# --------------------------------------------------------------------------
# A generated community


@pytest.fixture(scope="module")
def generated() -> Any:
    ds, _warnings = parse(generate_community_dataset("S", seed=3), "S")
    return ds


def test_generated_community_with_everything_unmet(generated: Any) -> None:
    community = generated.communities[0]
    schools = {community.core_school, *community.members}
    campuses = {c.code for s in generated.schools if s.code in schools for c in s.campuses}
    unmet = [{"class": c, "subject": s, "periods": n}
             for (c, s), n in weekly_periods(generated).items()
             if n and next(k for k in generated.classes if k.code == c).campus in campuses]
    violations = check_plan(generated, {"activities": [], "unmet": unmet}, community.code, "2026-1")
    groups = [g for g in generated.research_groups if g.community == community.code]
    assert [v.rule for v in violations] == [8] * len(groups)
    unmet.pop()
    violations = check_plan(generated, {"activities": [], "unmet": unmet}, community.code, "2026-1")
    assert rules(violations) == {1, 8}


# --------------------------------------------------------------------------
# Garbage never raises

PLAUSIBLE = st.sampled_from([
    "mon", "wed", "sat", "08:30", "08:40", "09:10", "09:20", "10:10", "24:00", "T1", "T2", "T3", "T4", "TX", "T9",
    "U-A", "R-A", "X-A", "online", "U-A-3-1", "R-A-3-1", "X-A-3-1", "YW", "YS", "RG-YW", "RG-X", "lesson",
    "coteach", "research", "CT-YS-3"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True) | PLAUSIBLE | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn, value: Any, rate: int) -> Any:
    """The value with about one part in `rate` replaced by a plausible code or JSON garbage,
    dropped (keys) or repeated (list items)."""
    if draw(st.integers(1, rate)) == 1:
        return draw(PLAUSIBLE | JSON)
    if isinstance(value, dict):
        return {k: draw(mutated(v, rate)) for k, v in value.items() if draw(st.integers(1, rate)) > 1}
    if isinstance(value, list):
        items = [draw(mutated(v, rate)) for v in value]
        if items and draw(st.integers(1, rate)) == 1:
            items.append(items[draw(st.integers(0, len(items) - 1))])
        return items
    return value


TIMES = st.sampled_from(["08:00", "08:30", "08:40", "08:45", "09:10", "09:20", "09:30", "10:00", "10:10", "10:50",
                         "13:30", "14:10"])
TEACHERS = st.sampled_from(["T1", "T2", "T3", "T4", "TX"])
CLASSES = st.sampled_from(["U-A-3-1", "R-A-3-1", "X-A-3-1"])
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "day": st.sampled_from(["mon", "tue", "wed", "sat"]), "start": TIMES, "end": TIMES,
    "campus": st.sampled_from(["U-A", "R-A", "X-A", "online"]), "subject": st.sampled_from(["YW", "YS"]),
    "teachers": st.lists(TEACHERS, min_size=1, max_size=3, unique=True),
    "classes": st.lists(CLASSES, min_size=1, max_size=2, unique=True),
    "class": CLASSES, "assistant": TEACHERS | st.none(),
}


@st.composite
def edited(draw: st.DrawFn) -> Doc:
    """The valid plan with a few fields set to other values of the right type: deep, mostly well-formed."""
    plan = valid_plan()
    for _ in range(draw(st.integers(1, 4))):
        activity = draw(st.sampled_from(plan["activities"]))
        target = draw(st.sampled_from([activity, *activity.get("remote", [])]))
        key = draw(st.sampled_from(sorted(set(target) & set(FIELDS))))
        target[key] = draw(FIELDS[key])
    return plan


DS = dataset()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=edited() | st.integers(3, 400).flatmap(lambda rate: mutated(valid_plan(), rate)) | JSON)
def test_garbage_plans_never_raise(plan: Any) -> None:
    for v in check_plan(DS, plan, "C1", "2026-1"):
        assert isinstance(v, Violation) and 0 <= v.rule <= 8 and v.message
        assert all(isinstance(code, str) for code in v.activities)
