"""Effective dates: a publication applies from a date, and the dated past stays byte for byte."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import Engine

from calendars.publish import PublishError, publish
from feeds_support import (
    BEFORE_TERM, COMMUNITY, CONFIG, LEAD_CLASS, TERM, TERM_SPAN, People, base_plan, events, load, moved,
    store_and_publish, stored_feeds,
)
from scheduler.dataset.store import stored_revision
from scheduler.db import transaction
from scheduler.plan_document import read_plan
from scheduler.plans import publications, published_version, store_plan
from test_feeds_cli import ical_js, tongpan

MID_TERM = datetime(2026, 10, 15, 4, 0, tzinfo=timezone.utc)  # Thursday 15 October, noon in Shanghai
UID_LINE = re.compile(rb"^UID:(.*)$", re.M)


def _blocks(body: bytes) -> dict[str, bytes]:
    """Each VEVENT's exact bytes by UID (UIDs unfolded)."""
    found = {}
    for block in body.split(b"BEGIN:VEVENT\r\n")[1:]:
        block = block.split(b"END:VEVENT\r\n")[0]
        uid = UID_LINE.search(block.replace(b"\r\n ", b""))
        assert uid is not None
        found[uid.group(1).decode().strip()] = block
    return found


def _dated(uid: str) -> str:
    return uid.partition("@")[0].rsplit(".", 2)[1]


def _monday_lesson_moved() -> list[dict[str, object]]:
    return moved(base_plan(), 0, start="11:30", end="12:10")  # Monday's YW: period 1 -> period 4


def test_the_past_before_the_effective_date_keeps_its_bytes(engine: Engine) -> None:
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    before = stored_feeds(engine)
    result = store_and_publish(engine, _monday_lesson_moved(), MID_TERM)
    assert result.effective_from == date(2026, 10, 16)  # the next school day
    after = stored_feeds(engine)
    for key, (_, body) in before.items():
        # The feed's window now starts on Monday 5 October: what it still shows of the past is unchanged.
        old = {uid: b for uid, b in _blocks(body).items() if "20261005" <= _dated(uid) < "20261016"}
        new = {uid: b for uid, b in _blocks(after[key][1]).items() if _dated(uid) < "20261016"}
        assert new == old, key
    moved_feed = events(after["class", LEAD_CLASS][1])
    cancelled = [e for uid, e in moved_feed.items() if str(e["STATUS"]) == "CANCELLED"]
    assert cancelled and all(_dated(str(e["UID"])) >= "20261019" for e in cancelled)
    assert {(e["SEQUENCE"], str(e["SUMMARY"])) for e in cancelled} == {(1, "【已调课】语文 · 三(1)班")}
    # Readers agree: no 08:40 Monday lesson from the effective date on, the new 11:30 one instead.
    active = [e for e in recurring_ical_events.of(Calendar.from_ical(after["class", LEAD_CLASS][1]))
              .between(*TERM_SPAN) if str(e.get("STATUS")) != "CANCELLED"]
    mondays = {(e.decoded("DTSTART").date(), e.decoded("DTSTART").strftime("%H%M")) for e in active
               if e.decoded("DTSTART").weekday() == 0 and str(e["X-TONGPAN-SUBJECT"]) == "YW"}
    assert (date(2026, 10, 12), "0840") in mondays and (date(2026, 10, 19), "1130") in mondays
    assert not any(d >= date(2026, 10, 16) and t == "0840" for d, t in mondays)
    assert not any(d < date(2026, 10, 16) and t == "1130" for d, t in mondays)


def test_an_explicit_later_date_keeps_the_old_plan_until_then(engine: Engine, tmp_path: Path) -> None:
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    with transaction(engine) as session:
        plan = store_plan(session, COMMUNITY, TERM, read_plan({"activities": _monday_lesson_moved()}),
                          dataset_revision=stored_revision(session))
        result = publish(session, COMMUNITY, TERM, plan.version, config=CONFIG, now=MID_TERM,
                         effective_from=date(2026, 10, 26))
    assert result.effective_from == date(2026, 10, 26)
    uids = events(stored_feeds(engine)["class", LEAD_CLASS][1])
    monday_19 = f"lesson.{LEAD_CLASS}.YW.20261019.0840@330521.tongpan"
    assert str(uids[monday_19]["STATUS"]) == "CONFIRMED" and uids[monday_19]["SEQUENCE"] == 0
    assert str(uids[f"lesson.{LEAD_CLASS}.YW.20261026.0840@330521.tongpan"]["STATUS"]) == "CANCELLED"
    assert f"lesson.{LEAD_CLASS}.YW.20261026.1130@330521.tongpan" in uids
    assert f"lesson.{LEAD_CLASS}.YW.20261019.1130@330521.tongpan" not in uids

    # Republishing the current version later (tomorrow by default) must not pull the new plan
    # forward over the days the old one still governs.
    with transaction(engine) as session:
        publish(session, COMMUNITY, TERM, plan.version, config=CONFIG,
                now=datetime(2026, 10, 16, 4, 0, tzinfo=timezone.utc), effective_from=date(2026, 10, 26))
        history = [(p.plan_version_id, p.effective_from) for p in publications(session, COMMUNITY, TERM)]
    assert [d for _, d in history] == [date(2026, 9, 1), date(2026, 10, 26), date(2026, 10, 26)]
    assert monday_19 in events(stored_feeds(engine)["class", LEAD_CLASS][1])

    # The history, as the admin reads it.
    shown = tongpan(engine, "plans", "--community", COMMUNITY, "--term", TERM)
    assert shown.exit_code == 0 and "起生效" in shown.output, shown.output
    assert "已被取代" in shown.output and "superseded" not in shown.output
    rows = json.loads(tongpan(engine, "plans", "--community", COMMUNITY, "--term", TERM, "--json").stdout)
    assert [(r["version"], r["status"], [p["effective_from"] for p in r["publications"]]) for r in rows] == [
        (1, "superseded", ["2026-09-01"]), (2, "published", ["2026-10-26", "2026-10-26"])]

    files = []
    for (kind, code), (_, body) in stored_feeds(engine).items():
        if kind in ("class", "teacher"):
            files.append(tmp_path / f"{kind}-{code}.ics")
            files[-1].write_bytes(body)
    reports = ical_js(files)
    assert all(not r["errors"] and not r["floating"] for r in reports)
    assert sum(r["cancelled"] for r in reports) > 0


def test_a_date_in_the_past_is_refused_and_changes_nothing(engine: Engine) -> None:
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    before = stored_feeds(engine)
    with transaction(engine) as session:
        store_plan(session, COMMUNITY, TERM, read_plan({"activities": _monday_lesson_moved()}),
                          dataset_revision=stored_revision(session))
    refused = tongpan(engine, "publish", "--community", COMMUNITY, "--term", TERM, "--from", "2026-09-07")
    assert refused.exit_code == 2 and "早于今天" in refused.output
    assert stored_feeds(engine) == before
    with transaction(engine) as session:
        assert len(publications(session, COMMUNITY, TERM)) == 1
        assert published_version(session, COMMUNITY, TERM).version == 1  # type: ignore[union-attr]
    with pytest.raises(PublishError):
        with transaction(engine) as session:
            publish(session, COMMUNITY, TERM, 2, config=CONFIG, now=MID_TERM, effective_from=date(2026, 10, 14))


def test_before_the_term_begins_a_new_plan_applies_from_its_start(engine: Engine) -> None:
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    result = store_and_publish(engine, moved(base_plan(), 2, teachers=[People.sx_other]),
                               datetime(2026, 8, 28, tzinfo=timezone.utc))
    assert result.effective_from == date(2026, 9, 1)
    feed = events(stored_feeds(engine)["teacher", People.sx_other][1])
    assert min(_dated(uid) for uid in feed) < "20260910"  # the first week is the new plan's too
