"""Confirming covers republishes only the feeds and dates the overrides touch: the result must be what a
full republish of every feed and date gives, and every other feed keeps its bytes and ETag."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from calendars.config import FeedConfig
from calendars.models import Feed
from calendars.publish import republish
from calendars.state import FeedState
from covers_support import AT, MONDAY, absent_and_propose, busy_week, lesson, publish_plan, settle
from feeds_support import COMMUNITY, CONFIG, TERM, events, stored_feeds
from scheduler.covers.absences import affected, record_absence
from scheduler.covers.models import Cover
from scheduler.covers.review import confirm, propose_covers, proposed
from scheduler.dataset.store import load_dataset
from scheduler.db import session_factory, transaction
from tongpan.daily import confirm_and_publish

CLASS_1, CLASS_2 = "DQ-S001-A-3-1", "DQ-S001-A-3-2"
RURAL_CLASS_C = "DQ-S003-A-3-1"
TRAVELLING = "T00016"  # an English teacher of the core school who also teaches at rural campus C


def test_a_cover_leaves_the_titles_of_a_teacher_at_several_campuses_alone(engine: Engine) -> None:
    # T00016 teaches at the core campus on Monday and at rural campus C on Tuesday: her lessons name the
    # campus all week. A cover for someone else on Monday must not change that, in any feed.
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_2, "YY", "mon", 2, TRAVELLING),
                          lesson(RURAL_CLASS_C, "YY", "tue", 2, TRAVELLING)])
    absent_and_propose(engine, "T00005")
    settle(engine, AT)
    before = stored_feeds(engine)
    titled = events(before["class", CLASS_2][1])[f"lesson.{CLASS_2}.YY.20261116.0930@330521.tongpan"]
    assert str(titled["SUMMARY"]) == "英语 · 三(2)班 · 博文小学本部"
    with transaction(engine) as session:
        confirm_and_publish(session, proposed(session), now=AT, config=CONFIG)
    after = stored_feeds(engine)
    assert after["class", CLASS_2] == before["class", CLASS_2]
    assert after["teacher", TRAVELLING] == before["teacher", TRAVELLING]
    with transaction(engine) as session:
        assert republish(session, COMMUNITY, TERM, config=CONFIG, now=AT).feeds_changed == 0


Stored = dict[tuple[str, str], tuple[str, bytes, FeedState]]  # (kind, code) -> etag, body, decoded state


def _absent(engine: Engine, teachers: dict[str, tuple[date, date]], now: datetime) -> None:
    """Record the absences and propose covers for all of them in one batch, as the benchmark does."""
    with transaction(engine) as session:
        ds = load_dataset(session)
        assert ds is not None
        batch, ids = [], {}
        for teacher, (start, end) in teachers.items():
            absence = record_absence(session, ds, teacher, start, end, reason="病假", now=now)
            found = affected(session, ds, absence)
            batch += found
            ids.update({(a.teacher, a.date): absence.id for a in found})
        assert batch
        propose_covers(session, ds, batch, now=now, today=now.date(), absence_ids=ids, time_limit=5, workers=1)


def _feeds(engine: Engine, at: datetime, config: FeedConfig, *, full: bool | None) -> Stored:
    """Every feed after confirming the proposed covers, rolled back afterwards: as confirming does (only the
    feeds and dates the overrides touch), as a full republish of every feed and date does, or (None)
    without confirming."""
    session = session_factory(engine)()
    try:
        covers = proposed(session)
        if full is None:
            pass
        elif full:
            for community, term in sorted(confirm(session, covers, at)):
                republish(session, community, term, config=config, now=at)
        else:
            confirm_and_publish(session, covers, now=at, config=config)
        session.flush()
        return {(f.kind, f.code): (f.etag, f.body, FeedState.loads(f.state)) for f in session.scalars(select(Feed))}
    finally:
        session.rollback()
        session.close()


def _may_change(engine: Engine) -> set[tuple[str, str]]:
    """The feeds proposed covers may change, found from what their overrides remove and add: the feeds of
    every teacher, class and campus in those activities, and the community's."""
    plan = {(a["kind"], a["code"], a["start"]): a for a in busy_week()}
    found = {("community", COMMUNITY)}
    with transaction(engine) as session:
        for cover in session.scalars(select(Cover).where(Cover.state == "proposed")):
            for change in cover.changes:
                for entry in ([plan[change["remove"]["kind"], change["remove"]["code"], change["remove"]["start"]]]
                              if change.get("remove") else []) + ([change["add"]] if change.get("add") else []):
                    remote = entry.get("remote") or []
                    found |= {("teacher", t) for t in [*entry["teachers"], *(r["assistant"] for r in remote)]}
                    found |= {("class", c) for c in entry["classes"]}
                    found |= {("campus", c) for c in [entry["campus"], *(r["campus"] for r in remote)]}
    return found


def _absentees_and_substitutes(engine: Engine) -> set[tuple[str, str]]:
    with transaction(engine) as session:
        covers = list(session.scalars(select(Cover).where(Cover.state == "proposed")))
        return {("teacher", t) for c in covers for t in [c.absent_code, *c.counted]}


def _differing(a: Stored, b: Stored) -> set[tuple[str, str]]:
    return {key for key in a.keys() | b.keys() if a.get(key) != b.get(key)}


@pytest.mark.parametrize("max_bytes", [CONFIG.max_bytes, 40_000], ids=["whole-term", "size-limited"])
def test_confirming_changes_only_the_touched_feeds_and_agrees_with_a_full_republish(
        engine: Engine, max_bytes: int) -> None:
    # Four teachers away on Monday, one of them on Tuesday too, and the teacher at two campuses on Tuesday:
    # covers in person, study, online and perhaps swaps, in teacher, class, campus and community feeds.
    config = FeedConfig(secret=CONFIG.secret, meeting_url=CONFIG.meeting_url, max_bytes=max_bytes)
    publish_plan(engine, busy_week())
    tuesday = MONDAY + timedelta(days=1)
    _absent(engine, {"T00005": (MONDAY, tuesday), "T00012": (MONDAY, MONDAY), "T00043": (MONDAY, MONDAY),
                     "T00029": (MONDAY, MONDAY), "T00016": (tuesday, tuesday)}, AT)
    with transaction(engine) as session:
        for community, term in ((COMMUNITY, TERM),):
            republish(session, community, term, config=config, now=AT)  # windows settled at AT
    before = _feeds(engine, AT, config, full=None)
    if max_bytes < CONFIG.max_bytes:
        with transaction(engine) as session:
            cut = session.scalar(select(Feed).where(Feed.kind == "teacher", Feed.code == "T00005"))
            assert cut is not None and cut.window_end is not None  # the size limit shortens the window

    confirmed = _feeds(engine, AT, config, full=False)
    changed = _differing(before, confirmed)
    assert _absentees_and_substitutes(engine) <= changed <= _may_change(engine)
    assert _differing(confirmed, _feeds(engine, AT, config, full=True)) == set()


@pytest.mark.parametrize("first, second", [(MONDAY, MONDAY + timedelta(days=1)), (date(2026, 11, 11), MONDAY)],
                         ids=["same-week", "week-before"])
def test_a_second_days_covers_drop_the_first_days_cancelled_events_as_a_full_republish_does(
        engine: Engine, first: date, second: date) -> None:
    # Covers confirmed on the first day leave cancelled events dated that day; on the second they have
    # passed, and the feeds the second day's covers touch drop them (the week after, their window moves too).
    publish_plan(engine, busy_week())
    first_at, second_at = AT - (MONDAY - first), AT - (MONDAY - second)
    _absent(engine, {"T00006": (first, first)}, first_at)
    settle(engine, first_at)
    with transaction(engine) as session:
        confirm_and_publish(session, proposed(session), now=first_at, config=CONFIG)
    _absent(engine, {"T00006": (second, second), "T00022": (second, second)}, second_at)
    before = _feeds(engine, second_at, CONFIG, full=None)
    passed = [e for e in before["teacher", "T00006"][2].events() if e.cancelled and e.start[:8] < f"{second:%Y%m%d}"]
    assert passed  # the first day's cancelled lessons are still there

    confirmed = _feeds(engine, second_at, CONFIG, full=False)
    full = _feeds(engine, second_at, CONFIG, full=True)
    changed = _differing(before, confirmed)
    assert ("teacher", "T00006") in changed
    assert {key: confirmed[key] for key in changed} == {key: full[key] for key in changed}
    assert not [e for e in confirmed["teacher", "T00006"][2].events() if e.cancelled and e.start[:8] < f"{second:%Y%m%d}"]
