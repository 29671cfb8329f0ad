"""Bounded requests: authentication before any body is read, size limits while streaming, short errors,
and only the admin API's schema in public. The memory test runs `tongpan serve` for real."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jobs_support import TERM, import_document, small_county
from scheduler.db import transaction
from serve_support import empty_county, tongpan_serve
from tasks.access import create_token
from tongpan.settings import Settings
from tongpan.web.app import create_app
from tongpan.web.limits import DEFAULT_MAX_BODY, SHOWN_INPUT

MB = 1024 * 1024


class Held:
    """A dispatcher that keeps triggered jobs queued."""

    in_process = False

    def send(self, job_id: int, step: str) -> None:
        pass


def settings_for(engine: Engine) -> Settings:
    return Settings(database_url=engine.url.render_as_string(hide_password=False), broker_url=None,
                    public_url="http://127.0.0.1:8000")


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.delenv("TONGPAN_BROKER_URL", raising=False)
    document = import_document(engine, tmp_path, small_county(1))
    with transaction(engine) as session:
        token = create_token(session, None, "县教育局")
    app = create_app(settings_for(engine))
    with TestClient(app) as client:
        app.state.jobs_api.dispatcher = Held()  # jobs stay queued: nothing solves in the background
        yield {"app": app, "client": client, "community": document["communities"][0]["code"],
               "auth": {"Authorization": f"Bearer {token}"}}
    app.state.engine.dispose()


def call_counting_reads(app: FastAPI, path: str, headers: dict[str, str], body: bytes) -> tuple[int, int]:
    """Call the app directly; the status it answered and how often it asked for the body."""
    reads = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "state": {}}
    anyio.run(app, scope, receive, send)
    return status, reads


def test_an_unauthenticated_body_is_never_read(site: dict[str, Any]) -> None:
    path = f"/api/communities/{site['community']}/regenerate"
    body = b'{"term": "' + TERM.encode() + b'"}'
    for headers in ({}, {"Authorization": "Bearer tpa_x_y"}, {"Authorization": "Basic abc"}):
        status, reads = call_counting_reads(site["app"], path, {**headers, "content-type": "application/json"},
                                            body)
        assert (status, reads) == (401, 0), headers


def test_an_authenticated_request_still_works(site: dict[str, Any]) -> None:
    response = site["client"].post(f"/api/communities/{site['community']}/regenerate", json={"term": TERM},
                                   headers=site["auth"])
    assert response.status_code == 202, response.text


def test_a_body_over_the_limit_is_refused_while_streaming(site: dict[str, Any]) -> None:
    path = f"/api/communities/{site['community']}/regenerate"
    big = b'{"term": "' + b"x" * (DEFAULT_MAX_BODY + 10) + b'"}'
    declared = site["client"].post(path, content=big, headers={**site["auth"], "content-type": "application/json"})
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as the body arrives
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]

    streamed = site["client"].post(path, content=chunks(), headers={**site["auth"], "content-type": "application/json"})
    assert streamed.status_code == 413
    unauthenticated = site["client"].post(path, content=chunks(), headers={"content-type": "application/json"})
    assert unauthenticated.status_code == 401


def test_errors_never_echo_a_long_value(site: dict[str, Any]) -> None:
    long_term = "长" * 20000  # 60 kB of UTF-8, under the body limit
    response = site["client"].post(f"/api/communities/{site['community']}/regenerate",
                                   json={"term": long_term}, headers=site["auth"])
    assert response.status_code == 422
    assert len(response.content) < 1000
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "term"]
    assert error["input"].startswith("长" * SHOWN_INPUT) and "20000" in error["input"]


def test_only_the_admin_api_schema_is_public(site: dict[str, Any]) -> None:
    client = site["client"]
    for path in ("/openapi.json", "/redoc"):
        assert client.get(path).status_code == 404, path
    assert "/api/openapi.json" in client.get("/docs").text  # the offline docs page shows the public schema
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["paths"] and all(p.startswith("/api/") for p in schema.json()["paths"])


# --- the real server ---------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def push_body(port: int, path: str, size: int, headers: dict[str, str], chunked: bool) -> int:
    """Send `size` bytes of body, stopping when the server answers; returns the status it answered."""
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(head.encode())
        piece = b"x" * 65536
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
        sent, answer = 0, b""
        sock.setblocking(False)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and b"\r\n" not in answer:
            readable, writable, _ = select.select([sock], [sock] if sent < size else [], [], 1)
            if readable:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
            elif writable:
                try:
                    sent += sock.send(frame)
                except (BlockingIOError, InterruptedError):
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    break
        if b"\r\n" not in answer:
            sock.setblocking(True)
            sock.settimeout(5)
            try:
                answer += sock.recv(65536)
            except OSError:
                pass
        assert sent < size, "the whole body went in: the server read it"
        return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    finally:
        sock.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    url, token = empty_county(tmp_path / "serve.db", "县教育局")
    with tongpan_serve(url, tmp_path / "serve.log") as served:
        yield {"port": served.port, "pid": served.pid, "token": token}


def test_four_200_mb_bodies_leave_the_server_memory_alone(server: dict[str, Any]) -> None:
    idle = rss_mib(server["pid"])
    path = "/api/communities/X/regenerate"
    peak = idle
    runs = [(path, {}, False), (path, {}, True), (path, {"Authorization": "Bearer tpa_x_y"}, True),
            (path, {"Authorization": f"Bearer {server['token']}"}, True)]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(push_body, server["port"], p, 200 * MB, h, c) for p, h, c in runs]
        while not all(f.done() for f in futures):
            peak = max(peak, rss_mib(server["pid"]))
            time.sleep(0.05)
        statuses = [f.result() for f in futures]
    peak = max(peak, rss_mib(server["pid"]))
    assert statuses == [413, 401, 401, 413]
    assert peak - idle < 100, f"idle {idle:.0f} MiB, peak {peak:.0f} MiB"
