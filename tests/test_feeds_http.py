"""Serving feeds over HTTP: validators, 304s, HEAD, gzip, and 404s that reveal nothing."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calendars.tokens import community_addresses, reissue
from feeds_support import BEFORE_TERM, COMMUNITY, CONFIG, People, base_plan, load, store_and_publish, stored_feeds
from scheduler.db import transaction
from tongpan.settings import Settings
from tongpan.web.app import create_app
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


def test_unknown_and_revoked_tokens_are_plain_404s(client: TestClient, engine: Engine) -> None:
    never = client.get("/no/such/path")
    old_path = _path(engine, People.yw)
    assert client.get(old_path).status_code == 200
    with transaction(engine) as session:
        new = reissue(session, "teacher", People.yw, CONFIG)
    assert new is not None
    for path in (old_path, "/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics", "/feeds/short.ics",
                 "/feeds/" + "é" * 32 + ".ics", old_path.replace("/feeds/", "/s/").removesuffix(".ics")):
        for method in ("GET", "HEAD") if path.startswith("/feeds/") else ("GET",):
            response = client.request(method, path)
            assert response.status_code == 404, (method, path)
            if method == "GET":
                assert response.content == never.content and response.headers["content-type"] == never.headers[
                    "content-type"]
    assert client.get(new.https(PUBLIC).removeprefix(PUBLIC)).status_code == 200


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
