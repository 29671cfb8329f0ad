"""The bytes of a feed: folding, escaping and the dated lines, read back by icalendar."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from calendars.render import EventContent, RenderedEvent, calendar_head, render_feed, template

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
