"""What a feed remembers of every UID it ever published: SEQUENCE, change time, cancellation.

Clients only accept a changed event when its SEQUENCE grew, and only drop an
event they were told is cancelled; both need the previous publication's view of
each UID. The state is kept per term, so publishing one term leaves the events
of the community's other published terms exactly as they were.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from calendars.occurrences import Occurrence
from calendars.render import RenderedEvent, relabel
from calendars.window import Rendered, render_window, splice_window, window_start

Events = dict[str, RenderedEvent]

MOVED = "【已调课】"  # title of an occurrence the new plan holds at another time of the same week
DROPPED = "【已取消】"  # title of an occurrence the new plan no longer holds that week


def _week_key(uid: str) -> tuple[str, int, int]:
    """`{kind}.{activity}.{YYYYMMDD}.{HHMM}@…` → (kind.activity, ISO year, ISO week)."""
    prefix, ymd, _ = uid.partition("@")[0].rsplit(".", 2)
    year, week, _ = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:])).isocalendar()
    return prefix, year, week


def _day_key(uid: str) -> tuple[str, str]:
    """`{kind}.{activity}.{YYYYMMDD}.{HHMM}@…` → (kind.activity, YYYYMMDD)."""
    prefix, ymd, _ = uid.partition("@")[0].rsplit(".", 2)
    return prefix, ymd


def _weeks_of(uids: Iterable[str]) -> set[tuple[str, int, int]]:
    return {_week_key(uid) for uid in uids}


def _recompute(old: Events, occurrences: Iterable[Occurrence], now: int, today: str,
               labels: Mapping[tuple[str, str], str] | None) -> tuple[Events, bool]:
    """The events of the dates being recomputed, from their old events and their new occurrences.

    `old` holds every earlier event of those dates and `occurrences` every new
    one, and nothing of other dates (the rules of `FeedState.update`); the
    result lists the occurrences in order, then the events that disappeared.
    """
    new: Events = {}
    changed = False
    for uid, start, end, text in occurrences:
        prev = old.get(uid)
        if prev is None:
            new[uid] = RenderedEvent(uid, start, end, text, 0, now, False)
            changed = True
        elif prev.cancelled or (prev.start, prev.end, prev.template) != (start, end, text):
            new[uid] = RenderedEvent(uid, start, end, text, prev.sequence + 1, now, False)
            changed = True
        else:
            new[uid] = prev
    gone = [prev for uid, prev in old.items() if uid not in new]
    moved_to = _weeks_of({uid for uid in new if uid not in old}) if gone else set()
    for prev in gone:
        if prev.start[:8] < today:
            changed = True
        elif prev.cancelled:
            new[prev.uid] = prev
        else:
            label = (labels or {}).get(_day_key(prev.uid)) or (MOVED if _week_key(prev.uid) in moved_to else DROPPED)
            new[prev.uid] = prev._replace(sequence=prev.sequence + 1, changed=now, cancelled=True,
                                          template=relabel(prev.template, label))
            changed = True
    return new, changed


def _recomputed(ymd: str, frozen_before: str, dates: set[str] | None) -> bool:
    """Whether an update recomputes a date: not before the effective date, and one of `dates` if given."""
    return ymd >= frozen_before and (dates is None or ymd in dates)


def _line(e: RenderedEvent, template: int) -> str:
    """An event as a stored line: uid, start, end, template index, sequence, change time, cancelled."""
    return f"{e.uid}\t{e.start}\t{e.end}\t{template}\t{e.sequence}\t{e.changed}\t{int(e.cancelled)}"


def _compress(head: str, templates: Iterable[str], lines: Mapping[str, str]) -> bytes:
    """zlib-compressed JSON: the head, each template once, and per term its event lines joined by
    newlines (tab-separated lines encode twice as fast as nested lists)."""
    document = {"head": head, "templates": list(templates), "terms": dict(sorted(lines.items()))}
    return zlib.compress(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _open(blob: bytes) -> tuple[str, list[str], dict[str, str]]:
    """A stored state as written by `_compress`: its head, its templates, and per term its event lines."""
    document = json.loads(zlib.decompress(blob))
    return document["head"], document["templates"], document["terms"]


def _event(line: str, templates: list[str]) -> RenderedEvent:
    uid, start, end, t, seq, changed, cancelled = line.split("\t")
    return RenderedEvent(uid, start, end, templates[int(t)], int(seq), int(changed), cancelled == "1")


def _uid_start(line: str) -> tuple[str, str]:
    """A stored line's uid and start, without decoding the rest of it."""
    uid, start, _ = line.split("\t", 2)
    return uid, start


def _parse(templates: list[str], terms: Mapping[str, str]) -> dict[str, Events]:
    return {code: {e.uid: e for e in (_event(line, templates) for line in lines.split("\n"))} if lines else {}
            for code, lines in terms.items()}


@dataclass
class FeedState:
    """Everything a feed's bytes are made of: the calendar head and each term's events by UID."""

    head: str = ""
    terms: dict[str, Events] = field(default_factory=dict)

    def events(self) -> Iterator[RenderedEvent]:
        for events in self.terms.values():
            yield from events.values()

    def update(self, term: str, occurrences: Iterable[Occurrence], now: int, today: str,
               frozen_before: str = "", labels: Mapping[tuple[str, str], str] | None = None,
               dates: set[str] | None = None) -> bool:
        """Apply a term's new occurrences at publication time `now` (epoch s); True if anything changed.

        An occurrence whose time or content changed gets SEQUENCE + 1; one that
        disappeared is kept as cancelled (SEQUENCE + 1) until its date has
        passed (`today`, `YYYYMMDD` in the county's zone), then dropped.
        Events dated before `frozen_before` (`YYYYMMDD`, the effective date)
        stay exactly as earlier publications left them, and new occurrences
        dated before it are not added: a subscriber's past is never rewritten.
        `labels` gives the title prefix of occurrences a dated override
        removed (`("{kind}.{code}", YYYYMMDD)` -> `【代课】`…); other cancelled
        occurrences read 【已调课】 or 【已取消】. With `dates` (`YYYYMMDD`s) only
        those dates are recomputed: `occurrences` are theirs, everything else
        stays (what republishing dated overrides needs).
        """
        old = self.terms.get(term, {})
        kept = {uid: e for uid, e in old.items() if not _recomputed(e.start[:8], frozen_before, dates)}
        opened = {uid: e for uid, e in old.items() if uid not in kept}
        fresh = [o for o in occurrences if _recomputed(o.start[:8], frozen_before, dates)]
        recomputed, changed = _recompute(opened, fresh, now, today, labels)
        self.terms[term] = {**kept, **recomputed}
        return self.drop_passed(today) or changed

    def drop_passed(self, today: str) -> bool:
        """Forget cancelled events whose date is before `today`; True if there were any."""
        dropped = False
        for events in self.terms.values():
            passed = [uid for uid, e in events.items() if e.cancelled and e.start[:8] < today]
            for uid in passed:
                del events[uid]
            dropped = dropped or bool(passed)
        return dropped

    def render(self, tzid: str, today: date, limit: int) -> Rendered:
        """The feed's bytes in its window."""
        return render_window(self.head, tzid, self.events(), today, limit)

    def dumps(self) -> bytes:
        templates: dict[str, int] = {}
        lines = {code: "\n".join(_line(e, templates.setdefault(e.template, len(templates))) for e in events.values())
                 for code, events in self.terms.items()}
        return _compress(self.head, templates, lines)

    @classmethod
    def loads(cls, blob: bytes) -> FeedState:
        head, templates, terms = _open(blob)
        return cls(head, _parse(templates, terms))


Span = tuple[int, int]  # a line of a term's stored text: [start, end) offsets, without its newline


def _line_at(text: str, i: int) -> Span:
    end = text.find("\n", i)
    return text.rfind("\n", 0, i) + 1, len(text) if end < 0 else end


def _lines_on(text: str, ymd: str) -> list[Span]:
    """The lines of events that start on `ymd`: `\t{ymd}T` is a start or an end field, nothing else."""
    found = []
    i = text.find(f"\t{ymd}T")
    while i >= 0:
        a, b = _line_at(text, i)
        if _uid_start(text[a:b])[1].startswith(ymd):
            found.append((a, b))
        i = text.find(f"\t{ymd}T", b)
    return found


def _cancelled_lines(text: str) -> list[Span]:
    """The lines of cancelled events: the last field is 1 (the only field that is ever just 1 there)."""
    found = []
    i = text.find("\t1\n")
    while i >= 0:
        found.append(_line_at(text, i))
        i = text.find("\t1\n", i + 3)
    if text.endswith("\t1"):
        found.append(_line_at(text, len(text) - 1))
    return found


def _without(text: str, spans: Iterable[Span]) -> str:
    pieces, at = [], 0
    for a, b in sorted(spans):
        pieces.append(text[at:a])
        at = b + 1
    pieces.append(text[at:])
    return "".join(pieces).rstrip("\n")  # lines are never empty: only a removed last line's separator


class DatedState:
    """A stored feed state opened to recompute a few of its dates, everything else left as stored.

    Confirming covers changes one or two dates of feeds that each hold a
    term: only those dates' lines of the stored text are decoded, every other
    line is kept as it is, and the feed's bytes are its stored bytes with
    those dates' events replaced (`splice_window`). Decoded, the state is what
    `FeedState.update` makes of the same stored state and dates, and the bytes
    are what `render_window` makes of it. Templates an update stops using stay
    in the stored list until the state is next written whole.
    """

    def __init__(self, blob: bytes, body: bytes, window: tuple[date | None, date | None]) -> None:
        """`blob` is the stored state, `body` the stored bytes and `window` the (start, end) they cover."""
        self.head, self._templates, self._terms = _open(blob)
        self._index: dict[str, int] | None = None
        self._body = body
        self._window = window
        self._removed: list[tuple[str, str]] = []  # (start, uid) of the events whose bytes go
        self._added: list[RenderedEvent] = []

    def update(self, term: str, occurrences: Iterable[Occurrence], now: int, today: str,
               frozen_before: str, labels: Mapping[tuple[str, str], str] | None, dates: set[str]) -> bool:
        """`FeedState.update` with `dates`."""
        text = self._terms.get(term, "")
        opened_spans = sorted(span for ymd in dates if ymd >= frozen_before for span in _lines_on(text, ymd))
        opened = {e.uid: e for e in (_event(text[a:b], self._templates) for a, b in opened_spans)}
        fresh = [o for o in occurrences if _recomputed(o.start[:8], frozen_before, dates)]
        recomputed, changed = _recompute(opened, fresh, now, today, labels)
        added = [e for e in recomputed.values() if not (e.cancelled and e.start[:8] < today)]
        self._removed = [(e.start, e.uid) for e in opened.values()]
        dropped = False
        for code, lines in {**self._terms, term: text}.items():
            opened_here = set(opened_spans) if code == term else set()
            passed = [(a, b) for a, b in _cancelled_lines(lines) if (a, b) not in opened_here
                      and _uid_start(lines[a:b])[1][:8] < today]
            self._removed += [(start, uid) for uid, start in (_uid_start(lines[a:b]) for a, b in passed)]
            dropped = dropped or bool(passed)
            kept = _without(lines, [*passed, *opened_here])
            if code == term:
                kept = "\n".join([*([kept] if kept else []), *(_line(e, self._template(e.template)) for e in added)])
            self._terms[code] = kept
        self._added = added
        return dropped or len(added) < len(recomputed) or changed

    def _template(self, text: str) -> int:
        """The index of a template in the stored list, appended when new."""
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self._templates)}
        if text not in self._index:
            self._index[text] = len(self._templates)
            self._templates.append(text)
        return self._index[text]

    def events(self) -> Iterator[RenderedEvent]:
        for events in _parse(self._templates, self._terms).values():
            yield from events.values()

    def render(self, tzid: str, today: date, limit: int) -> Rendered:
        """The stored bytes with the recomputed dates replaced, when they show the same whole window
        and still fit; else rendered from the whole state."""
        if self._window == (window_start(today), None):
            spliced = splice_window(self._body, self.head, tzid, self._removed, self._added, today, limit)
            if spliced is not None:
                return spliced
        return render_window(self.head, tzid, self.events(), today, limit)

    def dumps(self) -> bytes:
        return _compress(self.head, self._templates, self._terms)
