"""What events say: titles naming campuses and schools, descriptions, 【路程】 travel events, meeting links."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine

from calendars.wording import NO_LINK
from feeds_support import (
    BEFORE_TERM, CONFIG, LEAD_CLASS, REMOTE_B, People, _lesson, base_plan, dataset, events, load,
    store_and_publish, stored_feeds,
)
from scheduler.dataset.load import import_file
from scheduler.dataset.schema import Dataset, FeedSettings, dump
from scheduler.dataset.store import apply
from scheduler.dataset.travel import TravelTimes
from scheduler.dataset.xlsx import write_workbook
from scheduler.db import transaction

NO_TEMPLATE = dataclasses.replace(CONFIG, meeting_url=None)
TRAVEL_MINUTES = TravelTimes.of(dataset()).minutes("DQ-S003-A", "DQ-S001-A")


def two_campus_plan() -> list[dict[str, Any]]:
    """The travelling English teacher also teaches at home on Tuesday afternoon, with an online meeting
    in between that leaves too short a gap before the afternoon lesson to travel in."""
    return [*base_plan(), _lesson(LEAD_CLASS, "DQ-S001-A", "YY", "tue", 5, People.travelling),
            {"kind": "research", "code": "DQ-C01-RG-YY-tue", "subject": "YY", "day": "tue", "start": "12:30",
             "end": "13:25", "campus": "online", "classes": [], "teachers": [People.travelling]}]


def _clock(event: Any, name: str) -> datetime:
    return event.decoded(name).replace(tzinfo=None)


def test_a_two_campus_teacher_sees_the_campus_in_every_lesson_title(engine: Engine) -> None:
    load(engine)
    store_and_publish(engine, two_campus_plan(), BEFORE_TERM)
    feed = events(stored_feeds(engine)["teacher", People.travelling][1])
    titles = {str(e["SUMMARY"]) for e in feed.values() if str(e["X-TONGPAN-KIND"]) == "lesson"}
    assert titles == {"英语 · 三(1)班 · 南塘小学本部", "英语 · 三(1)班 · 博文小学本部"}
    # A teacher at one campus keeps the short title.
    own = events(stored_feeds(engine)["teacher", People.yw][1])
    assert {str(e["SUMMARY"]) for e in own.values()} >= {"语文 · 三(1)班"}


def test_descriptions_give_period_address_people_and_role(engine: Engine) -> None:
    ds = dataset().model_copy(deep=True)
    campus = next(c for s in ds.schools for c in s.campuses if c.code == "DQ-S002-A")
    campus.address = "德清县新市镇镇南路 8 号"
    with transaction(engine) as session:
        apply(session, Dataset.model_validate(dump(ds)), "generated")
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    feeds = stored_feeds(engine)
    link = People.link.code
    assistant = events(feeds["teacher", People.sx][1])[f"coteach.{link}.20260910.1030@330521.tongpan"]
    text = str(assistant["DESCRIPTION"]).split("\n")
    assert text[0] == "第 3 节 10:30–11:10"  # the remote campus's own bell
    assert text[1] == "地址：沈家墩小学本部，德清县新市镇镇南路 8 号"
    assert "我的角色：助教" in text and any(line.startswith("主讲：") for line in text)
    lead = events(feeds["teacher", People.lead][1])[f"coteach.{link}.20260910.1040@330521.tongpan"]
    assert str(lead["DESCRIPTION"]).split("\n")[0] == "第 3 节 10:40–11:20"
    assert "我的角色：主讲" in str(lead["DESCRIPTION"])
    meeting = events(feeds["teacher", People.yw][1])["research.DQ-C01-RG-SX-high.20260908.1515@330521.tongpan"]
    lines = str(meeting["DESCRIPTION"]).split("\n")
    assert lines[0] == "15:15–16:15" and "我的角色：参加" in lines
    names = {t.code: t.name for t in dataset().teachers}
    assert f"参加教师：{names[People.yw]}、{names[People.lead]}" in lines
    lesson = events(feeds["class", REMOTE_B][1])[f"lesson.{REMOTE_B}.SX.20260909.0920@330521.tongpan"]
    assert str(lesson["DESCRIPTION"]).split("\n") == [
        "第 2 节 09:20–10:00", "地址：沈家墩小学本部，德清县新市镇镇南路 8 号", f"任课教师：{names[People.sx]}"]
    own = events(feeds["teacher", People.sx][1])[f"lesson.{REMOTE_B}.SX.20260909.0920@330521.tongpan"]
    assert str(own["DESCRIPTION"]).split("\n") == ["第 2 节 09:20–10:00", "地址：沈家墩小学本部，德清县新市镇镇南路 8 号"]
    # Without an address nothing repeats LOCATION.
    yw = events(feeds["teacher", People.yw][1])[f"lesson.{LEAD_CLASS}.YW.20260907.0840@330521.tongpan"]
    assert str(yw["DESCRIPTION"]) == "第 1 节 08:40–09:20"


def test_travel_events_sit_in_the_gap_before_the_next_campus_and_overlap_nothing(engine: Engine) -> None:
    assert TRAVEL_MINUTES and TRAVEL_MINUTES > 5  # the 5-minute gap before the afternoon lesson is too short
    load(engine)
    store_and_publish(engine, two_campus_plan(), BEFORE_TERM)
    feeds = stored_feeds(engine)
    feed = events(feeds["teacher", People.travelling][1])
    travel = [e for e in feed.values() if str(e["X-TONGPAN-KIND"]) == "travel"]
    others = [e for e in feed.values() if str(e["X-TONGPAN-KIND"]) != "travel"]
    # Every day that follows Tuesday's timetable (make-up Sunday 20 September included) has the trip.
    tuesdays = {_clock(e, "DTSTART").date() for e in others if str(e["X-TONGPAN-CAMPUS"]) == "DQ-S003-A"}
    assert {_clock(e, "DTSTART").date() for e in travel} == tuesdays and len(tuesdays) > 15
    for trip in travel:
        start, end = _clock(trip, "DTSTART"), _clock(trip, "DTEND")
        assert str(trip["TRANSP"]) == "TRANSPARENT"
        assert str(trip["SUMMARY"]) == "【路程】南塘小学本部 → 博文小学本部"
        assert end - start == timedelta(minutes=TRAVEL_MINUTES)
        same_day = [(_clock(e, "DTSTART"), _clock(e, "DTEND")) for e in others
                    if _clock(e, "DTSTART").date() == start.date()]
        assert all(e_end <= start or e_start >= end for e_start, e_end in same_day)  # overlaps nothing
        # Exactly in the gap: it ends when the online meeting starts (the last free gap long enough).
        assert end.strftime("%H:%M") == "12:30" and end in {s for s, _ in same_day}
        assert max(e for _, e in same_day if e <= start) <= start
    # Nobody else changes campus, so no other feed has travel; class and campus feeds never do.
    for key, (_, body) in feeds.items():
        if key != ("teacher", People.travelling):
            assert b"X-TONGPAN-KIND:travel" not in body, key


def test_travel_events_can_be_turned_off_per_county(engine: Engine) -> None:
    ds = dataset().model_copy(deep=True)
    ds.county.feeds = FeedSettings(travel_events=False)
    with transaction(engine) as session:
        apply(session, Dataset.model_validate(dump(ds)), "generated")
    store_and_publish(engine, two_campus_plan(), BEFORE_TERM)
    assert not any(b"X-TONGPAN-KIND:travel" in body for _, body in stored_feeds(engine).values())


def test_a_meeting_url_from_the_workbook_appears_in_url_and_description(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "county.xlsx"
    write_workbook(dump(dataset()), path)
    book = openpyxl.load_workbook(path)
    sheet = book["同步课堂"]
    header = [c.value for c in sheet[1]]
    code_col, url_col = header.index("代码") + 1, header.index("会议链接") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, code_col).value == People.link.code)
    room = "https://meeting.tencent.com/dm/Qw8rT2026x"
    sheet.cell(row, url_col).value = room
    book.save(path)
    import_file(engine, path)
    store_and_publish(engine, base_plan(), BEFORE_TERM, config=NO_TEMPLATE)
    feeds = stored_feeds(engine)
    coteach = events(feeds["class", LEAD_CLASS][1])[f"coteach.{People.link.code}.20260910.1040@330521.tongpan"]
    assert str(coteach["URL"]) == room and f"线上会议：{room}" in str(coteach["DESCRIPTION"])
    # The research group has no link and the county no template: no link, and the event says so.
    online = events(feeds["community", "DQ-C01"][1])["research.DQ-C01-RG-YY-all.20260904.1515@330521.tongpan"]
    assert "URL" not in online and str(online["LOCATION"]) == NO_LINK and NO_LINK in str(online["DESCRIPTION"])
    assert not any(b"jit.si" in body for _, body in feeds.values())
