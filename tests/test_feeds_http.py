"""Serving feeds over HTTP: validators, 304s, HEAD, gzip, and 404s that reveal nothing."""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Iterator
from typing import Any
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from calendars.tokens import community_addresses, reissue
from feeds_support import BEFORE_TERM, COMMUNITY, CONFIG, People, base_plan, load, store_and_publish, stored_feeds
from scheduler.db import transaction
from tongpan.settings import Settings
from tongpan.web.app import create_app
from tongpan.web.fastpath import FeedCache
from tongpan.web.feeds import RedactTokens

PUBLIC = "https://rili.example.cn"
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TONGPAN_FEED_SECRET", CONFIG.secret or "")
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), broker_url=None,
                        public_url=PUBLIC)
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def _path(engine: Engine, code: str) -> str:
    with transaction(engine) as session:
        address = next(a for a in community_addresses(session, COMMUNITY, CONFIG) if a.code == code)
    return address.https(PUBLIC).removeprefix(PUBLIC)


def test_get_then_revalidate(client: TestClient, engine: Engine) -> None:
    path = _path(engine, People.yw)
    etag, body = stored_feeds(engine)["teacher", People.yw]
    response = client.get(path, headers=PLAIN)
    assert response.status_code == 200 and response.content == body
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"] == f'"{etag}"'
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"].startswith("private")
    assert parsedate_to_datetime(response.headers["last-modified"]) == BEFORE_TERM

    for headers in ({"If-None-Match": response.headers["etag"]},
                    {"If-None-Match": f'W/"{etag}", "other"'},
                    {"If-Modified-Since": response.headers["last-modified"]},
                    {"If-Modified-Since": format_datetime(BEFORE_TERM + timedelta(days=1), usegmt=True)}):
        revalidated = client.get(path, headers={**PLAIN, **headers})
        assert revalidated.status_code == 304 and revalidated.content == b"", headers
        assert revalidated.headers["etag"] == f'"{etag}"'
    for headers in ({"If-None-Match": '"stale"'},
                    {"If-Modified-Since": format_datetime(BEFORE_TERM - timedelta(days=1), usegmt=True)},
                    {"If-None-Match": '"stale"', "If-Modified-Since": response.headers["last-modified"]}):
        assert client.get(path, headers={**PLAIN, **headers}).content == body, headers


def test_head_and_gzip(client: TestClient, engine: Engine) -> None:
    path = _path(engine, People.lead)
    etag, body = stored_feeds(engine)["teacher", People.lead]
    head = client.head(path, headers=PLAIN)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(body)) and head.headers["etag"] == f'"{etag}"'

    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["etag"] == f'"{etag}-gzip"'
    assert zipped.content == body  # httpx decompressed it
    head_zipped = client.head(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert int(head_zipped.headers["content-length"]) < len(body)
    assert client.get(path, headers={"Accept-Encoding": "gzip;q=0"}).headers.get("content-encoding") is None
    not_modified = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": f'"{etag}"'})
    assert not_modified.status_code == 304
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as raw:
        compressed = b"".join(raw.iter_raw())
    assert len(compressed) < len(body) and gzip.decompress(compressed) == body


def _same(response: Any) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.content, sorted(response.headers.items())


def test_every_miss_is_one_chinese_404_page(client: TestClient, engine: Engine) -> None:
    never = client.get("/feeds/no/such/path")
    assert never.status_code == 404 and "找不到这个日历" in never.text
    assert never.headers["content-type"] == "text/html; charset=utf-8"
    old_path = _path(engine, People.yw)
    old_page = old_path.replace("/feeds/", "/s/").removesuffix(".ics")
    assert client.get(old_path).status_code == 200 and client.get(old_page).status_code == 200  # now cached
    with transaction(engine) as session:
        new = reissue(session, "teacher", People.yw, CONFIG)
    assert new is not None
    unknown, malformed = "A" * 32, "short"
    for prefix, suffix in (("/feeds/", ".ics"), ("/s/", "")):
        for token in (unknown, malformed, "é" * 32):
            assert _same(client.get(f"{prefix}{token}{suffix}")) == _same(never), (prefix, token)
    for path in (old_path, old_page):  # revoked: the same bytes and headers, at once
        assert _same(client.get(path)) == _same(never), path
    head = client.head(old_path)
    assert head.status_code == 404 and head.content == b""
    assert client.get(new.https(PUBLIC).removeprefix(PUBLIC)).status_code == 200
    assert client.get(new.page(PUBLIC).removeprefix(PUBLIC)).status_code == 200


def test_subscribe_page_and_health(client: TestClient, engine: Engine) -> None:
    path = _path(engine, People.sx)
    token = path.removeprefix("/feeds/").removesuffix(".ics")
    page = client.get(f"/s/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert f"webcal://rili.example.cn/feeds/{token}.ics" in text and f"{PUBLIC}/feeds/{token}.ics" in text
    assert "<svg" in text and "添加到日历" in text
    assert client.get("/healthz").json() == {"status": "ok"}


def test_access_log_never_shows_a_token() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/feeds/SECRETSECRETSECRETSECRETSECRET12.ics?x=1", "1.1",
                                200), None)
    assert RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage() and "/feeds/***" in record.getMessage()


def test_the_cache_serves_from_memory_until_a_feed_changes_anywhere(client: TestClient, engine: Engine) -> None:
    """Another process's publication is seen through feed_change within the poll interval; the byte budget
    holds."""
    digest = hashlib.sha256(_path(engine, People.yw).removeprefix("/feeds/").removesuffix(".ics").encode()).hexdigest()
    app_engine = client.app.state.engine  # type: ignore[attr-defined]
    slow = FeedCache(app_engine, budget=10_000_000, check_every=3600)
    eager = FeedCache(app_engine, budget=10_000_000, check_every=0)
    first = slow.get(digest)
    assert first is not None and eager.get(digest) is not None
    with engine.begin() as connection:  # what another process's publication leaves behind, without this ORM
        connection.execute(text("UPDATE feed SET etag = 'changed' WHERE token_hash = :d"), {"d": digest})
        connection.execute(text("INSERT INTO feed_change (changed_at) VALUES (CURRENT_TIMESTAMP)"))
    assert slow.get(digest) is first  # from memory, not read again
    assert eager.get(digest).etag == "changed"  # type: ignore[union-attr]
    small = FeedCache(app_engine, budget=first.size + 10, check_every=3600)
    for code in (People.yw, People.sx, People.lead):
        path = _path(engine, code).removeprefix("/feeds/").removesuffix(".ics")
        assert small.get(hashlib.sha256(path.encode()).hexdigest()) is not None
        assert small.used <= small.budget and len(small.entries) <= 1
