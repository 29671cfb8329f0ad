"""Covers on a small community: who is chosen, and that the hard rules and the weekly cap hold."""

from __future__ import annotations

import copy
from datetime import date, datetime

from sqlalchemy import Engine, select

from calendars.publish import republish
from covers_support import (
    AT, MONDAY, RURAL_B, RURAL_C, absent_and_propose, campus_teachers, lesson, publish_plan, publish_with_rules,
    settle,
)
from feeds_support import COMMUNITY, CONFIG, events, stored_feeds
from scheduler.check import check_plan
from scheduler.covers.days import check_date, day_document, term_days
from scheduler.covers.models import Cover
from scheduler.covers.review import confirm, proposed
from scheduler.dataset.store import load_dataset
from tongpan.daily import confirm_and_publish
from scheduler.db import transaction

CLASS_1, CLASS_2 = "DQ-S001-A-3-1", "DQ-S001-A-3-2"
RURAL_CLASS_B, RURAL_CLASS_C = "DQ-S002-A-3-1", "DQ-S003-A-3-1"
TUESDAY = date(2026, 11, 17)


def _confirm_and_republish(engine: Engine, at: datetime = AT) -> None:
    """Confirm as the CLI does (only the feeds and dates the overrides touch are recomputed); a full
    republish afterwards must find nothing left to change (feed windows first settled at `at`, since the
    nightly window move is no part of a cover)."""
    settle(engine, at)
    with transaction(engine) as session:
        confirm_and_publish(session, proposed(session), now=at, config=CONFIG)
    with transaction(engine) as session:
        assert republish(session, COMMUNITY, "2026-1", config=CONFIG, now=at).feeds_changed == 0


def test_a_qualified_free_teacher_who_can_reach_the_campus_covers(engine: Engine) -> None:
    # T00005, T00006, T00007 teach 语文 in grades 3-4 at the core campus; T00006 teaches at the same time.
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_2, "YW", "mon", 1, "T00006"),
                          lesson(CLASS_1, "YW", "wed", 1, "T00005")])
    found, result = absent_and_propose(engine, "T00005")
    assert [(a.date, a.entry["code"], a.role) for a in found] == [(MONDAY, f"{CLASS_1}.YW", "teach")]
    cover = result.covers[0]
    assert (cover.mode, cover.teacher_code, cover.absent_code) == ("in_person", "T00007", "T00005")
    assert "T00006" not in {alt["teacher"] for alt in cover.alternatives}  # busy then: no clash
    assert [alt["mode"] for alt in cover.alternatives][-1] == "cancel"  # ranked, cancel last

    settle(engine, AT)
    before = stored_feeds(engine)
    _confirm_and_republish(engine)
    after = stored_feeds(engine)
    changed = {key for key in after if after[key][0] != before[key][0]}
    # The campus feed holds shared teaching only (a home teacher's lesson is not in it).
    assert changed == {("teacher", "T00005"), ("teacher", "T00007"), ("class", CLASS_1)}
    uid = f"lesson.{CLASS_1}.YW.20261116.0840@330521.tongpan"
    absent = events(after["teacher", "T00005"][1])[uid]
    assert (str(absent["STATUS"]), absent["SEQUENCE"], str(absent["SUMMARY"])) == (
        "CANCELLED", 1, "【代课】语文 · 三(1)班")
    substitute = events(after["teacher", "T00007"][1])[uid]
    assert (str(substitute["STATUS"]), str(substitute["SUMMARY"])) == ("CONFIRMED", "【代课】语文 · 三(1)班")
    in_class = events(after["class", CLASS_1][1])[uid]
    assert (in_class["SEQUENCE"], in_class["X-TONGPAN-TEACHERS"].to_ical().decode()) == (1, "T00007")
    # The same lesson on other dates is untouched.
    other = events(after["class", CLASS_1][1])[f"lesson.{CLASS_1}.YW.20261123.0840@330521.tongpan"]
    assert other["SEQUENCE"] == 0


def test_a_rural_english_lesson_goes_online_when_nobody_can_come(engine: Engine) -> None:
    # T00016 (exchange teacher of the core school) teaches English at rural campus B. The other exchange
    # English teacher, T00018, teaches at the core campus until 10:10 and cannot be at B (40 min away) by
    # 10:30; T00017 is no exchange teacher, so co-construction does not let her teach at B in person.
    publish_plan(engine, [lesson(RURAL_CLASS_B, "YY", "mon", 3, "T00016"),
                          lesson(CLASS_1, "YY", "mon", 2, "T00018")])
    _, result = absent_and_propose(engine, "T00016")
    cover = result.covers[0]
    assert cover.mode == "online" and cover.teacher_code in ("T00017", "T00018")  # both can teach online
    added = cover.changes[0]["add"]
    assert added["kind"] == "coteach" and added["classes"] == [RURAL_CLASS_B]
    assert added["remote"][0]["assistant"] in campus_teachers(RURAL_B)
    assert not any(alt["mode"] == "in_person" for alt in cover.alternatives)

    _confirm_and_republish(engine)
    feeds = stored_feeds(engine)
    in_class = {uid: e for uid, e in events(feeds["class", RURAL_CLASS_B][1]).items() if ".20261116." in uid}
    online = next(e for uid, e in in_class.items() if uid.startswith("coteach."))
    assert str(online["SUMMARY"]) == "【代课】【同步课堂】英语 · 沈家墩三(1)班"  # co-teaching names the school
    assert str(online["LOCATION"]) != "线上"  # the class is in its room; the lead is online
    lead = next(e for uid, e in events(feeds["teacher", cover.teacher_code][1]).items()
                if uid.startswith("coteach."))
    assert (str(lead["LOCATION"]), str(lead["X-TONGPAN-ROLE"])) == ("线上", "lead")
    old = in_class[f"lesson.{RURAL_CLASS_B}.YY.20261116.1030@330521.tongpan"]
    assert (str(old["STATUS"]), str(old["SUMMARY"])) == ("CANCELLED", "【代课】英语 · 三(1)班")


def test_a_swap_within_the_week_when_nobody_can_cover(engine: Engine) -> None:
    # Rural campus C's only grade-3 maths teacher is away on Monday morning; every other teacher of
    # the campus is in an online meeting then, and the other grade-3 maths teachers teach at that time.
    others = [t for t in campus_teachers(RURAL_C) if t != "T00052"]
    publish_plan(engine, [
        lesson(RURAL_CLASS_C, "SX", "mon", 1, "T00052"),
        lesson(RURAL_CLASS_C, "YY", "wed", 2, "T00016"),
        lesson(CLASS_1, "SX", "mon", 1, "T00012"), lesson(CLASS_2, "SX", "mon", 1, "T00013"),
        lesson(RURAL_CLASS_B, "SX", "mon", 1, "T00043"),
        {"kind": "research", "code": "DQ-C01-RG-SX-high", "subject": "SX", "day": "mon", "start": "08:30",
         "end": "09:10", "campus": "online", "classes": [], "teachers": others},
    ])
    _, result = absent_and_propose(engine, "T00052")
    cover = result.covers[0]
    assert (cover.mode, cover.teacher_code) == ("swap", "T00016")
    monday, wednesday = cover.changes
    assert (monday["date"], monday["add"]["subject"], monday["add"]["start"]) == ("2026-11-16", "YY", "08:30")
    assert (wednesday["date"], wednesday["add"]["subject"], wednesday["add"]["teachers"]) == (
        "2026-11-18", "SX", ["T00052"])

    _confirm_and_republish(engine)
    evs = events(stored_feeds(engine)["class", RURAL_CLASS_C][1])
    moved = evs[f"lesson.{RURAL_CLASS_C}.YY.20261118.0920@330521.tongpan"]
    assert (str(moved["STATUS"]), moved["SEQUENCE"], str(moved["SUMMARY"])) == (
        "CANCELLED", 1, "【已调课】英语 · 三(1)班")
    assert str(evs[f"lesson.{RURAL_CLASS_C}.YY.20261116.0830@330521.tongpan"]["SUMMARY"]) == "【调课】英语 · 三(1)班"
    assert str(evs[f"lesson.{RURAL_CLASS_C}.SX.20261118.0920@330521.tongpan"]["STATUS"]) == "CONFIRMED"
    # Readers of one date see the swap on Wednesday too, though the cover is Monday's (the checker, reports).
    with transaction(engine) as session:
        term = next(t for t in load_dataset(session).terms if t.code == "2026-1")  # type: ignore[union-attr]
        wednesday = day_document(session, COMMUNITY, "2026-1", term_days(term)[date(2026, 11, 18)])
    assert [(a["code"], a["teachers"]) for a in wednesday["activities"]] == [(f"{RURAL_CLASS_C}.SX", ["T00052"])]


def test_the_weekly_cap_holds_across_two_absences(engine: Engine) -> None:
    # Cap one cover per teacher per week. T00007 is the only free qualified teacher on both days.
    publish_with_rules(engine, {"cap_per_week": 1}, [
        lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_2, "YW", "mon", 1, "T00006"),
        lesson(CLASS_2, "YW", "tue", 1, "T00006"), lesson(CLASS_1, "YW", "tue", 1, "T00005")])
    _, first = absent_and_propose(engine, "T00005")
    assert (first.covers[0].mode, first.covers[0].teacher_code) == ("in_person", "T00007")
    _confirm_and_republish(engine)
    _, second = absent_and_propose(engine, "T00006", TUESDAY)
    cover = second.covers[0]
    assert cover.teacher_code != "T00007" and cover.mode != "in_person"
    shown = {alt["teacher"]: alt["count"] for alt in cover.alternatives if alt["teacher"]}
    assert shown["T00007"] == {"T00007": 1}  # listed with the cover already given, but not chosen


def test_half_day_absence_only_affects_that_half(engine: Engine) -> None:
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_1, "YW", "mon", 5, "T00005")])
    found, _ = absent_and_propose(engine, "T00005", half="pm")
    assert [a.start for a in found] == ["13:30"]



def test_the_checker_verifies_the_plan_with_its_overrides_on_the_date(engine: Engine) -> None:
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_2, "YW", "mon", 1, "T00006"),
                          lesson(RURAL_CLASS_B, "YY", "mon", 3, "T00016"), lesson(CLASS_1, "YY", "mon", 2, "T00018")])
    absent_and_propose(engine, "T00005")
    absent_and_propose(engine, "T00016")
    _confirm_and_republish(engine)
    with transaction(engine) as session:
        ds = load_dataset(session)
        term = next(t for t in ds.terms if t.code == "2026-1")  # type: ignore[union-attr]
        assert check_date(session, ds, COMMUNITY, term, MONDAY) == []  # type: ignore[arg-type]
        # An override that puts T00006 into a second class at 08:40 is caught, as a clash of that date.
        cover = session.scalars(select(Cover).where(Cover.absent_code == "T00005")).one()
        broken = copy.deepcopy(cover.changes)
        broken[0]["add"]["teachers"] = ["T00006"]
        cover.changes = broken
        session.flush()
        found = check_date(session, ds, COMMUNITY, term, MONDAY)  # type: ignore[arg-type]
        assert [v.rule for v in found] == [2] and "T00006" in found[0].message
        # The weekly checker refuses an online-led co-teaching lesson in a weekly plan.
        online = next(c for c in session.scalars(select(Cover)) if c.mode == "online").changes[0]["add"]
        weekly = {k: v for k, v in online.items() if k != "label"}
        assert any(v.rule == 1 and "只能是某一天的代课" in v.message for v in check_plan(
            ds, {"activities": [weekly], "unmet": []}, COMMUNITY, "2026-1"))  # type: ignore[arg-type]


def test_travel_to_a_cover_needs_a_gap_free_of_online_activities() -> None:
    # T00016 teaches at the core campus until 09:20, then is in an online meeting. Rural campus C is
    # 15 minutes away: a cover there at 10:30 fits if the meeting ends by 10:15, not if it ends at 10:20.
    from feeds_support import dataset
    from scheduler.covers.candidates import World
    from scheduler.covers.days import DayPlan
    from scheduler.school_calendar import SchoolDay

    ds = dataset()
    t = next(x for x in ds.teachers if x.code == "T00016")
    day = SchoolDay(MONDAY, "mon", "regular")
    lesson_at_core = lesson(CLASS_1, "YY", "mon", 1, "T00016")  # 08:40-09:20

    def world(meeting_end: str) -> World:
        meeting = {"kind": "research", "code": "DQ-C01-RG-YY-all", "subject": "YY", "day": "mon",
                   "start": "09:30", "end": meeting_end, "campus": "online", "classes": [], "teachers": ["T00016"]}
        plan = DayPlan(COMMUNITY, "2026-1", day, 1, [lesson_at_core, meeting])
        return World(ds, {(COMMUNITY, MONDAY): plan}, {}, {}, {}, MONDAY)

    assert world("10:15").fits(t, MONDAY, "mon", 10 * 60 + 30, 11 * 60 + 10, RURAL_C)
    assert not world("10:20").fits(t, MONDAY, "mon", 10 * 60 + 30, 11 * 60 + 10, RURAL_C)
    # Teaching online in the middle of a campus change is no time to travel either.
    bare = DayPlan(COMMUNITY, "2026-1", day, 1, [lesson_at_core, lesson(RURAL_CLASS_C, "YY", "mon", 3, "T00016")])
    travelling = World(ds, {(COMMUNITY, MONDAY): bare}, {}, {}, {}, MONDAY)
    assert not travelling.fits(t, MONDAY, "mon", 9 * 60 + 30, 10 * 60 + 20, "online")  # 09:20 -> 10:30 leaves 10 min
    assert travelling.fits(t, MONDAY, "mon", 9 * 60 + 30, 10 * 60 + 0, "online")  # 10:00 -> 10:30: 30 min
