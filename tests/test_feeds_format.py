"""The bytes of a feed: folding, escaping and the dated lines, read back by icalendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar, vDuration, vText

from calendars.render import PRODID, EventContent, RenderedEvent, calendar_head, one_line, render_feed, template

LONG = EventContent(
    summary="【同步课堂】艺术·音乐 · 三(2)班→三(1)班、四(1)班；合唱《茉莉花》, 第二声部\\练习" * 2,
    location="武康小学本部 · 音乐教室（二楼）", description="主讲：王丽\n助教：李华\n" + "长" * 100,
    url="https://meet.example.cn/" + "x" * 90, kind="coteach", community="DQ-C01", campus="DQ-WK-A",
    subject="YS", classes=("DQ-WK-A-3-2", "DQ-MX-A-3-1") * 4, teachers=("T0001", "assistant=T0102"),
    role="lead")


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    event = RenderedEvent("coteach." + "C" * 60 + ".20261010.0840@330521.tongpan", "20261010T084000",
                          "20261010T092000", template(LONG), 2, 1_790_000_000, False)
    body = render_feed(calendar_head("王丽的课表" * 10, "Asia/Shanghai", timedelta(hours=1)), "Asia/Shanghai", [event])
    lines = body.split(b"\r\n")[:-1]
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        assert len(line) <= 75 and b"\n" not in line
        line.decode("utf-8")  # each physical line is whole UTF-8: no character was split
    parsed = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == LONG.summary
    assert str(parsed["DESCRIPTION"]) == LONG.description
    assert str(parsed["URL"]) == LONG.url
    assert parsed["UID"] == event.uid
    assert parsed["X-TONGPAN-CLASSES"].to_ical().decode() == ",".join(LONG.classes)
    assert parsed["SEQUENCE"] == 2


def test_cancelled_event_and_empty_feed() -> None:
    event = RenderedEvent("lesson.A.YW.20261012.0840@330521.tongpan", "20261012T084000", "20261012T092000",
                          template(LONG), 1, 1_790_000_000, True)
    head = calendar_head("空", "Asia/Shanghai", timedelta(hours=1))
    cancelled = Calendar.from_ical(render_feed(head, "Asia/Shanghai", [event])).walk("VEVENT")[0]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    empty = render_feed(head, "Asia/Shanghai", [])
    assert b"BEGIN:VTIMEZONE" not in empty and Calendar.from_ical(empty)["X-WR-CALNAME"] == "空"


def _head_as_icalendar_writes_it(name: str, tzid: str, refresh: timedelta) -> str:
    """The head built whole by icalendar, name included (what `calendar_head` must give byte for byte)."""
    cal = Calendar()
    for prop, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), ("method", "PUBLISH"),
                        ("name", vText(one_line(name))), ("x-wr-calname", vText(one_line(name))),
                        ("x-wr-timezone", tzid)):
        cal.add(prop, value)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    return cal.to_ical(sorted=False).decode().removesuffix("END:VCALENDAR\r\n")


@pytest.mark.parametrize("name", ["王丽的课表", "王丽的课表" * 10, "a,b;c\\d:e", "汪\x00莉\x1b莉\r\n（代课）", "N",
                                  "NAME:N", "😀" * 30, " ", "X" * 200, "三(1)班（博文小学本部）\u2028"])
def test_the_calendar_head_is_what_icalendar_writes(name: str) -> None:
    for tzid, refresh in (("Asia/Shanghai", timedelta(hours=1)), ("America/Argentina/ComodRivadavia",
                                                                   timedelta(minutes=90))):
        assert calendar_head(name, tzid, refresh) == _head_as_icalendar_writes_it(name, tzid, refresh)
