"""Recovery in minutes: a killed worker's job is taken over after its lease, not the broker's visibility
timeout, and a publish hit by a database outage resumes when the database is back.

The SIGKILL test runs real `tongpan worker` and `tongpan beat` processes with the default lease (30 s),
visibility timeout (600 s) and sweep (15 s); only the solver's thread count is lowered for the CI machine.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

from jobs_support import TERM, FakeWork, Processes, RedisServer, import_document, small_community, small_county, wait_for
from scheduler.db import make_engine, transaction, upgrade
from scheduler.models import PlanVersion
from scheduler.plans import now
from tasks.config import Limits
from tasks.dispatch import sweep
from tasks.jobs import trigger
from tasks.models import Job
from tasks.regenerate import DatabaseUnavailable, publish_job, solve_job
from tasks.runner import InProcessRunner

LIMITS = Limits(solver_seconds=5, solver_workers=1, visibility_timeout=600, lease=30)


class Recorder:
    in_process = False

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    def send(self, job_id: int, step: str) -> None:
        self.sent.append((job_id, step))


def _set(engine: Engine, job_id: int, **values: Any) -> None:
    with transaction(engine) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def test_a_running_job_silent_past_its_lease_is_sent_again_without_waiting_for_the_broker(
        engine: Engine, tmp_path: Path) -> None:
    community = import_document(engine, tmp_path, small_county(1))["communities"][0]["code"]
    job = trigger(engine, community, TERM, "test").job
    recorder = Recorder()
    silent = now() - timedelta(seconds=LIMITS.lease + 1)
    _set(engine, job.id, state="running", heartbeat_at=silent, dispatched_at=silent)
    assert sweep(engine, recorder, stale_after=LIMITS.stale_after, silent_after=LIMITS.lease) == 1
    assert recorder.sent == [(job.id, "solve")]
    assert sweep(engine, recorder, stale_after=LIMITS.stale_after, silent_after=LIMITS.lease) == 0  # just sent
    _set(engine, job.id, heartbeat_at=now(), dispatched_at=silent)  # its runner is alive: left alone
    assert sweep(engine, recorder, stale_after=LIMITS.stale_after, silent_after=LIMITS.lease) == 0


def test_a_publish_that_loses_the_database_is_retried_not_failed(engine: Engine, tmp_path: Path) -> None:
    community = import_document(engine, tmp_path, small_county(1))["communities"][0]["code"]
    fake = FakeWork()
    job = trigger(engine, community, TERM, "test").job
    assert solve_job(engine, job.id, "w", LIMITS, fake.work()).action == "publish"
    work = fake.work()

    def unreachable(*_: Any, **__: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    broken = type(work)(solve_checked=work.solve_checked, publish=unreachable)
    with pytest.raises(DatabaseUnavailable):
        publish_job(engine, job.id, broken)
    with transaction(engine) as session:
        row = session.get_one(Job, job.id)
        assert row.state == "running" and row.plan_version_id is not None
    publish_job(engine, job.id, work)
    with transaction(engine) as session:
        assert session.get_one(Job, job.id).state == "succeeded"


class CuttableProxy:
    """A TCP forwarder to PostgreSQL that a test can cut (every connection dropped, new ones refused)
    and restore: a database outage without stopping the shared server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.listener.close()
        self.cut()


def test_a_publish_interrupted_by_a_database_outage_resumes_when_it_is_back(postgres_url: str,
                                                                           tmp_path: Path) -> None:
    proxy = CuttableProxy(("127.0.0.1", 5432))
    url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    engine = make_engine(url)
    try:
        upgrade(engine)
        community = import_document(engine, tmp_path, small_community())["communities"][0]["code"]
        fake = FakeWork()
        job = trigger(engine, community, TERM, "test").job
        assert solve_job(engine, job.id, "w", LIMITS, fake.work()).action == "publish"
        work = fake.work()
        calls = 0

        def publish_during_an_outage(session: Any, *args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:  # the database goes away in the middle of the first publish
                proxy.cut()
                threading.Timer(3.0, proxy.restore).start()
            return work.publish(session, *args, **kwargs)

        flaky = type(work)(solve_checked=work.solve_checked, publish=publish_during_an_outage)
        started = time.monotonic()
        InProcessRunner(engine, LIMITS, flaky).run(job.id)  # the job is at publishing: run() publishes
        took = time.monotonic() - started
        with transaction(engine) as session:
            row = session.get_one(Job, job.id)
            assert row.state == "succeeded", row.message
        print(f"published {took:.1f} s after the outage began")
        assert calls >= 2 and took < 120
    finally:
        engine.dispose()
        proxy.close()


@pytest.fixture
def celery_stack(postgres_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    redis = RedisServer(tmp_path)
    redis.start()
    env = {"TONGPAN_DATABASE_URL": postgres_url, "TONGPAN_BROKER_URL": redis.url, "TONGPAN_SOLVER_WORKERS": "1"}
    engine = make_engine(postgres_url)
    upgrade(engine)
    community = str(import_document(engine, tmp_path, small_community())["communities"][0]["code"])
    processes = Processes(env, tmp_path)
    try:
        yield {"engine": engine, "processes": processes, "community": community, "dir": tmp_path}
    finally:
        processes.stop_all()
        redis.stop()
        engine.dispose()


def test_a_worker_killed_mid_solve_finishes_once_within_two_minutes(celery_stack: dict[str, Any]) -> None:
    engine, processes = celery_stack["engine"], celery_stack["processes"]

    def job_row(job_id: int) -> Job:
        with transaction(engine) as session:
            return session.get_one(Job, job_id)

    def logs() -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(celery_stack["dir"].glob("*.log")))

    processes.start("beat", "beat", "--schedule", str(celery_stack["dir"] / "beat-schedule"))
    first = processes.start("w1", "worker", "--queues", "solve,publish", "--hostname", "w1@%h")
    triggered = processes.run("regenerate", "--community", celery_stack["community"], "--term", TERM)
    assert triggered.returncode == 0, triggered.stderr
    with transaction(engine) as session:
        job_id = session.scalars(select(Job.id).order_by(Job.id.desc())).first()
    assert job_id is not None
    wait_for(lambda: job_row(job_id).phase == "solving", 180, "the solve to start", details=logs)
    processes.kill(first)
    killed = time.monotonic()
    processes.start("w2", "worker", "--queues", "solve,publish", "--hostname", "w2@%h")
    job = wait_for(lambda: (j := job_row(job_id)).state != "running" and j, 300, "the job to finish",
                   details=logs)
    recovered = time.monotonic() - killed
    assert job.state == "succeeded", job.message + logs()
    assert job.attempts == 2 and job.worker is not None and job.worker.startswith("w2@")
    with transaction(engine) as session:
        stored = [p.stats.get("job") for p in session.scalars(select(PlanVersion))]
    assert stored == [job_id], "the job stored more than one version"
    (celery_stack["dir"] / "recovery-seconds.txt").write_text(f"{recovered:.1f}\n")
    print(f"recovered {recovered:.1f} s after the kill")
    assert recovered < 120, f"took {recovered:.0f} s after the kill"
