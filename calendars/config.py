"""Feed settings read from the environment, so CLI, web and workers render and serve alike.

`calendars` may not import `tongpan`, and workers start without the web
settings, so the few variables of the feed layer are read here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_REFRESH = timedelta(hours=1)
DEFAULT_MAX_BYTES = 1_000_000  # Google Calendar is reported to drop events from larger subscribed feeds


@dataclass(frozen=True)
class FeedConfig:
    """How feeds are rendered and their addresses derived.

    `secret`: TONGPAN_FEED_SECRET, or None to use the one generated and kept in
    the database (see calendars.tokens). `meeting_url`: TONGPAN_MEETING_URL, a
    server-wide template of the online-meeting link with `{county}`,
    `{community}`, `{activity}` and `{key}` (a keyed hash of the activity, so
    rooms cannot be guessed from codes), used when the dataset's county sets
    none; no default, since no meeting service is used by every school.
    `refresh`: how often clients should refetch (TONGPAN_FEED_REFRESH_MINUTES). `max_bytes`: the size limit of a feed's
    uncompressed bytes (TONGPAN_FEED_MAX_BYTES); a feed that would pass it
    shows fewer weeks ahead (calendars.window).
    """

    secret: str | None = None
    meeting_url: str | None = None
    refresh: timedelta = DEFAULT_REFRESH
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_env(cls) -> FeedConfig:
        minutes = os.environ.get("TONGPAN_FEED_REFRESH_MINUTES")
        max_bytes = os.environ.get("TONGPAN_FEED_MAX_BYTES")
        return cls(
            secret=os.environ.get("TONGPAN_FEED_SECRET") or None,
            meeting_url=os.environ.get("TONGPAN_MEETING_URL") or None,
            refresh=timedelta(minutes=int(minutes)) if minutes else DEFAULT_REFRESH,
            max_bytes=int(max_bytes) if max_bytes else DEFAULT_MAX_BYTES,
        )
