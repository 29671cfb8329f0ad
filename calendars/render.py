"""iCalendar text of a feed, built from icalendar's own content lines.

icalendar renders every property that carries names or free text (escaping,
UTF-8-safe folding at 75 octets), and the calendar shell with its VTIMEZONE.
Rendering each of a county's millions of events through icalendar's object
model would take a quarter of an hour, so an event is assembled from an
icalendar-rendered template of its fixed properties (one per distinct
`EventContent`, cached) and a handful of ASCII lines that vary by date. Tests
read the result back with icalendar, recurring-ical-events and ical.js.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from icalendar import Calendar, Component, Timezone, vCategory, vDuration, vText
from icalendar.parser import Contentline

PRODID = "-//tongpan//calendar feeds//ZH"
CRLF = "\r\n"
TAIL = "END:VCALENDAR\r\n"
LIMIT = 75


@dataclass(frozen=True)
class EventContent:
    """Everything an event shows except its date, sequence and stamps; the template key."""

    summary: str
    location: str
    description: str
    url: str | None
    kind: str
    community: str
    campus: str
    subject: str
    classes: tuple[str, ...]
    teachers: tuple[str, ...]
    role: str | None
    transparent: bool = False  # TRANSP:TRANSPARENT: shown, but not busy time (travel)


class RenderError(ValueError):
    """A value icalendar would not write; `field` names the property (SUMMARY, NAME, …)."""

    def __init__(self, field: str, value: str, cause: Exception):
        self.field, self.value, self.cause = field, value, cause
        self.where = ""  # the entity, in Chinese, once a caller knows it
        super().__init__(f"{field}: {cause}")

    def describe(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:80] + "…"
        return f"{self.where or '日历'}的 {self.field} 无法写入日历（值 {shown!r}）：{self.cause}"


# Control characters have no place in a content line (RFC 5545 TEXT allows HTAB only). Line breaks in
# TEXT are written escaped (`\n`); in names, and every other control character anywhere, become a space.
# This holds whatever the data: icalendar's own guard is an `assert`, gone under `python -O`.
_BREAK = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def text_value(value: str) -> str:
    """A TEXT value safe in a content line: breaks stay breaks (escaped by icalendar), other controls spaces."""
    return _CONTROL.sub(" ", _BREAK.sub("\n", value))


def one_line(value: str) -> str:
    """A name safe on one content line: every run of control characters and line breaks becomes a space."""
    return _ANY_CONTROL.sub(" ", value)


def fold(line: str) -> str:
    """One content line, folded by icalendar's rule only when it is too long."""
    if line.isascii() and len(line) <= LIMIT:
        return line
    return line if len(line.encode()) <= LIMIT else Contentline(line).to_ical().decode()


@lru_cache(maxsize=100_000)
def _line(name: str, value: str | tuple[str, ...]) -> str:
    """One property as icalendar writes it; a tuple is a comma-separated list of TEXT values."""
    try:
        prop = vCategory([one_line(v) for v in value]) if isinstance(value, tuple) else vText(text_value(value))
        return Component().content_line(name, prop).to_ical().decode() + CRLF
    except Exception as exc:  # whatever icalendar objects to, say which property it was
        raise RenderError(name, str(value), exc) from exc


@lru_cache(maxsize=100_000)
def template(content: EventContent) -> str:
    """The fixed lines of an event, rendered by icalendar; shared by every date and feed showing it."""
    lines = [("SUMMARY", content.summary), ("LOCATION", content.location), ("DESCRIPTION", content.description)]
    if content.url:
        lines.append(("URL", content.url))
    lines += [("X-TONGPAN-KIND", content.kind), ("X-TONGPAN-COMMUNITY", content.community),
              ("X-TONGPAN-CAMPUS", content.campus), ("X-TONGPAN-SUBJECT", content.subject),
              # Codes never contain commas, so these read as plain comma-separated lists.
              ("X-TONGPAN-CLASSES", content.classes), ("X-TONGPAN-TEACHERS", content.teachers)]
    if content.role:
        lines.append(("X-TONGPAN-ROLE", content.role))
    transp = "TRANSP:TRANSPARENT\r\n" if content.transparent else ""
    # An X-property without a value is dropped by libical (GNOME Calendar, Evolution) with an
    # X-LIC-ERROR, so empty ones (a research meeting's classes, a trip's subject) are left out.
    return transp + "".join(_line(name, value) for name, value in lines if value or not name.startswith("X-"))


@lru_cache(maxsize=4096)
def relabel(text: str, label: str) -> str:
    """A template whose SUMMARY starts with `label` (【已调课】, 【代课】, 【停课】…), refolded.

    Used for cancelled events, whose title must say why they are cancelled;
    the label is plain text, so it needs no escaping in front of the escaped
    value. A template that already carries the label is returned unchanged.
    """
    first, _, rest = text.partition(CRLF)
    while rest.startswith(" "):  # unfold SUMMARY's continuation lines
        more, _, rest = rest.partition(CRLF)
        first += more[1:]
    name, _, value = first.partition(":")
    if value.startswith(label):
        return text
    return Contentline(f"{name}:{label}{value}").to_ical().decode() + CRLF + rest


@lru_cache(maxsize=4096)
def utc_stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class RenderedEvent(NamedTuple):
    """One VEVENT as the feed state keeps it; `start`/`end` are local `YYYYMMDDTHHMMSS`."""

    uid: str
    start: str
    end: str
    template: str
    sequence: int
    changed: int  # epoch seconds of the publication that last changed it: DTSTAMP and LAST-MODIFIED
    cancelled: bool

    def text(self, tzid: str) -> str:
        """The VEVENT: its dated lines, then its template.

        Only the UID can outgrow a line (codes are up to 64 characters); the
        time lines are at most 75 octets for any IANA zone name (`vtimezone`
        checks).
        """
        stamp = utc_stamp(self.changed)
        status = "CANCELLED" if self.cancelled else "CONFIRMED"
        return (f"BEGIN:VEVENT\r\n{fold('UID:' + self.uid)}\r\nDTSTAMP:{stamp}\r\n"
                f"DTSTART;TZID={tzid}:{self.start}\r\nDTEND;TZID={tzid}:{self.end}\r\n"
                f"SEQUENCE:{self.sequence}\r\nLAST-MODIFIED:{stamp}\r\nSTATUS:{status}\r\n"
                f"{self.template}END:VEVENT\r\n")


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE for the years a feed spans (a fixed range, so the bytes stay stable)."""
    if len(f"DTSTART;TZID={tzid}:YYYYMMDDTHHMMSS") > LIMIT:
        raise ValueError(f"time zone name too long for unfolded time lines: {tzid}")
    tz = Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))
    return tz.to_ical().decode()


_NAMES = "NAME:N\r\nX-WR-CALNAME:N\r\n"  # the head's two name lines for a placeholder name


@lru_cache(maxsize=64)
def _head_around_names(tzid: str, refresh: timedelta) -> tuple[str, str]:
    """The VCALENDAR properties as icalendar writes them before and after the name lines."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", vText("N"))
    cal.add("x-wr-calname", vText("N"))
    cal.add("x-wr-timezone", tzid)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    before, _, after = cal.to_ical(sorted=False).decode().removesuffix(TAIL).partition(_NAMES)
    return before, after


@lru_cache(maxsize=8192)
def calendar_head(name: str, tzid: str, refresh: timedelta) -> str:
    """The VCALENDAR properties as icalendar writes them, up to where components go.

    Only the name differs between a county's feeds: the rest is rendered once
    per zone and refresh, the name as TEXT (given a plain str, icalendar would
    write NAME and X-WR-CALNAME unescaped) by `_line`, as in an event.
    """
    before, after = _head_around_names(tzid, refresh)
    return before + _line("NAME", one_line(name)) + _line("X-WR-CALNAME", one_line(name)) + after


def render_feed(head: str, tzid: str, events: Iterable[RenderedEvent]) -> bytes:
    """The whole feed: head, VTIMEZONE of the years it spans, events by start time then UID.

    An empty feed uses no TZID and so carries no VTIMEZONE.
    """
    ordered = sorted(events, key=attrgetter("start", "uid"))
    zone = vtimezone(tzid, int(ordered[0].start[:4]), int(ordered[-1].end[:4])) if ordered else ""
    return "".join([head, zone, *(e.text(tzid) for e in ordered), TAIL]).encode()
