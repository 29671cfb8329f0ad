"""Jobs through real Celery workers, Redis and PostgreSQL: trigger over HTTP, crashes, a dead broker.

Each test gets a fresh PostgreSQL schema and a private redis-server it may stop
and start. Workers are `tongpan worker` processes in sessions of their own, so
SIGKILL reaches the worker and its pool child together. Short solver budgets,
a 4-second visibility timeout and a 3-second lease keep the suite quick.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from jobs_support import TERM, Processes, RedisServer, import_document, one_group_fewer, small_community, wait_for
from calendars.config import FeedConfig
from calendars.models import Feed
from calendars.tokens import current_token, server_secret
from scheduler.db import make_engine, transaction, upgrade
from scheduler.models import PlanVersion
from scheduler.plans import published_version
from tasks.access import create_token
from tasks.models import Job
from tongpan.settings import Settings

SOLVE_SECONDS = 3


@dataclass
class Stack:
    engine: Engine
    redis: RedisServer
    processes: Processes
    client: TestClient
    headers: dict[str, str]
    community: str

    def worker(self, name: str, solve_seconds: float = SOLVE_SECONDS) -> None:
        self.processes.env["TONGPAN_SOLVER_TIME_LIMIT"] = str(solve_seconds)
        self.processes.start(name, "worker", "--queues", "solve,publish", "--hostname", f"{name}@%h")

    def trigger(self) -> Any:
        return self.client.post(f"/api/communities/{self.community}/regenerate", json={"term": TERM},
                                headers=self.headers)

    def job(self, job_id: int) -> Job:
        with transaction(self.engine) as session:
            return session.get_one(Job, job_id)

    def finished(self, job_id: int, timeout: float = 60) -> Job:
        return wait_for(lambda: (j := self.job(job_id)).state in ("succeeded", "failed", "cancelled") and j,
                        timeout, f"job {job_id} to finish", details=self.logs)

    def versions(self) -> list[tuple[int, str, Any]]:
        with transaction(self.engine) as session:
            return [(p.version, p.status, p.stats.get("job"))
                    for p in session.scalars(select(PlanVersion).order_by(PlanVersion.version))]

    def feed(self) -> tuple[int, bytes]:
        """A teacher's feed of the community, fetched over HTTP as a subscriber would."""
        with transaction(self.engine) as session:
            feed = session.scalars(select(Feed).where(Feed.community_code == self.community,
                                                      Feed.kind == "teacher").order_by(Feed.code)).first()
            assert feed is not None, "no feed rendered"
            token = current_token(server_secret(session, FeedConfig.from_env()), feed)
        response = self.client.get(f"/feeds/{token}.ics")
        return response.status_code, response.content

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.processes.logs.glob("*.log")))


@pytest.fixture
def stack(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    redis = RedisServer(tmp_path)
    redis.start()
    env = {"TONGPAN_DATABASE_URL": postgres_url, "TONGPAN_BROKER_URL": redis.url,
           "TONGPAN_SOLVER_TIME_LIMIT": str(SOLVE_SECONDS), "TONGPAN_SOLVER_WORKERS": "1",
           "TONGPAN_BROKER_VISIBILITY_TIMEOUT": "4", "TONGPAN_JOB_LEASE": "3"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    engine = make_engine(postgres_url)
    upgrade(engine)
    community = str(import_document(engine, tmp_path, small_community())["communities"][0]["code"])
    with transaction(engine) as session:
        headers = {"Authorization": f"Bearer {create_token(session, None)}"}
    processes = Processes(env, tmp_path)
    from tongpan.web.app import create_app

    try:
        with TestClient(create_app(Settings.from_env())) as client:
            yield Stack(engine, redis, processes, client, headers, community)
    finally:
        processes.stop_all()
        redis.stop()
        engine.dispose()


def test_an_http_trigger_goes_through_a_worker_to_a_published_plan_and_a_served_feed(stack: Stack) -> None:
    stack.worker("w1")
    first, second = stack.trigger(), stack.trigger()
    assert (first.status_code, second.status_code) == (202, 200)
    job_id = first.json()["job"]["id"]
    assert second.json()["job"]["id"] == job_id and not second.json()["created"]
    job = stack.finished(job_id)
    assert job.state == "succeeded", job.message
    assert job.attempts == 1 and job.worker is not None and job.worker.startswith("w1@")
    assert stack.versions() == [(1, "published", job_id)]
    status, body = stack.feed()
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR") and b"BEGIN:VEVENT" in body
    seen = stack.client.get(f"/api/jobs/{job_id}", headers=stack.headers).json()
    assert (seen["state"], seen["plan_version"], seen["progress"]) == ("succeeded", 1, 1.0)


def test_a_worker_killed_mid_solve_is_replaced_and_the_old_feeds_stay_served(stack: Stack) -> None:
    stack.worker("w1")
    assert stack.finished(stack.trigger().json()["job"]["id"]).state == "succeeded"
    status, old_feed = stack.feed()
    assert status == 200
    stack.processes.stop_all()
    import_document(stack.engine, stack.processes.logs, one_group_fewer())  # so the new job has a new plan

    stack.worker("w2", solve_seconds=8)
    job_id = stack.trigger().json()["job"]["id"]
    # Generous: a worker under a loaded CI machine takes a while to import OR-Tools and Celery.
    wait_for(lambda: stack.job(job_id).phase == "solving", 120, "the solve to start", details=stack.logs)
    stack.processes.kill(stack.processes.running[-1])
    assert stack.job(job_id).state == "running"
    assert stack.feed() == (200, old_feed)

    stack.worker("w3", solve_seconds=SOLVE_SECONDS)
    deadline = time.monotonic() + 180
    while (job := stack.job(job_id)).state == "running":
        assert time.monotonic() < deadline, "the job was not taken up again:\n" + stack.logs()
        status, body = stack.feed()
        assert status == 200  # subscribers are served throughout
        with transaction(stack.engine) as session:
            published = published_version(session, stack.community, TERM)
            assert published is not None and published.version in (1, 2)
            if published.version == 1:
                assert body == old_feed
    assert job.state == "succeeded", job.message + stack.logs()
    assert job.attempts == 2 and job.worker is not None and job.worker.startswith("w3@")
    first_job = stack.versions()[0][2]
    assert stack.versions() == [(1, "superseded", first_job), (2, "published", job_id)]


def test_a_trigger_while_the_broker_is_down_queues_the_job_and_it_runs_once_the_broker_is_back(
        stack: Stack) -> None:
    stack.redis.stop()
    response = stack.trigger()
    assert response.status_code == 202
    job = response.json()["job"]
    assert job["state"] == "queued" and job["dispatched_at"] is None and "消息队列暂不可用" in job["message"]
    assert stack.trigger().json()["job"]["id"] == job["id"]  # still one job
    stack.redis.start()
    stack.worker("w1")  # its start-up sweep sends what was queued meanwhile
    done = stack.finished(job["id"])
    assert done.state == "succeeded", done.message
    assert done.dispatched_at is not None
    assert stack.versions() == [(1, "published", job["id"])]
