"""【路程】 events: when a teacher who changes campus within a day has to leave.

Between two activities of a teacher at different campuses the solver leaves a
gap of at least the travel minutes, free of every activity (online ones
included: joining online is no time to travel). The travel event covers the
travel minutes at the end of the latest such gap before the next activity, so
it ends when the next activity starts wherever that gap allows, and never
overlaps anything. It is transparent (`TRANSP:TRANSPARENT`): it shows when to
leave without making the teacher look busy to schedulers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.dataset.schema import minutes
from scheduler.dataset.travel import TravelTimes

ONLINE = "online"


@dataclass(frozen=True)
class Stop:
    """One activity of a teacher's day: clock minutes, campus (or online) and activity code."""

    start: int
    end: int
    campus: str
    activity: str


@dataclass(frozen=True)
class Trip:
    teacher: str
    day: str
    start: int
    end: int
    origin: str
    destination: str
    minutes: int
    before: str  # the activity code the trip leads to


def hhmm(clock: int) -> str:
    return f"{clock // 60:02d}:{clock % 60:02d}"


def trips(days: dict[tuple[str, str], list[Stop]], travel: TravelTimes) -> list[Trip]:
    """Every campus change of every teacher's weekly days, placed in the gap before the next campus."""
    found = []
    for (teacher, day), stops in sorted(days.items()):
        ordered = sorted(stops, key=lambda s: (s.start, s.end))
        last = None  # index of the last stop at a campus (not online)
        for i, stop in enumerate(ordered):
            if stop.campus == ONLINE:
                continue
            if last is not None and ordered[last].campus != stop.campus:
                trip = _place(teacher, day, ordered, last, i, travel)
                if trip is not None:
                    found.append(trip)
            last = i
    return found


def _place(teacher: str, day: str, ordered: list[Stop], origin: int, target: int,
           travel: TravelTimes) -> Trip | None:
    """The trip in the latest free gap between stop `origin` and stop `target` that is long enough."""
    a, b = ordered[origin], ordered[target]
    needed = travel.minutes(a.campus, b.campus)
    if not needed:
        return None  # unknown or zero minutes: nothing to show
    gaps = []
    free_from = a.end
    for s in ordered[origin + 1:target + 1]:
        if s.start - free_from >= needed:
            gaps.append(s.start)
        free_from = max(free_from, s.end)
    if not gaps:
        return None  # the plan leaves no gap (the checker would reject it); show nothing rather than overlap
    end = gaps[-1]
    return Trip(teacher, day, end - needed, end, a.campus, b.campus, needed, b.activity)


def day_stops(entries: Iterable[tuple[str, str, str, str, str, str]]) -> dict[tuple[str, str], list[Stop]]:
    """(teacher, day, start, end, campus, activity) rows grouped by teacher and day."""
    days: dict[tuple[str, str], list[Stop]] = defaultdict(list)
    for teacher, day, start, end, campus, activity in entries:
        days[teacher, day].append(Stop(minutes(start), minutes(end), campus, activity))
    return days
