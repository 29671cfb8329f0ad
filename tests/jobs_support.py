"""Helpers of the job-layer tests: datasets, fakes for the solver and publisher, and real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from conftest import missing_service
from scheduler.check import Violation
from scheduler.dataset.load import import_file
from scheduler.dataset.store import StoredDataset
from scheduler.generate import generate_community_dataset, generate_county
from scheduler.plan_document import Plan, PlanDocument, read_plan
from scheduler.plans import find_version, set_published
from tasks.regenerate import Work

TONGPAN = str(Path(sys.executable).with_name("tongpan"))
TERM = "2026-1"


def import_document(engine: Engine, tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    import_file(engine, path)
    return document


def small_community() -> dict[str, Any]:
    return generate_community_dataset("S", 1)


def one_group_fewer() -> dict[str, Any]:
    """The small community without its last research group: a regeneration after importing it must change
    the plan (that group's meetings go), so it stores a new version rather than finding the published one."""
    document = small_community()
    document["research_groups"] = document["research_groups"][:-1]
    return document


def small_county(communities: int = 2) -> dict[str, Any]:
    return generate_county(communities, 1)


def fake_plan(n: int) -> Plan:
    """A one-lesson plan whose lesson code and objective are `n` (what the fake solver returns)."""
    return read_plan({"activities": [{"kind": "lesson", "code": f"A{n}", "subject": "YW", "day": "mon",
                                      "start": "08:00", "end": "08:40", "campus": "X", "classes": ["X-1"],
                                      "teachers": ["T1"]}],
                      "unmet": [], "stats": {"objective": n}})


@dataclass
class FakeWork:
    """Stands in for the solver and checker (planning.solve_checked) and feed publication; records calls."""

    violations: list[Violation] = field(default_factory=list)
    solve_error: Exception | None = None
    progress_reports: int = 3
    solves: list[dict[str, Any]] = field(default_factory=list)
    publications: list[tuple[str, str, int]] = field(default_factory=list)
    published_from: list[StoredDataset | None] = field(default_factory=list)  # the dataset each publish was given
    before_return: Callable[[], None] | None = None
    same_plan: bool = False  # every solve finds the first solve's plan again

    def solve_checked(self, ds: Any, published: PlanDocument | None, community: str, term: str,
                      **options: Any) -> tuple[Plan, list[Violation]]:
        self.solves.append({"community": community, "term": term, "published": published, "dataset": ds, **options})
        for i in range(self.progress_reports):
            options["progress"]({"phase": "search", "objective": 100 - i, "bound": 90, "elapsed": float(i)})
        if self.solve_error is not None:
            raise self.solve_error
        if self.before_return is not None:
            self.before_return()
        n = 1 if self.same_plan else len(self.solves)
        return fake_plan(n), list(self.violations)

    def publish(self, session: Session, community: str, term: str, version: int, *,
                dataset: StoredDataset | None = None) -> Any:
        set_published(session, find_version(session, community, term, version))
        self.publications.append((community, term, version))
        self.published_from.append(dataset)
        return SimpleNamespace(feeds_changed=3)

    def work(self) -> Work:
        return Work(solve_checked=self.solve_checked, publish=self.publish)


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             every: float = 0.2, details: Callable[[], str] | None = None) -> Any:
    """Poll until `condition` is truthy; on timeout, fail naming `what` and, if given, `details()`
    (called then, so worker logs show what the processes did meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    tail = f"\n{details()}" if details else ""
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{tail}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private redis-server on a spare port that a test may stop and start again."""

    def __init__(self, tmp_path: Path) -> None:
        if shutil.which("redis-server") is None:
            missing_service("redis-server", "apt-get install redis-server")
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, f"redis-server on port {self.port}", every=0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Processes:
    """`tongpan` subprocesses, each in a session of its own so a kill reaches its Celery children."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env}
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen([TONGPAN, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.running.append(process)
        return process

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([TONGPAN, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
        self.running.clear()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""
