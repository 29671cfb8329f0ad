"""Publishing a plan version: move the published pointer and re-render the community's feeds, in one transaction.

Every feed of the community is recomputed, but only feeds whose bytes change
are written: republishing the same plan changes nothing a client can see, and
a regeneration that moves one lesson touches only the feeds of the people,
classes and places involved. Bytes and their gzip are stored here so that
serving never renders.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, defer

from calendars.config import FeedConfig
from calendars.models import KIND_NAMES, Feed, FeedChange
from calendars.occurrences import (
    Directory, FeedKey, Occurrence, WeeklyEvent, campuses_taught, dated_occurrences, feeds_showing, weekly_events,
)
from calendars.render import RenderError, calendar_head
from calendars.state import DatedState, FeedState
from calendars.tokens import current_token, meeting_key, server_secret
from calendars.window import window_start
from scheduler.dataset.schema import Dataset
from scheduler.dataset.store import StoredDataset, StoredDatasetInvalid, load_dataset_whole, load_stored_whole
from scheduler.dataset.terms import term_calendar
from scheduler.dated import many_small_objects
from scheduler.models import County, PlanPublication, PlanVersion
from scheduler.covers.overrides import apply_changes, confirmed_changes
from scheduler.plan_document import Activity as PlannedActivity
from scheduler.plans import (
    default_effective_date, find_version, plans_by_date, publications, published_version, record_publication,
    set_published, stored_document,
)
from scheduler.recheck import Recheck, recheck
from scheduler.school_calendar import SchoolDay, school_days


# Feeds are rewritten at every publication and most requests are 304s: level 3
# gives gzip within a third of level 6's size (22x against 30x) in half the time.
GZIP_LEVEL = 3


class PublishError(ValueError):
    """The plan cannot be published as asked (no dataset, unknown community or term)."""


class PublishRefused(PublishError):
    """The version was solved from other data and breaks a hard rule on the current data."""

    def __init__(self, verdict: Recheck) -> None:
        self.verdict = verdict
        super().__init__(f"{verdict.describe()}：未通过独立校验（{len(verdict.violations)} 处违反硬性规则），未发布；"
                         "请按当前数据重新排课（tongpan solve 或 tongpan regenerate）")


@dataclass(frozen=True)
class PublishResult:
    community: str
    term: str
    version: int
    previous_version: int | None
    published_at: datetime
    effective_from: date
    feeds_changed: int
    feeds_unchanged: int
    occurrences: int  # dated events of this plan over the term, summed over the feeds showing them
    over_limit: tuple[FeedKey, ...] = ()  # feeds whose shortest window still passes the size limit
    verdict: Recheck | None = None  # which data the version was solved from and judged by


def calendar_name(kind: str, owner: str) -> str:
    """The calendar's name in the teacher's app."""
    return {"teacher": f"{owner}的课表", "community": f"{owner} 同步课堂与联合教研"}.get(kind, f"{owner} 课表")


def meeting_links(directory: Directory, config: FeedConfig, secret: bytes) -> Callable[[str], str | None]:
    """The meeting link of an online activity: its own (co-teaching link or research group), else the
    county's template (the dataset's, else TONGPAN_MEETING_URL), else none (线上（会议链接由学校提供）)."""
    template = directory.settings.meeting_url or config.meeting_url
    county, community = directory.county, directory.community.code

    def link(activity: str) -> str | None:
        own = directory.links.get(activity)
        if own or not template:
            return own
        return template.format(county=county, community=community, activity=activity,
                               key=meeting_key(secret, county, activity))
    return link


def _store(feed: Feed, state: FeedState | DatedState, tzid: str, now: datetime, today: date,
           config: FeedConfig) -> tuple[bool, bool]:
    """Render the feed's window from its state and keep it if its bytes changed.

    Returns (bytes changed, over the size limit even in the shortest window).
    The window is stored whether or not the bytes changed, so the nightly
    refresh knows which feeds a new week moves.
    """
    rendered = state.render(tzid, today, config.max_bytes)
    feed.window_start, feed.window_end = rendered.start, rendered.end
    etag = hashlib.sha256(rendered.body).hexdigest()[:32]
    if etag == feed.etag:
        return False, rendered.over_limit
    body = rendered.body
    feed.etag, feed.modified_at = etag, now
    feed.state, feed.body_gzip, feed.body = state.dumps(), gzip.compress(body, GZIP_LEVEL, mtime=0), body
    return True, rendered.over_limit


def _local_today(now: datetime, tzid: str) -> date:
    return now.astimezone(ZoneInfo(tzid)).date()


def refresh_feeds(session: Session, *, now: datetime | None = None, config: FeedConfig | None = None) -> int:
    """The nightly refresh: move every feed's window and drop cancelled events whose date has passed.

    Returns the feeds whose bytes changed. Publication does the same for the
    feeds it touches; this keeps the feeds of communities that publish nothing
    for a while current. A feed whose window did not move and that dropped
    nothing is not rendered at all.
    """
    config = config or FeedConfig.from_env()
    now = now or datetime.now(timezone.utc)
    tzid = session.scalar(select(County.timezone)) or "Asia/Shanghai"
    today = _local_today(now, tzid)
    ymd, start = today.strftime("%Y%m%d"), window_start(today)
    changed = 0
    with many_small_objects():
        for feed in session.scalars(select(Feed).options(defer(Feed.body), defer(Feed.body_gzip))
                                    .execution_options(yield_per=100)):
            state = FeedState.loads(feed.state)
            dropped = state.drop_passed(ymd)
            if (dropped or feed.window_start != start) and _store(feed, state, tzid, now, today, config)[0]:
                changed += 1
        session.flush()
    # Web processes only compare the newest id: keep it, forget the rest.
    newest = session.scalar(select(func.max(FeedChange.id)))
    if newest is not None:
        session.execute(delete(FeedChange).where(FeedChange.id < newest))
    return changed


def _feeds(session: Session, community: str, owners: dict[FeedKey, str],
           only: set[FeedKey] | None = None) -> dict[FeedKey, Feed]:
    """The community's stored feeds and any stored feed of its current owners, without their bytes;
    with `only`, just those of them it names, with their bytes (what `DatedState` reuses)."""
    by_kind: dict[str, list[str]] = {}
    for kind, code in owners if only is None else only:
        by_kind.setdefault(kind, []).append(code)
    named = [(Feed.kind == kind) & Feed.code.in_(codes) for kind, codes in by_kind.items()]
    if only is None:
        query = select(Feed).options(defer(Feed.body), defer(Feed.body_gzip)).where(
            or_(Feed.community_code == community, *named))
    elif not named:
        return {}
    else:
        query = select(Feed).options(defer(Feed.body_gzip)).where(or_(*named))
    return {(f.kind, f.code): f for f in session.scalars(query)
            if f.community_code == community or (f.kind, f.code) in owners}


def publish(session: Session, community: str, term: str, version: int | None = None, *,
            config: FeedConfig | None = None, now: datetime | None = None,
            dataset: StoredDataset | None = None, effective_from: date | None = None) -> PublishResult:
    """Make a plan version (the latest when `version` is None) the published one and render its feeds.

    The version applies from `effective_from` (default: the next school day,
    or the term's start when the term has not begun or was never published);
    dated occurrences before it keep what earlier publications gave them.
    `now` is the publication time (stamps, and what "passed" means for
    cancelled events); `dataset` is the stored dataset as the caller read it
    (a job passes the one it solved from; publishing many communities reads it
    once), else it is read here. A version solved from data of another
    revision is judged again on this data first (scheduler.recheck).
    Raises scheduler.plans.PlanNotFound for a missing or unpublishable
    version, PublishRefused when the re-check finds violations, PublishError
    for a missing dataset, community or term or an effective date in the
    past, and
    scheduler.school_calendar.CalendarError for a term whose school days are
    unknown.
    """
    config = config or FeedConfig.from_env()
    now = now or datetime.now(timezone.utc)
    try:
        stored = dataset or load_stored_whole(session)
    except StoredDatasetInvalid as exc:
        raise PublishError(str(exc)) from None
    if stored is None:
        raise PublishError("数据库中还没有数据，请先 tongpan import")
    ds = stored.dataset
    stored_term = next((t for t in ds.terms if t.code == term), None)
    if stored_term is None:
        raise PublishError(f"没有学期 {term}")
    try:
        directory = Directory(ds, community)
    except LookupError as exc:
        raise PublishError(str(exc)) from None
    days = school_days(term_calendar(stored_term))
    plan = find_version(session, community, term, version)
    verdict = recheck(stored, plan)
    if verdict.violations:
        raise PublishRefused(verdict)
    history = publications(session, community, term)
    today = now.astimezone(ZoneInfo(directory.timezone)).date()
    if effective_from is None:
        effective_from = default_effective_date(days, stored_term.start, today, not history)
    elif history and effective_from < today:
        raise PublishError(f"生效日期 {effective_from.isoformat()} 早于今天（{today.isoformat()}）："
                           "已经过去的课表不能改写，请从今天或以后的日期生效")
    previous = set_published(session, plan)
    history.append(record_publication(session, plan, effective_from, now))
    secret = server_secret(session, config)
    with many_small_objects():
        try:
            occurrences, labels = plan_occurrences(session, directory, term, history, days,
                                                   meeting_links(directory, config, secret))
            frozen_before = min(today, effective_from).strftime("%Y%m%d")
            changed, total, over = _write_feeds(session, directory, term, occurrences, secret, config, now,
                                                frozen_before, labels)
        except RenderError as exc:
            raise PublishError(exc.describe()) from exc
    return PublishResult(community, term, plan.version, previous.version if previous else None, now,
                         effective_from, changed, total - changed, sum(len(o) for o in occurrences.values()),
                         over, verdict)


Labels = dict[tuple[str, str], str]  # ("{kind}.{code}", YYYYMMDD) -> title of its cancelled events


def plan_occurrences(session: Session, directory: Directory, term: str, history: list[PlanPublication],
                     days: list[SchoolDay], meeting_link: Callable[[str], str | None],
                     only: set[FeedKey] | None = None, documents: Documents | None = None
                     ) -> tuple[dict[FeedKey, list[Occurrence]], Labels]:
    """Every feed's dated occurrences over the term, each date from the plan that applies on it, with the
    confirmed dated overrides (covers, swaps, cancellations) of that plan applied; and the title each
    occurrence an override removes carries once cancelled (【代课】, 【已调课】, 【停课】…)."""
    by_date: dict[str, list[dict[str, Any]]] = {}
    for change in confirmed_changes(session, directory.community.code, term):
        by_date.setdefault(change["date"], []).append(change)
    feeds: dict[FeedKey, list[Occurrence]] = {}
    labels: Labels = {}

    def add(found: dict[FeedKey, list[Occurrence]]) -> None:
        for feed, occurrences in found.items():
            feeds.setdefault(feed, []).extend(occurrences)

    documents = documents if documents is not None else {}
    for plan_id, dated in plans_by_date(history, days).items():
        activities = _activities(session, plan_id, documents)
        taught = campuses_taught(activities)
        followed = {d.follows for d in dated}  # a weekday no date follows yields no occurrence
        activities = [a for a in activities if a.day in followed and (only is None or _shows_in(a, only, directory))]
        overridden = [d for d in dated if any(c.get("plan") == plan_id for c in by_date.get(d.date.isoformat(), ()))]
        plain = [d for d in dated if d not in overridden] if overridden else dated
        if plain:
            add(dated_occurrences(_only(weekly_events(directory, activities, meeting_link, taught=taught), only),
                                  plain, directory.county))
        for day in overridden:
            changes = [c for c in by_date[day.date.isoformat()] if c.get("plan") == plan_id]
            entries = apply_changes([a.to_json() for a in activities if a.day == day.follows], changes,
                                    day.date, day.follows, plan_id)
            titled = {(e["kind"], e["code"], e["start"]): e.pop("label") for e in entries if e.get("label")}
            typed = [PlannedActivity.model_validate(e) for e in entries]
            add(dated_occurrences(_only(weekly_events(directory, typed, meeting_link, titled, taught), only),
                                  [day], directory.county))
            ymd = day.date.strftime("%Y%m%d")
            for c in changes:
                if c.get("remove") and c.get("label"):
                    labels[f"{c['remove']['kind']}.{c['remove']['code']}", ymd] = c["label"]
    return feeds, labels


Documents = dict[int, list[PlannedActivity]]  # plan version id -> its typed activities, read once per call


def _activities(session: Session, plan_id: int, documents: Documents) -> list[PlannedActivity]:
    if plan_id not in documents:
        plan = session.get(PlanVersion, plan_id)
        documents[plan_id] = stored_document(plan).activities if plan is not None else []
    return documents[plan_id]


def _shows_in(a: PlannedActivity, only: set[FeedKey], directory: Directory) -> bool:
    """Whether an activity can appear in any of the feeds `only` names (a cheap superset test; a campus
    feed holds no lesson its own teachers give, see `shared_at_campus`)."""
    teachers = [*a.teachers, *(r.assistant for r in a.remote or () if r.assistant)]
    classes = [*a.classes, *(r.class_ for r in a.remote or ())]
    campuses = [a.campus, *(r.campus for r in a.remote or ())]
    shared = a.kind != "lesson" or any(directory.home.get(t, a.campus) != a.campus for t in a.teachers)
    return (any(("teacher", t) in only for t in teachers) or any(("class", c) in only for c in classes)
            or (shared and any(("campus", c) in only for c in campuses))
            or (a.kind != "lesson" and ("community", directory.community.code) in only))


def _only(weekly: dict[str, list[WeeklyEvent]], only: set[FeedKey] | None) -> dict[str, list[WeeklyEvent]]:
    if only is None:
        return weekly
    return {day: [w for w in events if w.feed in only] for day, events in weekly.items()}


def override_feeds(session: Session, directory: Directory, changes: list[dict[str, Any]],
                   documents: Documents) -> set[FeedKey]:
    """The feeds dated overrides can change: every feed showing what they remove or what they add."""
    entries: list[PlannedActivity] = []
    by_key: dict[int, dict[tuple[str, str, str], list[PlannedActivity]]] = {}
    for c in changes:
        removed = c.get("remove")
        if removed and c.get("plan") is not None:
            if c["plan"] not in by_key:
                by_key[c["plan"]] = defaultdict(list)
                for a in _activities(session, c["plan"], documents):
                    by_key[c["plan"]][a.kind, a.code, a.start].append(a)
            entries += by_key[c["plan"]].get((removed["kind"], removed["code"], removed["start"]), [])
        if c.get("add"):
            entries.append(PlannedActivity.model_validate({k: v for k, v in c["add"].items() if k != "label"}))
    return feeds_showing(directory, entries)


def republish(session: Session, community: str, term: str, *, config: FeedConfig | None = None,
              now: datetime | None = None, dataset: Dataset | None = None,
              changes: list[dict[str, Any]] | None = None) -> PublishResult:
    """Re-render a community's feeds for the published plans with their confirmed dated overrides.

    What confirming covers calls: no new publication, nothing before today
    changes, and every feed whose occurrences are the same keeps its bytes.
    With `changes` (the overrides just confirmed) only the feeds that show
    what they remove or add are recomputed, the others cannot change, and
    only on the dates of the changes: each of those feeds is decoded for
    those dates alone and its stored bytes spliced (`DatedState`).
    """
    config = config or FeedConfig.from_env()
    now = now or datetime.now(timezone.utc)
    ds = dataset or load_dataset_whole(session)
    if ds is None:
        raise PublishError("数据库中还没有数据，请先 tongpan import")
    stored_term = next((t for t in ds.terms if t.code == term), None)
    if stored_term is None:
        raise PublishError(f"没有学期 {term}")
    directory = Directory(ds, community)
    history = publications(session, community, term)
    current = published_version(session, community, term)
    if not history or current is None:
        raise PublishError(f"教共体 {community} 学期 {term} 还没有发布过课表")
    days = school_days(term_calendar(stored_term))
    today = now.astimezone(ZoneInfo(directory.timezone)).date()
    secret = server_secret(session, config)
    link = meeting_links(directory, config, secret)
    with many_small_objects():
        documents: Documents = {}
        only = override_feeds(session, directory, changes, documents) if changes is not None else None
        # Overrides change their own dates only: recompute those, keep every other date as it is.
        touched = {c["date"] for c in changes} if changes is not None else None
        if touched is not None:
            days = [d for d in days if d.date.isoformat() in touched]
        occurrences, labels = plan_occurrences(session, directory, term, history, days, link, only, documents)
        changed, total, over = _write_feeds(session, directory, term, occurrences, secret, config, now,
                                            today.strftime("%Y%m%d"), labels, only,
                                            {d.replace("-", "") for d in touched} if touched is not None else None)
    return PublishResult(community, term, current.version, current.version, now, today, changed, total - changed,
                         sum(len(o) for o in occurrences.values()), over)


def _write_feeds(session: Session, directory: Directory, term: str, occurrences: dict[FeedKey, list[Occurrence]],
                 secret: bytes, config: FeedConfig, now: datetime, frozen_before: str,
                 labels: Labels, only: set[FeedKey] | None = None,
                 dates: set[str] | None = None) -> tuple[int, int, tuple[FeedKey, ...]]:
    """Bring every feed of the community up to date; returns (feeds written, feeds considered, over the limit).

    Feeds of owners no longer in the dataset are kept and updated too, so their
    events are cancelled rather than left standing in subscribers' calendars.
    """
    community = directory.community.code
    stamp = int(now.timestamp())
    local_today = _local_today(now, directory.timezone)
    today, start = local_today.strftime("%Y%m%d"), window_start(local_today)
    stored = _feeds(session, community, directory.owners, only)
    keys = sorted(k for k in directory.owners.keys() | stored.keys() if only is None or k in only)
    changed = 0
    over: list[FeedKey] = []
    for kind, code in keys:
        feed = stored.get((kind, code))
        state: FeedState | DatedState
        if feed is None:
            feed = Feed(kind=kind, code=code, generation=1, token_hash="", owner_name=code)
            session.add(feed)
            state = FeedState()
        elif dates is not None and only is not None:
            state = DatedState(feed.state, feed.body, (feed.window_start, feed.window_end))
        else:
            state = FeedState.loads(feed.state)
        current_token(secret, feed)
        feed.community_code = community
        owner = directory.owners.get((kind, code), feed.owner_name)
        try:
            head = calendar_head(calendar_name(kind, owner), directory.timezone, config.refresh)
        except RenderError as exc:
            exc.where = f"{KIND_NAMES.get(kind, kind)} {code}（{owner}）"
            raise
        touched = (state.update(term, occurrences.get((kind, code), []), stamp, today, frozen_before, labels, dates)
                   or state.head != head)
        state.head = head
        feed.owner_name = owner
        if touched or feed.window_start != start:
            written, too_large = _store(feed, state, directory.timezone, now, local_today, config)
            changed += written
            if too_large:
                over.append((kind, code))
    session.flush()
    return changed, len(keys), tuple(over)
