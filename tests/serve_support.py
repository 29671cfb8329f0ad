"""A real `tongpan serve` on a spare port, and signing in to its workplace in a browser.

For the tests and the benchmarks that need a server process of their own
(tests/test_web_limits.py, tests/test_browser.py, bench/hardening.py,
bench/dashboard_site.py); the benchmarks put tests/ on sys.path. No pytest
here: a server that does not start raises, with its log.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.db import make_engine, transaction, upgrade
from tasks.access import create_token

TONGPAN = str(Path(sys.executable).with_name("tongpan"))
CHROMIUM = os.environ.get("TONGPAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def empty_county(path: Path, note: str) -> tuple[str, str]:
    """A new SQLite database at `path` with the schema and no dataset: its URL and a county admin token."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        token = create_token(session, None, note)
    engine.dispose()
    return url, token


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:{port}
    port: int
    pid: int


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=1):  # raises unless 2xx
            return True
    except OSError:
        return False


@contextmanager
def tongpan_serve(database_url: str, log: Path, env: Mapping[str, str] | None = None,
                  timeout: float = 60) -> Iterator[Served]:
    """`tongpan serve` over `database_url` with the in-process job runner (no broker) and its own
    address as public URL, writing its output to `log`; yields once /healthz answers, stops it after.

    `env` adds or overrides environment variables (e.g. the solver's time limit).
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "TONGPAN_DATABASE_URL": database_url, "TONGPAN_PUBLIC_URL": base, **(env or {})}
    environment.pop("TONGPAN_BROKER_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen([TONGPAN, "serve", "--port", str(port)], env=environment, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    out.flush()
                    raise RuntimeError(f"tongpan serve did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
            yield Served(base, port, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def sign_in(page: Any, base: str, token: str) -> None:
    """Sign in to the workplace at `base` in a Playwright page, as a person would: the overview sends
    a signed-out visitor to the sign-in form, and the token brings them back to the overview."""
    page.goto(base + "/")
    assert "/login" in page.url, page.url
    page.fill("input[name=token]", token)
    page.click("button:has-text('登录')")
    page.wait_for_url(base + "/")
