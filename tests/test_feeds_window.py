"""The rolling window: which dates a feed shows, the size limit, and the nightly refresh that moves it."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Engine, select

from calendars.models import Feed
from calendars.publish import publish, refresh_feeds
from calendars.window import shortest_end, window_start
from feeds_support import CONFIG, COMMUNITY, LEAD_CLASS, TERM, base_plan, load, stored_feeds
from scheduler.dataset.store import stored_revision
from scheduler.db import transaction
from scheduler.plans import store_plan

MID_TERM = datetime(2026, 10, 14, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Shanghai
LIMIT = 16_000
SMALL = dataclasses.replace(CONFIG, max_bytes=LIMIT)
EVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)


def _events(body: bytes) -> dict[str, bytes]:
    """Each VEVENT's exact bytes by its UID."""
    return {re.search(rb"UID:(\S+)", e).group(1).decode(): e for e in EVENT.findall(body)}  # type: ignore[union-attr]


def _day(uid: str) -> date:
    return datetime.strptime(uid.split(".")[-3], "%Y%m%d").date()


def _publish(engine: Engine, at: datetime) -> None:
    with transaction(engine) as session:
        plan = store_plan(session, COMMUNITY, TERM, {"activities": base_plan()},
                          dataset_revision=stored_revision(session))
        result = publish(session, COMMUNITY, TERM, plan.version, config=SMALL, now=at)
    assert result.over_limit == ()


def test_window_edges_move_once_a_week() -> None:
    # From Monday to Sunday of one week the window is the same: last Monday to the Sunday four weeks on.
    week = [date(2026, 10, 12) + timedelta(days=i) for i in range(7)]
    assert {window_start(d) for d in week} == {date(2026, 10, 5)}
    assert {shortest_end(d) for d in week} == {date(2026, 11, 15)}
    for d in week:
        assert (d - window_start(d)).days >= 7 and (shortest_end(d) - d).days >= 28
    assert window_start(date(2026, 10, 19)) == date(2026, 10, 12)


def test_every_feed_stays_under_the_limit_with_at_least_four_weeks_ahead(engine: Engine) -> None:
    load(engine)
    _publish(engine, MID_TERM)
    with transaction(engine) as session:
        windows = {(f.kind, f.code): (f.window_start, f.window_end) for f in session.scalars(select(Feed))}
    feeds = stored_feeds(engine)
    today = date(2026, 10, 14)
    for key, (_, body) in feeds.items():
        assert len(body) <= LIMIT, key
        start, end = windows[key]
        assert start == date(2026, 10, 5)
        days = {_day(uid) for uid in _events(body)}
        assert all(d >= start for d in days), key
        if end is not None:  # cut short: whole weeks up to a Sunday at least four weeks ahead
            assert end.weekday() == 6 and (end - today).days >= 28 and max(days) <= end
    # The lead class's three lessons a week to January do not fit: its window was cut.
    assert windows["class", LEAD_CLASS][1] is not None


def test_the_nightly_refresh_rolls_the_window_and_changes_nothing_else(engine: Engine) -> None:
    load(engine)
    _publish(engine, MID_TERM)
    before = {key: _events(body) for key, (_, body) in stored_feeds(engine).items()}
    with transaction(engine) as session:
        # Later the same week: the window stays, nothing is rendered.
        assert refresh_feeds(session, now=MID_TERM + timedelta(days=3), config=SMALL) == 0
        next_monday = datetime(2026, 10, 18, 16, 10, tzinfo=timezone.utc)  # 00:10 on Monday 19 October
        changed = refresh_feeds(session, now=next_monday, config=SMALL)
        windows = {(f.kind, f.code): (f.window_start, f.window_end) for f in session.scalars(select(Feed))}
    after = {key: _events(body) for key, (_, body) in stored_feeds(engine).items()}
    assert changed == sum(before[key] != after[key] for key in before) > 0
    start = date(2026, 10, 12)
    cut = windows["class", LEAD_CLASS][1]
    assert cut is not None
    added_somewhere = False
    for key in before:
        old, new = before[key], after[key]
        assert windows[key][0] == start
        # Dropped: exactly the events before the new start.
        assert {u for u in old if u not in new} == {u for u in old if _day(u) < start}, key
        # Added: only dates after the old window's end (the window reaches a week further).
        added = {u for u in new if u not in old}
        if added:
            added_somewhere = True
            assert min(_day(u) for u in added) > max(_day(u) for u in old), key
        # Everything else is byte for byte what it was (UID, SEQUENCE, stamps, text).
        assert all(new[u] == old[u] for u in new if u in old), key
        assert len(b"".join(new.values())) <= LIMIT
    assert added_somewhere
