"""The policy report's figures on a hand-made county, each against a count done by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from scheduler.dated import dated_activities
from scheduler.report import build_report
from scheduler.report.model import scaled
from report_cases import (
    TERM, coteach, county, dataset, days, lesson, report_input, research, weekday_count,
)


def target(report, key, school=None, scope=None):  # type: ignore[no-untyped-def]
    found = [t for t in report.targets if t.key == key and t.school == school and (scope is None or t.scope == scope)]
    assert len(found) == 1, (key, school, found)
    return found[0]


def test_dated_activities_skip_days_off_and_follow_makeup_days() -> None:
    ds = dataset()
    acts = [lesson("A-A-3-1.YW", "YW", "wed", 1, "A-A", "A-A-3-1", "TA3")]
    dated = dated_activities(acts, days(ds))
    dates = [o.date for o in dated]
    assert date(2026, 10, 1) not in dates  # National Day, a Thursday, but nothing on wed anyway
    assert date(2026, 10, 7) not in dates  # a Wednesday of the National Day holiday
    assert date(2026, 10, 10) in dates  # the make-up Saturday follows Wednesday
    assert len(dated) == weekday_count(ds, "wed")
    assert all(o.activity is acts[0] for o in dated)


def test_one_coteaching_subject_short_is_reported_short_by_exactly_one() -> None:
    ds = dataset()
    acts = [coteach("CT-YS-3", "YS", "tue", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")]),
            coteach("CT-YS-3b", "YS", "thu", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")])]
    report = build_report(report_input(ds, {"C1": acts}))
    subjects = target(report, "coteach_subjects", "B")
    assert (subjects.value, subjects.target, subjects.short_by) == (1, 2, 1)
    assert not subjects.met and "再开设 1 门" in subjects.advice
    lessons = target(report, "coteach_lessons", "B")
    assert lessons.value == weekday_count(ds, "tue") + weekday_count(ds, "thu")
    assert lessons.target == 10  # 20 per school year, one term
    # C joined nothing: two subjects short.
    assert target(report, "coteach_subjects", "C").short_by == 2


def test_two_subjects_meet_the_subject_target() -> None:
    ds = dataset()
    acts = [coteach("CT-YS", "YS", "tue", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")]),
            coteach("CT-MS", "MS", "wed", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")])]
    report = build_report(report_input(ds, {"C1": acts}))
    assert target(report, "coteach_subjects", "B").met
    row = next(r for r in report.coteach if r.unit == "B")
    assert row.subjects == ("MS", "YS")


def test_onsite_research_counted_only_when_onsite() -> None:
    doc = county()
    doc["research_groups"] = [{"code": "RG1", "name": "语文教研", "community": "C1", "subject": "YW",
                               "mode": "onsite", "minutes": 80}]
    ds = dataset(doc)
    acts = [research("RG1", "wed", "13:30", "14:50", "online", ["TA3", "TB1"]),  # requested on-site, held online
            research("RG2", "thu", "13:30", "14:50", "A-A", ["TA3", "TB1", "TC1"])]
    report = build_report(report_input(ds, {"C1": acts}))
    rows = {r.unit: r for r in report.research}
    assert (rows["B"].online, rows["B"].onsite) == (weekday_count(ds, "wed"), weekday_count(ds, "thu"))
    assert (rows["C"].online, rows["C"].onsite) == (0, weekday_count(ds, "thu"))
    assert target(report, "onsite_research", "C").met  # 4 a year is 2 a term
    online_c = target(report, "online_research", "C")
    assert (online_c.value, online_c.short_by) == (0, 4)
    assert "网络研修" in online_c.advice


def test_travel_minutes_per_teacher_equal_those_of_the_plan() -> None:
    ds = dataset()
    acts = [lesson("A-A-3-1.YS", "YS", "mon", 1, "A-A", "A-A-3-1", "TA1"),
            lesson("B-A-3-1.YS", "YS", "mon", 3, "B-A", "B-A-3-1", "TA1"),
            lesson("C-A-3-1.YS", "YS", "mon", 5, "C-A", "C-A-3-1", "TA1"),  # B to C: 30 more
            lesson("A-A-3-1.MS", "MS", "fri", 1, "A-A", "A-A-3-1", "TA1"),
            lesson("C-A-3-1.MS", "MS", "fri", 2, "C-A", "C-A-3-1", "TA1"),  # A to C: 15
            lesson("A-A-3-1.YY", "YY", "tue", 1, "A-A", "A-A-3-1", "TA2"),
            research("R-on", "tue", "13:30", "14:50", "online", ["TA2", "TB1"])]  # online: no travel
    report = build_report(report_input(ds, {"C1": acts}))
    assert [r.teacher for r in report.travel] == ["TA1"]
    row = report.travel[0]
    assert (row.days_per_week, row.minutes_per_week) == (2, 25 + 30 + 15)
    assert row.days == weekday_count(ds, "mon") + weekday_count(ds, "fri")
    assert row.minutes == 55 * weekday_count(ds, "mon") + 15 * weekday_count(ds, "fri")
    assert row.campuses == ("A-A", "B-A", "C-A")


def test_pool_share_counts_lessons_by_teachers_of_other_schools() -> None:
    ds = dataset()
    acts = [lesson("B-A-3-1.YW", "YW", "mon", 1, "B-A", "B-A-3-1", "TB1"),
            lesson("B-A-3-1.YW", "YW", "tue", 1, "B-A", "B-A-3-1", "TB1"),
            lesson("B-A-3-1.YY", "YY", "wed", 1, "B-A", "B-A-3-1", "TA2")]
    report = build_report(report_input(ds, {"C1": acts}))
    row = next(r for r in report.pool if r.unit == "B")
    assert row.lessons == sum(weekday_count(ds, d) for d in ("mon", "tue", "wed"))
    assert row.pool_lessons == weekday_count(ds, "wed")
    assert row.share == pytest.approx(row.pool_lessons / row.lessons)


def test_unmet_demand_by_school_and_subject() -> None:
    ds = dataset()
    unmet = [{"class": "B-A-3-1", "subject": "YY", "periods": 3, "reason": "x"},
             {"class": "C-A-3-1", "subject": "YY", "periods": 2, "reason": "x"},
             {"class": "B-A-3-1", "subject": "KX", "periods": 1, "reason": "x"}]
    report = build_report(report_input(ds, {"C1": []}, {"C1": unmet}))
    assert {(r.school, r.subject): (r.classes, r.periods_per_week) for r in report.unmet} == {
        ("B", "YY"): (1, 3), ("C", "YY"): (1, 2), ("B", "KX"): (1, 1)}
    # The subject advice names what B lacks most first.
    assert "英语" in target(report, "coteach_subjects", "B").advice


def test_coverage_shares_on_a_hand_made_county() -> None:
    report = build_report(report_input(dataset(), {}))
    rows = {r.key: r for r in report.coverage}
    # Rural and town: B, C, E, F in communities, D not.
    assert (rows["rural_town"].schools, rows["rural_town"].covered, rows["rural_town"].uncovered) == (5, 4, ("D",))
    assert rows["small"].share == pytest.approx(1 / 2)
    assert (rows["boarding"].schools, rows["boarding"].covered) == (1, 0)
    deep = target(report, "deep_share", scope="county")
    assert (deep.value, deep.target) == (pytest.approx(0.5), 0.8)
    assert "再有 1 个协作型" in deep.advice and "E学校教共体" in deep.advice
    assert "D学校" in target(report, "coverage_rural_town").advice


def test_county_goal_is_a_setting() -> None:
    doc = county()
    doc["county"]["targets"] = {"deep_share": 0.5}
    assert target(build_report(report_input(dataset(doc), {})), "deep_share").met


def test_missed_targets_come_first() -> None:
    acts = [research("RG2", "thu", "13:30", "14:50", "A-A", ["TA3", "TB1"])]
    report = build_report(report_input(dataset(), {"C1": acts}))
    assert target(report, "onsite_research", "B").met
    met = [t.met for t in report.targets]
    assert met == sorted(met) and not met[0] and any(met)
    assert all(t.advice for t in report.missed)
    assert report.missing_plans == [("C2", TERM)]


def test_rotation_share_from_the_rotation_history() -> None:
    doc = county()
    teachers = {t["code"]: t for t in doc["teachers"]}
    for code in ("TA1", "TA2", "TA3"):
        teachers[code]["school_since"] = 2010
    teachers["TA1"].update(school="B", campus="B-A",
                           rotation=[{"school": "B", "from": 2026, "to": 2029, "home": "A"}])
    report = build_report(report_input(dataset(doc), {}))
    row = next(r for r in report.rotation if r.school == "A")
    assert (row.eligible, row.rotating, row.backbone) == (3, 1, 1)
    share = target(report, "rotation_share")
    assert share.value == pytest.approx(1 / 3) and share.met
    assert target(report, "rotation_backbone_share").value == 1.0


def test_targets_scale_to_the_period() -> None:
    assert scaled(20, "school_year", 1) == 10
    assert scaled(5, "school_year", 1) == 3
    assert scaled(20, "school_year", 2) == 20
    assert scaled(4, "term", 2) == 8
    assert math.ceil(8 / 2) == scaled(8, "school_year", 1)


def test_report_input_reads_published_plans_and_dated_changes(engine, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    import scheduler.dated as dated
    from scheduler.dataset.load import import_file
    from scheduler.db import transaction
    from scheduler.plans import set_published, store_plan
    from scheduler.report import report_input as load_input

    path = tmp_path / "county.json"
    path.write_text(json.dumps(county(), ensure_ascii=False), encoding="utf-8")
    import_file(engine, path)
    acts = [coteach("CT-YS", "YS", "tue", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")])]
    with transaction(engine) as session:
        store_plan(session, "C1", TERM, {"activities": acts, "unmet": []})  # version 1, never published
        set_published(session, store_plan(session, "C1", TERM, {"activities": acts, "unmet": []}))
    ds = dataset()
    with transaction(engine) as session:
        inp = load_input(session, term=TERM)
    assert [(p.community, p.term) for p in inp.plans] == [("C1", TERM)]
    assert len(inp.plans[0].occurrences) == weekday_count(ds, "tue")

    # A dated change (the daily-changes seam) is seen by every reader: cancel 2026-09-01.
    def cancel_first_day(session, community, term, occurrences):  # type: ignore[no-untyped-def]
        return [o for o in occurrences if o.date != date(2026, 9, 1)]

    monkeypatch.setattr(dated, "_CHANGE_SOURCES", [])
    dated.register_change_source(cancel_first_day)
    with transaction(engine) as session:
        report = build_report(load_input(session, term=TERM))
    assert target(report, "coteach_lessons", "B").value == weekday_count(ds, "tue") - 1
    assert report.missing_plans == [("C2", TERM)]


def test_each_date_counts_the_plan_published_for_it(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A publication effective from 2 November leaves September and October to the earlier plan."""
    import json
    from datetime import datetime, timezone

    from scheduler.dataset.load import import_file
    from scheduler.db import transaction
    from scheduler.plans import record_publication, set_published, store_plan
    from scheduler.report import report_input as load_input

    path = tmp_path / "county.json"
    path.write_text(json.dumps(county(), ensure_ascii=False), encoding="utf-8")
    import_file(engine, path)
    tue = coteach("CT-YS", "YS", "tue", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")])
    thu = coteach("CT-YS2", "YS", "thu", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")])
    with transaction(engine) as session:
        first = store_plan(session, "C1", TERM, {"activities": [tue], "unmet": []})
        set_published(session, first)
        record_publication(session, first, date(2026, 9, 1), datetime(2026, 8, 30, tzinfo=timezone.utc))
        second = store_plan(session, "C1", TERM, {"activities": [tue, thu], "unmet": []})
        set_published(session, second)
        record_publication(session, second, date(2026, 11, 2), datetime(2026, 10, 30, tzinfo=timezone.utc))
    with transaction(engine) as session:
        occurrences = load_input(session, term=TERM).plans[0].occurrences
    term_days = days(dataset())
    expected = (sum(d.follows == "tue" for d in term_days)
                + sum(d.follows == "thu" and d.date >= date(2026, 11, 2) for d in term_days))
    assert len(occurrences) == expected
    assert [o.date for o in occurrences] == sorted(o.date for o in occurrences)
    assert not any(o.activity["code"] == "CT-YS2" and o.date < date(2026, 11, 2) for o in occurrences)


def test_a_community_without_an_onsite_group_is_told_so() -> None:
    doc = county()
    doc["research_groups"] = [{"code": "RG1", "name": "语文教研", "community": "C1", "subject": "YW",
                               "mode": "online", "minutes": 80}]
    report = build_report(report_input(dataset(doc), {"C1": []}))
    assert "本教共体没有面对面（线下）教研组" in target(report, "onsite_research", "B").advice
    assert "没有网络" not in target(report, "online_research", "B").advice
    assert "本教共体没有网络（线上）教研组" in target(report, "online_research", "F").advice


def test_a_school_year_report_counts_both_terms_against_the_full_targets() -> None:
    from scheduler.report.model import PlanInput, ReportInput

    doc = county()
    doc["terms"].append({"code": "2026-2", "name": "2026学年第二学期", "start": "2027-02-22", "end": "2027-06-30",
                         "statutory_overrides": {"holidays": ["2027-04-05"], "workdays": []}})
    ds = dataset(doc)
    acts = [coteach("CT-YS", "YS", "tue", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1")])]
    plans, all_days = [], {}
    for term in (TERM, "2026-2"):
        all_days[term] = days(ds, term)
        plans.append(PlanInput("C1", term, acts, [], dated_activities(acts, all_days[term])))
    report = build_report(ReportInput(ds, "2026学年", (TERM, "2026-2"), all_days, plans, 2026))
    lessons = target(report, "coteach_lessons", "B")
    assert lessons.target == 20
    assert lessons.value == weekday_count(ds, "tue") + weekday_count(ds, "tue", "2026-2")
    assert target(report, "online_research", "B").target == 8
    assert report.missing_plans == [("C2", TERM), ("C2", "2026-2")]
