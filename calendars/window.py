"""The rolling window of dates a feed covers, and rendering a feed within it under a size limit.

Google Calendar is reported to drop events from subscribed feeds larger than
about 1 MB, so a feed does not carry a whole term: it shows from the Monday of
the week before this one to the end of its events, and when that would pass
the size limit, only as many whole weeks ahead as fit (never fewer than four).
Both edges are tied to weeks, so a window moves once a week, at the nightly
refresh that first sees the new week, and every other night changes nothing.

The feed state keeps every event of the published terms; the window only
selects which of them the bytes show, so rolling it never touches an event's
SEQUENCE or stamps.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from operator import attrgetter

from calendars.render import TAIL, RenderedEvent, vtimezone

MIN_WEEKS_AHEAD = 4


def window_start(today: date) -> date:
    """Monday of last week: at least one whole week back, moving once a week."""
    return today - timedelta(days=today.weekday() + 7)


def shortest_end(today: date) -> date:
    """Sunday of the week four weeks after this one: at least four weeks ahead."""
    later = today + timedelta(weeks=MIN_WEEKS_AHEAD)
    return later + timedelta(days=6 - later.weekday())


@dataclass(frozen=True)
class Rendered:
    """A feed's bytes and the window they cover; `end` is None when nothing had to be cut."""

    body: bytes
    start: date
    end: date | None
    over_limit: bool  # even the shortest window passes the limit


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def render_window(head: str, tzid: str, events: Iterable[RenderedEvent], today: date, limit: int) -> Rendered:
    """The feed as served: head, VTIMEZONE of the years shown, the window's events by start then UID."""
    start = window_start(today)
    first = _ymd(start)
    shown = sorted((e for e in events if e.start[:8] >= first), key=attrgetter("start", "uid"))
    texts = [e.text(tzid).encode() for e in shown]
    sizes = list(accumulate(map(len, texts), initial=0))
    shell = len(head.encode()) + len(TAIL)

    def zone(count: int) -> bytes:
        if not count:
            return b""  # an empty feed uses no TZID and so carries no VTIMEZONE
        return vtimezone(tzid, int(shown[0].start[:4]), int(shown[count - 1].end[:4])).encode()

    def size(count: int) -> int:
        return shell + len(zone(count)) + sizes[count]

    count, end, over = len(shown), None, False
    if size(count) > limit:
        days = [e.start[:8] for e in shown]
        end = shortest_end(today)
        count = bisect_right(days, _ymd(end))
        over = size(count) > limit
        while not over:
            longer = end + timedelta(weeks=1)
            more = bisect_right(days, _ymd(longer))
            if more == len(shown) or size(more) > limit:
                break
            end, count = longer, more
    body = b"".join([head.encode(), zone(count), *texts[:count], TAIL.encode()])
    return Rendered(body, start, end, over)
