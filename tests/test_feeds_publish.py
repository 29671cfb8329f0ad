"""Publishing: which feeds exist, what their events say, and how they change between publications."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import Engine

from calendars.publish import refresh_feeds
from feeds_support import (
    BEFORE_TERM, COMMUNITY, CONFIG, LEAD_CLASS, REMOTE_B, REMOTE_C, TERM, TERM_SPAN, People, base_plan, check_format, dataset,
    events,
    expected_counts, load, moved, republish, store_and_publish, stored_feeds,
)
from scheduler.db import transaction
from scheduler.plans import published_version

UID = re.compile(r"^(lesson|coteach|research)\.[A-Za-z0-9_.-]+\.(\d{8})\.(\d{4})@330521\.tongpan$")


def _active(body: bytes) -> list[object]:
    occurrences = recurring_ical_events.of(Calendar.from_ical(body)).between(*TERM_SPAN)
    return [e for e in occurrences if str(e.get("STATUS")) != "CANCELLED"]


def test_publish_renders_every_feed_with_the_dated_occurrences(engine: Engine) -> None:
    load(engine)
    plan = base_plan()
    result = store_and_publish(engine, plan, BEFORE_TERM)
    feeds = stored_feeds(engine)
    ds = dataset()
    owners = ({("teacher", t.code) for t in ds.teachers} | {("class", c.code) for c in ds.classes}
              | {("campus", c.code) for s in ds.schools for c in s.campuses} | {("community", COMMUNITY)})
    assert set(feeds) == owners
    assert (result.feeds_changed, result.feeds_unchanged, result.previous_version) == (len(owners), 0, None)

    want = expected_counts(plan)
    for key, (_, body) in feeds.items():
        check_format(body)
        assert len(_active(body)) == want[key], key
        cal = Calendar.from_ical(body)
        assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == ({"Asia/Shanghai"} if want[key] else set())
        for uid, event in events(body).items():
            kind, ymd, hhmm = UID.match(uid).groups()  # type: ignore[union-attr]
            start = event.decoded("DTSTART")
            assert str(start.tzinfo) == "Asia/Shanghai" and event["DTSTART"].params["TZID"] == "Asia/Shanghai"
            assert (start.strftime("%Y%m%d"), start.strftime("%H%M")) == (ymd, hhmm)
            assert not date(2026, 10, 1) <= start.date() <= date(2026, 10, 7)  # 国庆 holiday
            assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED") == BEFORE_TERM
            assert (event["SEQUENCE"], str(event["STATUS"]), str(event["X-TONGPAN-KIND"])) == (0, "CONFIRMED", kind)
            assert str(event["X-TONGPAN-COMMUNITY"]) == COMMUNITY
            assert ("X-TONGPAN-ROLE" in event) == (key[0] == "teacher")
    assert sum(want.values()) == result.occurrences


def test_calendar_properties_titles_and_places(engine: Engine) -> None:
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    feeds = stored_feeds(engine)
    teacher = Calendar.from_ical(feeds["teacher", People.yw][1])
    for name in ("METHOD", "CALSCALE", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE", "REFRESH-INTERVAL",
                 "X-PUBLISHED-TTL", "PRODID", "VERSION"):
        assert name in teacher, name
    assert (str(teacher["METHOD"]), str(teacher["CALSCALE"]), str(teacher["X-WR-TIMEZONE"])) == (
        "PUBLISH", "GREGORIAN", "Asia/Shanghai")
    assert teacher["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in feeds["teacher", People.yw][1]

    lead_class = events(feeds["class", LEAD_CLASS][1])
    lesson = lead_class[f"lesson.{LEAD_CLASS}.YW.20260907.0840@330521.tongpan"]
    assert str(lesson["SUMMARY"]) == "语文 · 三(1)班"
    assert str(lesson["LOCATION"]) == next(c.name for s in dataset().schools for c in s.campuses
                                           if c.code == "DQ-S001-A")
    assert str(lesson["X-TONGPAN-TEACHERS"].to_ical().decode()) == People.yw
    coteach_uid = f"coteach.{People.link.code}.20260910.1040@330521.tongpan"
    coteach = lead_class[coteach_uid]
    assert str(coteach["SUMMARY"]) == "【同步课堂】美术 · 博文三(1)班 → 沈家墩三(1)班、南塘三(1)班"
    assert coteach["X-TONGPAN-CLASSES"].to_ical() == f"{LEAD_CLASS},{REMOTE_B},{REMOTE_C}".encode()
    assert coteach["X-TONGPAN-TEACHERS"].to_ical() == (
        f"{People.lead},assistant={People.sx},assistant={People.assistant_c}".encode())
    assert str(coteach["URL"]).startswith("https://meet.example.cn/") and str(coteach["URL"]) in str(
        coteach["DESCRIPTION"])
    # A remote class sees the lesson by its own bell (primary-town rings 10:30), under its own UID.
    remote = events(feeds["class", REMOTE_B][1])
    assert f"coteach.{People.link.code}.20260910.1030@330521.tongpan" in remote
    assert str(remote[f"coteach.{People.link.code}.20260910.1030@330521.tongpan"]["X-TONGPAN-CAMPUS"]) == "DQ-S002-A"

    roles = {str(e["X-TONGPAN-ROLE"]) for e in events(feeds["teacher", People.sx][1]).values()}
    assert roles == {"teach", "assist", "attend"}
    assert {str(e["X-TONGPAN-ROLE"]) for e in events(feeds["teacher", People.lead][1]).values()} == {"lead", "attend"}

    community = events(feeds["community", COMMUNITY][1])
    assert {str(e["X-TONGPAN-KIND"]) for e in community.values()} == {"coteach", "research"}
    online = community["research.DQ-C01-RG-YY-all.20260904.1515@330521.tongpan"]
    assert (str(online["SUMMARY"]), str(online["LOCATION"]), str(online["X-TONGPAN-CAMPUS"])) == (
        "【联合教研】英语", "线上", "online")
    assert "X-TONGPAN-CLASSES" not in online  # no classes: left out, libical rejects empty X-properties
    onsite = community["research.DQ-C01-RG-SX-high.20260908.1515@330521.tongpan"]
    assert str(onsite["SUMMARY"]) == "【联合教研】高段数学" and "URL" not in onsite
    # A campus feed holds the shared teaching there: its side of co-teaching, the meetings it hosts and the
    # lessons of teachers from other campuses, not its own teachers' lessons.
    campus = {str(e["X-TONGPAN-KIND"]) for e in events(feeds["campus", "DQ-S001-A"][1]).values()}
    assert campus == {"coteach", "research"}
    rural = events(feeds["campus", "DQ-S003-A"][1]).values()
    assert {(str(e["X-TONGPAN-KIND"]), e["X-TONGPAN-TEACHERS"].to_ical().decode()) for e in rural
            if str(e["X-TONGPAN-KIND"]) == "lesson"} == {("lesson", People.travelling)}


def test_makeup_day_carries_the_weekday_it_follows(engine: Engine) -> None:
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    feeds = stored_feeds(engine)
    saturday = {uid for uid in events(feeds["class", LEAD_CLASS][1]) if ".20261010." in uid}
    assert saturday == {f"lesson.{LEAD_CLASS}.YW.20261010.0840@330521.tongpan"}  # Wednesday's lesson
    assert any(".20261010." in uid for uid in events(feeds["class", REMOTE_B][1]))  # and Wednesday's SX
    assert not any(".20261009." in uid for uid in events(feeds["class", LEAD_CLASS][1]))  # a Friday: no YW


def test_republishing_the_same_plan_changes_no_feed(engine: Engine) -> None:
    load(engine)
    first = store_and_publish(engine, base_plan(), BEFORE_TERM)
    before = stored_feeds(engine)
    again = republish(engine, first.version, datetime(2026, 9, 3, tzinfo=timezone.utc))
    assert again.feeds_changed == 0 and again.feeds_unchanged == len(before)
    assert stored_feeds(engine) == before
    # A new version with the same activities is the same plan to subscribers, too.
    third = store_and_publish(engine, base_plan(), datetime(2026, 9, 4, tzinfo=timezone.utc))
    assert (third.feeds_changed, third.previous_version) == (0, first.version)
    assert stored_feeds(engine) == before


def test_moving_one_lesson_touches_only_its_feeds_and_cancels_old_uids(engine: Engine) -> None:
    load(engine)
    plan = base_plan()
    store_and_publish(engine, plan, BEFORE_TERM)
    when = datetime(2026, 10, 15, 4, 0, tzinfo=timezone.utc)  # a Thursday, mid-term
    with transaction(engine) as session:  # the nightly refresh has moved the windows to this week
        refresh_feeds(session, now=when, config=CONFIG)
    before = stored_feeds(engine)
    start, end = "11:30", "12:10"  # Monday's YW moves from period 1 to period 4
    result = store_and_publish(engine, moved(plan, 0, start=start, end=end), when)
    after = stored_feeds(engine)
    changed = {key for key in after if after[key][0] != before[key][0]}
    # Not the campus feed: a lesson of the campus's own teacher is not shared teaching.
    assert changed == {("teacher", People.yw), ("class", LEAD_CLASS)}
    assert result.feeds_changed == 2

    evs = events(after["class", LEAD_CLASS][1])
    old = {uid: e for uid, e in evs.items() if uid.startswith(f"lesson.{LEAD_CLASS}.YW.") and uid.endswith(
        "0840@330521.tongpan") and datetime.strptime(uid.split(".")[-3], "%Y%m%d").weekday() == 0}
    # The plan takes effect from the next school day (Friday 16 October): old Monday occurrences
    # from then on are cancelled with SEQUENCE + 1 and a title that says so; earlier ones stay.
    assert old and any(uid.split(".")[-3] < "20261016" for uid in old)
    for uid, event in old.items():
        if uid.split(".")[-3] < "20261016":
            assert (str(event["STATUS"]), event["SEQUENCE"], event.decoded("DTSTAMP")) == ("CONFIRMED", 0, BEFORE_TERM)
            continue
        assert (str(event["STATUS"]), event["SEQUENCE"], event.decoded("LAST-MODIFIED")) == ("CANCELLED", 1, when)
        assert str(event["SUMMARY"]) == "【已调课】语文 · 三(1)班"
    new = [uid for uid, e in evs.items() if ".1130@" in uid]
    assert new and min(uid.split(".")[-3] for uid in new) == "20261019"
    assert all((evs[uid]["SEQUENCE"], str(evs[uid]["STATUS"])) == (0, "CONFIRMED") for uid in new)
    # Wednesday's YW lesson did not move: untouched, stamped with the first publication.
    wednesday = evs[f"lesson.{LEAD_CLASS}.YW.20261021.0840@330521.tongpan"]
    assert (wednesday["SEQUENCE"], wednesday.decoded("DTSTAMP")) == (0, BEFORE_TERM)

    # Cancelled events go once their date has passed.
    later = datetime(2026, 11, 3, tzinfo=timezone.utc)
    with transaction(engine) as session:
        assert refresh_feeds(session, now=later, config=CONFIG) >= 2
    remaining = {uid for uid, e in events(stored_feeds(engine)["class", LEAD_CLASS][1]).items()
                 if str(e["STATUS"]) == "CANCELLED"}
    assert len(remaining) < sum(1 for e in old.values() if str(e["STATUS"]) == "CANCELLED")
    assert remaining and all(uid.split(".")[-3] >= "20261103" for uid in remaining)


def test_a_new_teacher_keeps_the_uid_and_raises_the_sequence(engine: Engine) -> None:
    load(engine)
    plan = base_plan()
    store_and_publish(engine, plan, BEFORE_TERM)
    when = datetime(2026, 10, 15, tzinfo=timezone.utc)
    store_and_publish(engine, moved(plan, 2, teachers=[People.sx_other]), when)
    feeds = stored_feeds(engine)
    uid = f"lesson.{REMOTE_B}.SX.20261021.0920@330521.tongpan"
    in_class = events(feeds["class", REMOTE_B][1])[uid]
    assert (in_class["SEQUENCE"], in_class.decoded("LAST-MODIFIED"), str(in_class["STATUS"])) == (1, when, "CONFIRMED")
    assert events(feeds["teacher", People.sx][1])[uid]["STATUS"] == "CANCELLED"
    assert events(feeds["teacher", People.sx_other][1])[uid]["SEQUENCE"] == 0
    with transaction(engine) as session:
        assert published_version(session, COMMUNITY, TERM).version == 2  # type: ignore[union-attr]
