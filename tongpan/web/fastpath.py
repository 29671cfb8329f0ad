"""The feed fast path: `/feeds/{token}.ics` answered by a plain ASGI handler in front of FastAPI.

Calendar apps refetch every feed every hour, mostly to be told 304, so this is
the web process's hot path and it does the least work it can: the feed's
validators, headers and bytes (plain and pre-gzipped) are kept in memory by
token hash, within a byte budget (`TONGPAN_FEED_CACHE_MB`, least recently used
first out), and a request is a dictionary look-up, a header comparison and one
`send`. No routing, no dependency injection, no Response objects.

The cache is dropped whenever a feed changes: every transaction that changes a
feed's bytes or address adds a `feed_change` row (calendars.models), which a
process polls at most every `TONGPAN_FEED_CACHE_CHECK_SECONDS` (default 1), and
changes committed in this process (the dashboard's reissue, in-process jobs)
drop it at once. A publication or a revoked address is served within that
second everywhere.

Every miss under `/feeds/` and `/s/` (no such path, a malformed, unknown or
revoked token) gets one Chinese 404 page, the same bytes and headers.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, bindparam, func, select
from starlette.types import ASGIApp, Receive, Scope, Send

from calendars.models import Feed, FeedChange, local_changes
from calendars.tokens import lookup_hash, matches
from scheduler.plans import aware

CALENDAR_TYPE = b"text/calendar; charset=utf-8"
CACHE_CONTROL = b"private, max-age=300"
DEFAULT_CACHE_MB = 256

NOT_FOUND_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>找不到这个日历</title>
<style>body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;
max-width:30rem;padding:1.2rem;line-height:1.6;color:#222}h1{font-size:1.3rem}</style></head><body>
<h1>找不到这个日历</h1>
<p>这个订阅地址不存在或已经失效（管理员可能重新生成了地址）。</p>
<p>请向学校的课表管理员索取新的订阅地址。</p>
</body></html>
""".encode()
NOT_FOUND_HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"%d" % len(NOT_FOUND_PAGE)),
                     (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer")]


@lru_cache(maxsize=256)
def accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip (`gzip`, `x-gzip` or `*`, with a non-zero q)."""
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            weight = float(q)
        except ValueError:
            weight = 0.0
        if name.strip().lower() in ("gzip", "x-gzip", "*") and weight > 0:
            return True
    return False


@lru_cache(maxsize=1024)
def _tags(header: str) -> frozenset[str]:
    """If-None-Match uses weak comparison: either representation's tag matches, `*` matches all."""
    return frozenset(t.strip().removeprefix("W/").strip('"').removesuffix("-gzip") for t in header.split(","))


@lru_cache(maxsize=1024)
def _since(header: str) -> datetime | None:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return since if since.tzinfo is not None else None


@dataclass(frozen=True)
class Entry:
    """One feed's answers, ready to send: headers per representation and status, and the bytes."""

    digest: str
    etag: str
    modified: datetime  # whole seconds, UTC
    body: bytes
    gzip: bytes
    headers: dict[tuple[bool, int], list[tuple[bytes, bytes]]]  # (gzipped, status) -> raw headers

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzip) + 512

    @classmethod
    def of(cls, digest: str, etag: str, modified: datetime, body: bytes, gzipped: bytes) -> Entry:
        modified = aware(modified).astimezone(timezone.utc).replace(microsecond=0)
        common = [(b"last-modified", format_datetime(modified, usegmt=True).encode()),
                  (b"cache-control", CACHE_CONTROL), (b"vary", b"Accept-Encoding")]
        headers = {}
        for gz, content in ((False, body), (True, gzipped)):
            tag = (b'"%s-gzip"' if gz else b'"%s"') % etag.encode()
            headers[gz, 304] = [(b"etag", tag), *common]
            headers[gz, 200] = [(b"etag", tag), *common, (b"content-type", CALENDAR_TYPE),
                                (b"content-length", b"%d" % len(content)),
                                *([(b"content-encoding", b"gzip")] if gz else [])]
        return cls(digest, etag, modified, body, gzipped, headers)

    def fresh(self, none_match: str | None, since: str | None) -> bool:
        """Whether the client's copy is current; If-None-Match takes precedence over If-Modified-Since."""
        if none_match is not None:
            tags = _tags(none_match)
            return "*" in tags or self.etag in tags
        if since is not None:
            when = _since(since)
            return when is not None and self.modified <= when
        return False


_DIGEST = bindparam("digest")
_ROW = select(Feed.token_hash, Feed.etag, Feed.modified_at, Feed.body, Feed.body_gzip).where(
    Feed.token_hash == _DIGEST)
_LATEST = select(func.max(FeedChange.id))


class FeedCache:
    """Feeds by token hash within a byte budget, dropped whole when any feed changed."""

    def __init__(self, engine: Engine, budget: int, check_every: float) -> None:
        self.engine = engine
        self.budget = budget
        self.check_every = check_every
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.used = 0
        self.seen: tuple[int, int | None] = (local_changes(), None)
        self.checked = float("-inf")

    def _current(self) -> None:
        """Drop everything if a feed changed since the last look (here at once, elsewhere by the poll)."""
        now = time.monotonic()
        local = local_changes()
        if local == self.seen[0] and now - self.checked < self.check_every:
            return
        with self.engine.connect() as connection:
            latest = connection.scalar(_LATEST)
        self.checked = now
        if (local, latest) != self.seen:
            self.seen = (local, latest)
            self.clear()

    def clear(self) -> None:
        self.entries.clear()
        self.used = 0

    def get(self, digest: str) -> Entry | None:
        self._current()
        entry = self.entries.get(digest)
        if entry is not None:
            self.entries.move_to_end(digest)
            return entry
        with self.engine.connect() as connection:
            row = connection.execute(_ROW, {"digest": digest}).first()
        if row is None or not matches(row.token_hash, digest):
            return None
        entry = Entry.of(digest, row.etag, row.modified_at, row.body, row.body_gzip)
        if entry.size <= self.budget:
            self.entries[digest] = entry
            self.used += entry.size
            while self.used > self.budget:
                _, old = self.entries.popitem(last=False)
                self.used -= old.size
        return entry


def cache_settings() -> tuple[int, float]:
    """(byte budget, poll interval in seconds) from TONGPAN_FEED_CACHE_MB and _CHECK_SECONDS."""
    mb = os.environ.get("TONGPAN_FEED_CACHE_MB")
    check = os.environ.get("TONGPAN_FEED_CACHE_CHECK_SECONDS")
    return int(float(mb or DEFAULT_CACHE_MB) * 1_000_000), float(check) if check else 1.0


async def not_found(send: Send, head: bool = False) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": NOT_FOUND_HEADERS})
    await send({"type": "http.response.body", "body": b"" if head else NOT_FOUND_PAGE})


def _headers(scope: Scope) -> tuple[str | None, str | None, str | None]:
    encoding = none_match = since = None
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            encoding = value.decode("latin-1")
        elif name == b"if-none-match":
            none_match = value.decode("latin-1")
        elif name == b"if-modified-since":
            since = value.decode("latin-1")
    return encoding, none_match, since


class FeedFastPath:
    """ASGI: feeds from the cache; subscribe-page misses as the same 404; everything else to `app`."""

    def __init__(self, app: ASGIApp, cache: FeedCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/feeds/"):
            await self.feed(scope, send, path)
        elif path.startswith("/s/") and self.known(path[3:]) is None:
            await not_found(send, scope["method"] == "HEAD")
        else:
            await self.app(scope, receive, send)

    def known(self, token: str) -> Entry | None:
        digest = lookup_hash(token)
        return self.cache.get(digest) if digest is not None else None

    async def feed(self, scope: Scope, send: Send, path: str) -> None:
        method = scope["method"]
        head = method == "HEAD"
        entry = self.known(path[7:-4]) if path.endswith(".ics") and method in ("GET", "HEAD") else None
        if entry is None:
            await not_found(send, head)
            return
        encoding, none_match, since = _headers(scope)
        gzipped = accepts_gzip(encoding)
        if entry.fresh(none_match, since):
            await send({"type": "http.response.start", "status": 304, "headers": entry.headers[gzipped, 304]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers[gzipped, 200]})
        await send({"type": "http.response.body",
                    "body": b"" if head else entry.gzip if gzipped else entry.body})


def wrap(app: Any, engine: Engine) -> FeedFastPath:
    budget, check = cache_settings()
    return FeedFastPath(app, FeedCache(engine, budget, check))
