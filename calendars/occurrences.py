"""From a plan's weekly pattern and the school calendar to the dated events of every feed.

A plan says what happens on a weekday; the school calendar says which dates are
school days and which weekday's timetable each follows (a make-up Saturday
follows, say, Wednesday). Each feed sees an activity from where its owner is:
a remote class and its assistant see the co-teaching lesson at their own
campus and by their own bell, so the same activity can have different times and
places in different feeds. Everything an event shows apart from its date is
fixed per weekly slot, which is what lets a county's millions of occurrences be
rendered from a few thousand templates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from calendars import wording
from calendars.render import EventContent, RenderError, template
from calendars.travel import Trip, day_stops, hhmm, trips
from scheduler.dataset.schema import Dataset
from scheduler.dataset.travel import TravelTimes
from scheduler.plan_document import Activity as PlannedActivity
from scheduler.school_calendar import SchoolDay

ONLINE = "online"

FeedKey = tuple[str, str]  # (kind, code): ("teacher", "T0001"), ("class", ...), ("campus", ...), ("community", ...)

ACTIVITY_NAMES = {"lesson": "课", "coteach": "同步课堂", "research": "联合教研", "travel": "路程"}


@dataclass(frozen=True)
class Segment:
    """One place and clock time of an activity, with the classes in that room and who is there."""

    campus: str
    start: str
    end: str
    classes: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]  # (teacher code, teach | lead | assist | attend)


@dataclass(frozen=True)
class Activity:
    """One entry of a plan's `activities` as segments (place, time, who), its lead (or only) segment first."""

    kind: str
    code: str
    subject: str
    day: str
    segments: tuple[Segment, ...]
    label: str = ""  # a dated override's title prefix: 【代课】, 【自习】, 【调课】

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(c for s in self.segments for c in s.classes)

    @property
    def teacher_codes(self) -> tuple[str, ...]:
        return tuple(t for s in self.segments for t, _ in s.roles)

    @property
    def teachers_value(self) -> tuple[str, ...]:
        """X-TONGPAN-TEACHERS: the lead first, then `assistant=` codes for co-teaching."""
        return tuple(f"assistant={t}" if role == "assist" else t
                     for s in self.segments for t, role in s.roles)

    @classmethod
    def of(cls, entry: PlannedActivity) -> Activity:
        if entry.kind == "coteach":
            remotes = entry.remote or []
            remote_classes = {r.class_ for r in remotes}
            lead_classes = tuple(c for c in entry.classes if c not in remote_classes)
            segments = (Segment(entry.campus, entry.start, entry.end, lead_classes,
                                tuple((t, "lead") for t in entry.teachers)),
                        *(Segment(r.campus, r.start, r.end, (r.class_,),
                                  ((r.assistant, "assist"),) if r.assistant else ())
                          for r in remotes))
        else:
            role = "teach" if entry.kind == "lesson" else "attend"
            segments = (Segment(entry.campus, entry.start, entry.end, tuple(entry.classes),
                                tuple((t, role) for t in entry.teachers)),)
        return cls(entry.kind, entry.code, entry.subject, entry.day, segments)


@dataclass(frozen=True)
class WeeklyEvent:
    """What one feed shows of one activity on every school day that follows `day`."""

    feed: FeedKey
    uid_prefix: str  # "{kind}.{activity-code}"
    start: str  # HHMM, the feed's own local start
    end: str
    content: EventContent


class Occurrence(NamedTuple):
    """One dated event of one feed; times are local `YYYYMMDDTHHMMSS` in the county timezone.

    A named tuple, not a dataclass: a county publishes millions of them.
    """

    uid: str
    start: str
    end: str
    template: str  # the rendered fixed lines of its EventContent


class Directory:
    """Names and memberships one community's feeds need, looked up once per publication."""

    def __init__(self, ds: Dataset, community: str) -> None:
        found = [c for c in ds.communities if c.code == community]
        if not found:
            raise LookupError(f"没有教共体 {community}")
        self.community = found[0]
        self.county = ds.county.code
        self.timezone = ds.county.timezone
        self.settings = ds.county.feed_settings
        schools = {self.community.core_school, *self.community.members}
        self.subjects = {s.code: s.name for s in ds.subjects}
        self.campuses = {c.code: c.name for s in ds.schools for c in s.campuses}
        # Before a class name a campus reads as its school's short name (武康), plus the campus's own
        # part when the school has several (新市东校区).
        self.short_places = {c.code: wording.short_school(s.name) + ("" if len(s.campuses) == 1
                                                                     else c.name.removeprefix(s.name))
                             for s in ds.schools for c in s.campuses}
        self.addresses = {c.code: c.address for s in ds.schools for c in s.campuses if c.address}
        bells = {b.code: {p.start: p.n for p in b.periods} for b in ds.bell_schedules}
        self.bells = {c.code: bells.get(c.bell_schedule, {}) for s in ds.schools for c in s.campuses}
        self.teachers = {t.code: t.name for t in ds.teachers}
        self.home = {t.code: t.campus for t in ds.teachers}
        self.classes = {c.code: c.name for c in ds.classes}
        self.groups = {g.code: g.name for g in ds.research_groups}
        self.links = {**{c.code: c.meeting_url for c in ds.coteaching if c.meeting_url},
                      **{g.code: g.meeting_url for g in ds.research_groups if g.meeting_url}}
        self.travel = TravelTimes.of(ds)
        campus_names = {c.code: c.name for s in ds.schools if s.code in schools for c in s.campuses}
        self.owners: dict[FeedKey, str] = {
            **{("teacher", t.code): t.name for t in ds.teachers if t.school in schools},
            **{("class", c.code): f"{c.name}（{campus_names[c.campus]}）"
               for c in ds.classes if c.campus in campus_names},
            **{("campus", code): name for code, name in campus_names.items()},
            ("community", self.community.code): self.community.name,
        }

    def subject(self, code: str) -> str:
        """The short name teachers use: `艺术·音乐` reads `音乐` in a title."""
        return self.subjects.get(code, code).rsplit("·", 1)[-1]

    def place(self, campus: str) -> str:
        return "线上" if campus == ONLINE else self.campuses.get(campus, campus)

    def short_place(self, campus: str) -> str:
        """The school (and campus) as said before a class name: `武康` in `武康五(1)班`."""
        return self.short_places.get(campus, campus)

    def period(self, campus: str, start: str) -> int | None:
        """The period number of a start time on the campus's bell, if it is one."""
        return self.bells.get(campus, {}).get(start)

    def group_title(self, code: str) -> str:
        """`低段数学联合教研` reads `低段数学` after the 【联合教研】 label."""
        name = self.groups.get(code, code)
        return name.removesuffix("联合教研") or name


Shown = list[tuple[Segment, str | None]]  # the segments a feed shows at one start, with the owner's role


def shared_at_campus(a: Activity, segment: Segment, home: dict[str, str]) -> bool:
    """Whether a campus feed shows this segment: the shared teaching that happens there.

    A campus office needs what it does not run itself: co-teaching lessons its
    classes take part in, research meetings it hosts, and lessons given by
    teachers who come from another campus (走教). Its own teachers' lessons are
    in their class and teacher feeds; all of them would make a campus feed of
    several megabytes a term (see docs/decisions.md).
    """
    if segment.campus == ONLINE:
        return False
    return a.kind != "lesson" or any(home.get(t, segment.campus) != segment.campus for t, _ in segment.roles)


def _appearances(a: Activity, owners: dict[FeedKey, str], home: dict[str, str]) -> dict[tuple[FeedKey, str], Shown]:
    """Which feeds show the activity, at which own start, from which segments (and in which role).

    Segments of one activity that meet in one feed at one start (two classes of
    a campus joining the same co-teaching lesson) become one event there.
    """
    seen: dict[tuple[FeedKey, str], Shown] = defaultdict(list)

    def show(feed: FeedKey, segment: Segment, role: str | None = None) -> None:
        if feed in owners:
            seen[feed, segment.start].append((segment, role))

    for segment in a.segments:
        for teacher, role in segment.roles:
            show(("teacher", teacher), segment, role)
        for cls in segment.classes:
            show(("class", cls), segment)
        if shared_at_campus(a, segment, home):
            show(("campus", segment.campus), segment)
    return seen


def joined_doubles(activities: Iterable[PlannedActivity]) -> list[PlannedActivity]:
    """The week with each double (连堂) as one activity: its first lesson, ending when its second ends.

    A calendar shows a double as one event of the double's span, so a teacher
    sees 08:00–09:40 once rather than two events with a break between them.
    """
    acts = list(activities)
    seconds: dict[tuple[str, str, tuple[str, ...]], list[PlannedActivity]] = defaultdict(list)
    for a in acts:
        if a.double == "second":
            seconds[a.code, a.day, tuple(a.classes)].append(a)
    joined: list[PlannedActivity] = []
    for a in acts:
        if a.double == "second":
            continue
        later = [b for b in seconds.get((a.code, a.day, tuple(a.classes)), []) if b.start >= a.end]
        if a.double != "first" or not later:
            joined.append(a)
            continue
        second = min(later, key=lambda b: b.start)
        seconds[a.code, a.day, tuple(a.classes)].remove(second)
        ends = {r.class_: r.end for r in second.remote or []}
        remote = [r.model_copy(update={"end": ends.get(r.class_, r.end)}) for r in a.remote] if a.remote else None
        joined.append(a.model_copy(update={"end": second.end, "remote": remote}))
    joined.extend(b for rest in seconds.values() for b in rest)  # a second without its first stays an event
    return joined


Taught = dict[str, set[str]]  # teacher code -> the campuses she is at in person in a plan's week


def campuses_taught(activities: Iterable[PlannedActivity]) -> Taught:
    """The campuses each teacher is at in person during the week of a plan (all its activities): an
    activity's campus for its teachers, and for co-teaching each remote campus for its assistant."""
    found: Taught = defaultdict(set)
    for entry in activities:
        remote = entry.remote or [] if entry.kind == "coteach" else []
        for campus, teachers in [(entry.campus, entry.teachers), *((r.campus, [r.assistant]) for r in remote
                                                                    if r.assistant)]:
            if campus != ONLINE:
                for teacher in teachers:
                    found[teacher].add(campus)
    return found


def feeds_showing(d: Directory, activities: Iterable[PlannedActivity]) -> set[FeedKey]:
    """Every feed `weekly_events` shows any of the activities in (or their travel), without wording them."""
    found: set[FeedKey] = set()
    for entry in activities:
        a = Activity.of(entry)
        found.update(feed for feed, _ in _appearances(a, d.owners, d.home))
        if a.kind != "lesson":
            found.add(("community", d.community.code))
    return found


def _several_campuses(a: Activity, taught: Taught) -> bool:
    """Whether a lesson's title names its campus: one of its teachers is at several campuses in the
    plan's week, this lesson's campus included (so a cover at another campus names it too)."""
    here = {s.campus for s in a.segments if s.campus != ONLINE}
    return a.kind == "lesson" and any(len(taught.get(t, set()) | here) > 1 for t in a.teacher_codes)


def weekly_events(d: Directory, activities: Iterable[PlannedActivity],
                  meeting_link: Callable[[str], str | None],
                  labels: dict[tuple[str, str, str], str] | None = None,
                  taught: Taught | None = None) -> dict[str, list[WeeklyEvent]]:
    """Every feed's view of a plan's weekly pattern, by weekday (`mon` … `sun`), travel included.

    `labels` puts a dated override's title prefix (【代课】, 【自习】, 【调课】) on
    the activities it names by (kind, code, start). `taught` is the plan's
    `campuses_taught`, given when `activities` are only part of its week (one
    day with its overrides, the lessons of some feeds): a title depends on
    the whole week, never on which part is being rendered. Without it the
    activities are taken as the whole week.
    """
    community_feed: FeedKey = ("community", d.community.code)
    entries = list(activities)
    if taught is None:
        taught = campuses_taught(entries)
    plan = []
    for entry in joined_doubles(entries):
        a = Activity.of(entry)
        if labels and (label := labels.get((a.kind, a.code, entry.start))):
            a = replace(a, label=label)
        plan.append(a)
    by_day: dict[str, list[WeeklyEvent]] = defaultdict(list)
    for a in plan:
        online = a.kind == "coteach" or (a.kind == "research" and a.segments[0].campus == ONLINE)
        url = meeting_link(a.code) if online else None
        multi = _several_campuses(a, taught)
        title = wording.summary(d, a, multi)
        appearances = _appearances(a, d.owners, d.home)
        if a.kind != "lesson":
            appearances[community_feed, a.segments[0].start] = [(a.segments[0], None)]
        for (feed, start), shown in appearances.items():
            campuses = list(dict.fromkeys(s.campus for s, _ in shown))
            role = shown[0][1]
            content = EventContent(
                summary=title, location=wording.location(d, campuses, url),
                description=wording.description(d, a, shown[0][0], role, url, online),
                url=url, kind=a.kind, community=d.community.code, campus=campuses[0], subject=a.subject,
                classes=a.classes, teachers=a.teachers_value, role=role)
            end = max(s.end for s, _ in shown)
            by_day[a.day].append(WeeklyEvent(feed, f"{a.kind}.{a.code}", start.replace(":", ""),
                                             end.replace(":", ""), content))
    if d.settings.travel_events:
        for trip in _trips(d, plan):
            by_day[trip.day].append(_travel_event(d, trip))
    return by_day


def _trips(d: Directory, plan: list[Activity]) -> list[Trip]:
    stops = ((t, a.day, s.start, s.end, s.campus, a.code) for a in plan for s in a.segments for t, _ in s.roles
             if ("teacher", t) in d.owners)
    return trips(day_stops(stops), d.travel)


def _travel_event(d: Directory, trip: Trip) -> WeeklyEvent:
    """The 【路程】 event of a trip, in the teacher's feed only."""
    start, end = hhmm(trip.start), hhmm(trip.end)
    origin, destination = d.place(trip.origin), d.place(trip.destination)
    address = d.addresses.get(trip.destination)
    lines = [f"{start}–{end}，约 {trip.minutes} 分钟",
             f"从 {origin} 到 {destination}" + (f"（{address}）" if address else "")]
    content = EventContent(
        summary=f"{wording.KIND_LABELS['travel']}{origin} → {destination}", location=destination,
        description="\n".join(lines), url=None, kind="travel", community=d.community.code,
        campus=trip.destination, subject="", classes=(), teachers=(trip.teacher,), role="travel",
        transparent=True)
    return WeeklyEvent(("teacher", trip.teacher), f"travel.{trip.teacher}.{trip.before}",
                       start.replace(":", ""), end.replace(":", ""), content)


def _template(event: WeeklyEvent) -> str:
    try:
        return template(event.content)
    except RenderError as exc:
        kind, _, code = event.uid_prefix.partition(".")
        exc.where = f"{ACTIVITY_NAMES.get(kind, kind)} {code}（{event.content.summary}）"
        raise


def dated_occurrences(weekly: dict[str, list[WeeklyEvent]], days: Iterable[SchoolDay],
                      county: str) -> dict[FeedKey, list[Occurrence]]:
    """Each feed's dated events over a term: nothing on a day off, a make-up day as the weekday it follows."""
    suffix = f"@{county}.tongpan"
    rendered = {day: [(w.feed, w.uid_prefix, w.start, w.end, _template(w)) for w in events]
                for day, events in weekly.items()}
    feeds: dict[FeedKey, list[Occurrence]] = defaultdict(list)
    for day in days:
        ymd = day.date.strftime("%Y%m%d")
        for feed, prefix, start, end, text in rendered.get(day.follows, ()):
            feeds[feed].append(Occurrence(f"{prefix}.{ymd}.{start}{suffix}", f"{ymd}T{start}00",
                                          f"{ymd}T{end}00", text))
    return feeds
