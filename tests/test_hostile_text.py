"""Names and text: line breaks normalised at import, control characters refused with their place,
and feeds that stay well-formed whatever a stored name holds, with `python -O` as well."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, func, select, update

from calendars import render
from calendars.publish import PublishError, publish
from feeds_support import BEFORE_TERM, COMMUNITY, CONFIG, TERM, People, base_plan, check_format, load, stored_feeds
from scheduler import models as m
from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.load import import_file
from scheduler.dataset.store import stored_revision
from scheduler.db import transaction
from scheduler.generate import generate_county
from scheduler.plan_document import read_plan
from scheduler.plans import store_plan

ALT_ENTER = "汪莉莉\n（代课）"
INJECTION = "汪莉莉\r\nX-INJECTED:1\r\nBEGIN:VEVENT\r\nUID:evil"


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "county.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # \u escapes: a lone surrogate can be written
    return path


def refused(engine: Engine, tmp_path: Path, document: dict[str, Any]) -> list[str]:
    with pytest.raises(DatasetInvalid) as caught:
        import_file(engine, write(tmp_path, document))
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Teacher)) == 0, "a refused import wrote"
    return caught.value.lines()


def test_a_line_break_in_a_name_becomes_a_space(engine: Engine, tmp_path: Path) -> None:
    document = generate_county(1, seed=3)
    document["teachers"][0]["name"] = ALT_ENTER
    document["classes"][0]["name"] = "三(1)班\r\n"
    document["schools"][0]["name"] = "武康\u2028小学\t本部"
    import_file(engine, write(tmp_path, document))
    with transaction(engine) as session:
        assert session.get(m.Teacher, document["teachers"][0]["code"]).name == "汪莉莉 （代课）"
        assert session.get(m.SchoolClass, document["classes"][0]["code"]).name == "三(1)班"
        assert session.get(m.School, document["schools"][0]["code"]).name == "武康 小学 本部"


@pytest.mark.parametrize("bad", ["汪\x00莉莉", "汪莉莉\x07", "\x1b[31m红", "汪\ud800"])
def test_control_characters_in_a_name_are_refused_where_they_are(engine: Engine, tmp_path: Path, bad: str) -> None:
    document = generate_county(1, seed=3)
    document["teachers"][4]["name"] = bad
    lines = refused(engine, tmp_path, document)
    assert any(": teachers[4].name: 不能包含" in line for line in lines), lines


def test_a_nul_anywhere_is_refused_on_both_databases(engine: Engine, tmp_path: Path) -> None:
    document = generate_county(1, seed=3)
    document["teachers"][1]["note"] = "备注\x00"  # an unknown key, kept as it is otherwise
    document["classes"][2]["name"] = "\x00"
    document["teachers"][3]["code"] = "T9\x00"
    document["terms"][0]["extra_days_off"] = [{"date": "2026-11-12", "reason": "秋假\x00"}]
    lines = refused(engine, tmp_path, document)
    for place in ("teachers[1].note", "classes[2].name", "teachers[3].code", "terms[0].extra_days_off[0].reason"):
        assert any(f": {place}: " in line for line in lines), (place, lines)


def published_with_name(engine: Engine, name: str) -> str:
    """A published community whose teacher `People.yw` has `name` stored as it is (as an import made
    before names were checked would have left it); returns the teacher's code."""
    load(engine)
    with transaction(engine) as session:
        session.execute(update(m.Teacher).where(m.Teacher.code == People.yw).values(name=name))
        store_plan(session, COMMUNITY, TERM, read_plan({"activities": base_plan()}),
                   dataset_revision=stored_revision(session))
    return People.yw


def check_feeds(engine: Engine, teacher: str) -> None:
    feeds = stored_feeds(engine)
    assert feeds
    for (kind, code), (_, body) in feeds.items():
        check_format(body)
        calendar = Calendar.from_ical(body)
        for component in calendar.walk():
            assert "X-INJECTED" not in component, (kind, code)
        assert all(not str(e["UID"]).startswith("evil") for e in calendar.walk("VEVENT"))
    own = Calendar.from_ical(feeds["teacher", teacher][1])
    assert str(own["X-WR-CALNAME"]) == "汪莉莉 X-INJECTED:1 BEGIN:VEVENT UID:evil的课表"
    assert str(own["NAME"]) == str(own["X-WR-CALNAME"])
    assert len(own.walk("VEVENT")) > 0
    # Loading the dataset normalises the stored name as an import would now.
    # Lessons describe their period, meetings their members: wherever the name is shown, it is whole.
    named = [str(e["DESCRIPTION"]) for e in own.walk("VEVENT") if "汪莉莉" in str(e["DESCRIPTION"])]
    assert named and all("汪莉莉 X-INJECTED:1 BEGIN:VEVENT UID:evil" in d for d in named)


def test_a_stored_line_break_never_breaks_a_publish(engine: Engine) -> None:
    teacher = published_with_name(engine, INJECTION)
    with transaction(engine) as session:
        publish(session, COMMUNITY, TERM, config=CONFIG, now=BEFORE_TERM)
    check_feeds(engine, teacher)


def test_with_the_optimiser_on_a_stored_line_break_injects_nothing(engine: Engine) -> None:
    teacher = published_with_name(engine, INJECTION)
    env = {**os.environ, "TONGPAN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "TONGPAN_FEED_SECRET": CONFIG.secret or "", "PYTHONOPTIMIZE": "1"}
    tongpan = Path(sys.executable).with_name("tongpan")
    done = subprocess.run([sys.executable, "-O", str(tongpan), "publish", "--community", COMMUNITY,
                           "--term", TERM, "--from", "2026-09-01"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    check_feeds(engine, teacher)


def test_a_failing_publish_names_the_entity_and_field(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    teacher = published_with_name(engine, "坏名字")
    original = render.vText

    def refusing(value: Any, *args: Any, **kwargs: Any) -> Any:
        if "坏名字" in str(value):
            raise ValueError("icalendar refused it")
        return original(value, *args, **kwargs)

    monkeypatch.setattr(render, "vText", refusing)
    for cached in (render._line, render.template, render.calendar_head):
        cached.cache_clear()
    with pytest.raises(PublishError) as caught, transaction(engine) as session:
        publish(session, COMMUNITY, TERM, config=CONFIG, now=BEFORE_TERM)
    message = str(caught.value)
    assert "DESCRIPTION" in message or "NAME" in message, message
    assert ("课 " in message) or (f"教师 {teacher}" in message), message
    for cached in (render._line, render.template, render.calendar_head):
        cached.cache_clear()


RENDER_UNDER_O = """
import json, sys
from datetime import timedelta
from calendars.render import EventContent, calendar_head, render_feed, template, RenderedEvent
name = json.loads(sys.stdin.read())
head = calendar_head(name + "的课表", "Asia/Shanghai", timedelta(hours=1))
content = EventContent(summary=name, location=name, description=name, url=None, kind="lesson", community="C",
                       campus="A", subject="YW", classes=("C1",), teachers=("T1",), role="teach")
event = RenderedEvent("lesson.x.20260901.0840@1.tongpan", "20260901T084000", "20260901T092000",
                      template(content), 0, 0, False)
sys.stdout.buffer.write(render_feed(head, "Asia/Shanghai", [event]))
"""


@pytest.mark.parametrize("name", [INJECTION, "汪\x00莉\x1b莉\r", "a\u2028BEGIN:VALARM\u2029b\x85c"])
def test_rendering_escapes_whatever_a_name_holds_under_python_o(name: str) -> None:
    done = subprocess.run([sys.executable, "-O", "-c", RENDER_UNDER_O], input=json.dumps(name).encode(),
                          capture_output=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr.decode()
    body = done.stdout
    check_format(body)
    calendar = Calendar.from_ical(body)
    assert [c.name for c in calendar.walk()] == ["VCALENDAR", "VTIMEZONE", "STANDARD", "VEVENT"]
    assert "X-INJECTED" not in calendar.walk("VEVENT")[0]
    assert "\x00" not in body.decode()


def test_a_stored_control_character_fails_the_publish_naming_the_teacher(engine: Engine) -> None:
    teacher = published_with_name(engine, "汪莉莉\x07")
    with pytest.raises(PublishError) as caught, transaction(engine) as session:
        publish(session, COMMUNITY, TERM, config=CONFIG, now=BEFORE_TERM)
    assert f"teachers[{teacher}].name: 不能包含控制字符（U+0007）" in str(caught.value)
