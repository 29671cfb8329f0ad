"""A generated community with a small hand-made weekly plan, for the feed tests.

The plan is tiny on purpose (a few lessons, one co-teaching link across three
campuses with two different bells, one research meeting at a host campus and
one online) so every feed can be read back by three parsers in seconds, and
so the tests can state independently which feed must show what.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date, datetime, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import Engine, select

from calendars.config import FeedConfig
from calendars.models import Feed
from calendars.publish import PublishResult, publish
from calendars.window import window_start
from scheduler.dataset.store import stored_revision
from scheduler.dataset.schema import Dataset
from scheduler.dataset.store import apply
from scheduler.dataset.terms import term_calendar
from scheduler.db import transaction
from scheduler.generate import generate_community_dataset
from scheduler.plan_document import read_plan
from scheduler.plans import store_plan
from scheduler.school_calendar import school_days

COMMUNITY, TERM, COUNTY = "DQ-C01", "2026-1", "330521"
LEAD_CLASS, REMOTE_B, REMOTE_C = "DQ-S001-A-3-1", "DQ-S002-A-3-1", "DQ-S003-A-3-1"
CONFIG = FeedConfig(secret="test-secret-not-for-production", meeting_url="https://meet.example.cn/{activity}/{key}")
BEFORE_TERM = datetime(2026, 8, 25, 2, 0, tzinfo=timezone.utc)


@cache
def dataset() -> Dataset:
    return Dataset.model_validate(generate_community_dataset("S", seed=1))


def load(engine: Engine) -> None:
    with transaction(engine) as session:
        apply(session, dataset(), "generated")


def _period(campus: str, n: int) -> tuple[str, str]:
    ds = dataset()
    bell_code = next(c.bell_schedule for s in ds.schools for c in s.campuses if c.code == campus)
    bell = next(b for b in ds.bell_schedules if b.code == bell_code)
    period = next(p for p in bell.periods if p.n == n)
    return period.start, period.end


def _teacher(campus: str | None, subject: str, grade: int = 3, skip: tuple[str, ...] = ()) -> str:
    return next(t.code for t in dataset().teachers
                if (campus is None or t.campus == campus) and t.code not in skip
                and any(q.subject == subject and grade in q.grades for q in t.subjects))


class People:
    """The teachers the plan uses, found by qualification so the test does not hard-code rosters."""

    yw = _teacher("DQ-S001-A", "YW")
    sx = _teacher("DQ-S002-A", "SX")
    sx_other = _teacher("DQ-S001-A", "SX")
    assistant_c = next(t.code for t in dataset().teachers if t.campus == "DQ-S003-A")
    travelling = _teacher("DQ-S001-A", "YY")  # teaches English at a rural campus (走教)
    link = next(c for c in dataset().coteaching if c.lead_class == LEAD_CLASS)
    lead = link.lead_teacher


def _lesson(cls: str, campus: str, subject: str, day: str, n: int, teacher: str) -> dict[str, Any]:
    start, end = _period(campus, n)
    return {"kind": "lesson", "code": f"{cls}.{subject}", "subject": subject, "day": day, "start": start,
            "end": end, "campus": campus, "classes": [cls], "teachers": [teacher]}


def base_plan() -> list[dict[str, Any]]:
    link = People.link
    start, end = _period("DQ-S001-A", 3)
    remote = []
    for cls, campus, assistant in ((REMOTE_B, "DQ-S002-A", People.sx), (REMOTE_C, "DQ-S003-A", People.assistant_c)):
        r_start, r_end = _period(campus, 3)
        remote.append({"class": cls, "campus": campus, "start": r_start, "end": r_end, "assistant": assistant})
    return [
        _lesson(LEAD_CLASS, "DQ-S001-A", "YW", "mon", 1, People.yw),
        _lesson(LEAD_CLASS, "DQ-S001-A", "YW", "wed", 1, People.yw),
        _lesson(REMOTE_B, "DQ-S002-A", "SX", "wed", 2, People.sx),
        {"kind": "coteach", "code": link.code, "subject": link.subject, "day": "thu", "start": start, "end": end,
         "campus": "DQ-S001-A", "classes": [LEAD_CLASS, REMOTE_B, REMOTE_C], "teachers": [People.lead],
         "remote": remote},
        {"kind": "research", "code": "DQ-C01-RG-SX-high", "subject": "SX", "day": "tue", "start": "15:15",
         "end": "16:15", "campus": "DQ-S001-A", "classes": [], "teachers": [People.yw, People.lead]},
        {"kind": "research", "code": "DQ-C01-RG-YY-all", "subject": "YY", "day": "fri", "start": "15:15",
         "end": "16:15", "campus": "online", "classes": [], "teachers": [People.sx, People.assistant_c]},
        _lesson(REMOTE_C, "DQ-S003-A", "YY", "tue", 2, People.travelling),
    ]


def moved(plan: list[dict[str, Any]], index: int, **changes: Any) -> list[dict[str, Any]]:
    """A copy of the plan with one activity changed (e.g. start/end, teachers)."""
    plan = copy.deepcopy(plan)
    plan[index].update(changes)
    return plan


def store_and_publish(engine: Engine, activities: list[dict[str, Any]], at: datetime,
                      config: FeedConfig = CONFIG) -> PublishResult:
    with transaction(engine) as session:
        plan = store_plan(session, COMMUNITY, TERM, read_plan({"activities": activities}),
                          dataset_revision=stored_revision(session))
        return publish(session, COMMUNITY, TERM, plan.version, config=config, now=at)


def republish(engine: Engine, version: int, at: datetime) -> PublishResult:
    with transaction(engine) as session:
        return publish(session, COMMUNITY, TERM, version, config=CONFIG, now=at)


def stored_feeds(engine: Engine) -> dict[tuple[str, str], tuple[str, bytes]]:
    """Every stored feed as (kind, code) -> (etag, body)."""
    with transaction(engine) as session:
        rows = session.execute(select(Feed.kind, Feed.code, Feed.etag, Feed.body)).all()
    return {(kind, code): (etag, body) for kind, code, etag, body in rows}


def travel_counts(feeds: dict[tuple[str, str], tuple[str, bytes]]) -> Counter[tuple[str, str]]:
    """【路程】 events per feed (teacher feeds only), which the plan's activities do not list."""
    found: Counter[tuple[str, str]] = Counter()
    for key, (_, body) in feeds.items():
        if key[0] == "teacher":
            found[key] = sum(str(e["X-TONGPAN-KIND"]) == "travel" for e in Calendar.from_ical(body).walk("VEVENT"))
        else:
            assert b"X-TONGPAN-KIND:travel" not in body, key
    return +found


def home_campus(teacher: str) -> str:
    return next(t.campus for t in dataset().teachers if t.code == teacher)


def cut_feeds(engine: Engine) -> set[tuple[str, str]]:
    """Feeds whose window the size limit cut short (they show fewer weeks ahead than the term has)."""
    with transaction(engine) as session:
        return {(f.kind, f.code) for f in session.scalars(select(Feed).where(Feed.window_end.is_not(None)))}


@cache
def school_day_counts(since: date | None = None) -> Counter[str]:
    """How many school days of the term (from `since` on) follow each weekday's timetable."""
    term = next(t for t in dataset().terms if t.code == TERM)
    return Counter(d.follows for d in school_days(term_calendar(term)) if since is None or d.date >= since)


def window_today() -> date:
    """The first day a feed published now shows (the window starts on last week's Monday)."""
    return window_start(datetime.now(ZoneInfo("Asia/Shanghai")).date())


def expected_counts(plan: list[dict[str, Any]], since: date | None = None) -> Counter[tuple[str, str]]:
    """Dated occurrences per feed from `since` on, worked out from the spec's membership rules (no merging
    occurs here)."""
    want: Counter[tuple[str, str]] = Counter()
    for a in plan:
        remote = a.get("remote", [])
        remote_classes = {r["class"] for r in remote}
        segments = [(a["campus"], [c for c in a["classes"] if c not in remote_classes], a["teachers"])]
        segments += [(r["campus"], [r["class"]], [r["assistant"]]) for r in remote]
        feeds = {("community", COMMUNITY)} if a["kind"] != "lesson" else set()
        for campus, classes, teachers in segments:
            feeds |= {("teacher", t) for t in teachers} | {("class", c) for c in classes}
            # A campus feed: co-teaching and research there, and lessons of teachers from elsewhere.
            visiting = any(home_campus(t) != campus for t in teachers)
            if campus != "online" and (a["kind"] != "lesson" or visiting):
                feeds.add(("campus", campus))
        for feed in feeds:
            want[feed] += school_day_counts(since)[a["day"]]
    return want


def check_format(body: bytes) -> None:
    """CRLF only, folded at 75 octets without splitting a character, nothing before BEGIN:VCALENDAR."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
        assert "\ufffd" not in line.decode("utf-8")  # strict decode: a split character would raise here


def events(body: bytes) -> dict[str, Any]:
    """VEVENTs of a feed by UID."""
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


TERM_SPAN = (date(2026, 9, 1), date(2027, 1, 23))
