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

import re
from bisect import bisect_left, bisect_right
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


_EVENT_LINE = b"\r\nBEGIN:VEVENT\r\n"  # an event's first line: folded lines start with a space
_EVENT = re.compile(re.escape(_EVENT_LINE))


class _Events:
    """The events of rendered feed bytes, in their order, with each one's (start, uid) read on demand."""

    def __init__(self, region: bytes) -> None:
        self.region = region
        self.offsets = [0, *(m.start() + 2 for m in _EVENT.finditer(region))] if region else []

    def key(self, i: int) -> tuple[str, str]:
        at = self.offsets[i]
        uid_end = self.region.find(b"\r\nDTSTAMP:", at)
        uid = self.region[at + len(b"BEGIN:VEVENT\r\nUID:"):uid_end].replace(b"\r\n ", b"").decode()
        colon = self.region.find(b":", self.region.find(b"\r\nDTSTART;", uid_end) + 2)
        return self.region[colon + 1:colon + 16].decode(), uid

    def index(self, key: tuple[str, str]) -> int:
        """Where an event with `key` is, or would go, among them (they are in (start, uid) order)."""
        return bisect_left(range(len(self.offsets)), key, key=self.key)

    def span(self, i: int) -> tuple[int, int]:
        return self.offsets[i], self.offsets[i + 1] if i + 1 < len(self.offsets) else len(self.region)


def splice_window(body: bytes, head: str, tzid: str, removed: Iterable[tuple[str, str]],
                  added: Iterable[RenderedEvent], today: date, limit: int) -> Rendered | None:
    """`render_window` for a feed whose stored bytes show a few events fewer or more, without rendering
    the others again: `body` must be what it gave for `head` and this window's start, uncut, and the
    events that change are `removed` ((start, uid) as stored) and `added`.

    None when the result would pass the size limit (the window must then be cut), or when `body` does
    not hold an event `removed` names in the window, or holds one `added` brings (not the state's bytes).
    """
    start = window_start(today)
    first = _ymd(start)
    prefix, tail = head.encode(), TAIL.encode()
    if not body.startswith(prefix) or not body.endswith(tail):
        return None
    begin = body.find(_EVENT_LINE, len(prefix) - 2)
    events = _Events(body[begin + 2:-len(tail)] if begin >= 0 else b"")
    cuts: list[tuple[int, int, int, bytes]] = []  # (offset, 0 to insert | 1 to remove, end, bytes)
    for key in removed:
        if key[0][:8] >= first:
            i = events.index(key)
            if i == len(events.offsets) or events.key(i) != key:
                return None
            a, b = events.span(i)
            cuts.append((a, 1, b, b""))
    gone = {offset for offset, *_ in cuts}
    for e in sorted((e for e in added if e.start[:8] >= first), key=attrgetter("start", "uid")):
        i = events.index((e.start, e.uid))
        at = events.span(i)[0] if i < len(events.offsets) else len(events.region)
        if i < len(events.offsets) and at not in gone and events.key(i) == (e.start, e.uid):
            return None
        cuts.append((at, 0, at, e.text(tzid).encode()))
    pieces, at = [], 0
    for offset, _, end, data in sorted(cuts, key=lambda c: c[:2]):
        pieces += [events.region[at:offset], data]
        at = end
    pieces.append(events.region[at:])
    region = b"".join(pieces)
    zone = _zone_of(region, tzid)
    if len(prefix) + len(zone) + len(region) + len(tail) > limit:
        return None
    return Rendered(b"".join([prefix, zone, region, tail]), start, None, False)


def _zone_of(region: bytes, tzid: str) -> bytes:
    """The VTIMEZONE for events in (start, uid) order: from the first one's start year to the last one's
    end year, as `render_window` gives it."""
    if not region:
        return b""
    first = region.find(b":", region.find(b"\r\nDTSTART;") + 2) + 1
    last = region.find(b":", region.rfind(b"\r\nDTEND;") + 2) + 1
    return vtimezone(tzid, int(region[first:first + 4]), int(region[last:last + 4])).encode()
