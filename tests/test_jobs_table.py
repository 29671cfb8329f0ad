"""The job table service on SQLite and PostgreSQL: one active job per community, claims, progress, sweep."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from jobs_support import TERM, import_document, small_county
from scheduler.db import transaction
from scheduler.plans import now
from tasks.config import Limits
from tasks.dispatch import DispatchFailed, dispatch, sweep
from tasks.jobs import Reporter, UnknownTarget, cancel, claim, trigger, trigger_county
from tasks.models import Job

LIMITS = Limits(solver_seconds=10, solver_workers=1, visibility_timeout=60, lease=3)


@pytest.fixture
def county(engine: Engine, tmp_path: Path) -> list[str]:
    document = import_document(engine, tmp_path, small_county(2))
    return [c["code"] for c in document["communities"]]


def _set(engine: Engine, job_id: int, **values: object) -> None:
    with transaction(engine) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def _job(engine: Engine, job_id: int) -> Job:
    with transaction(engine) as session:
        return session.get_one(Job, job_id)


def test_second_trigger_returns_the_active_job(engine: Engine, county: list[str]) -> None:
    first = trigger(engine, county[0], TERM, "test")
    second = trigger(engine, county[0], TERM, "test")
    other = trigger(engine, county[1], TERM, "test")
    assert first.created and not second.created and other.created
    assert second.job.id == first.job.id != other.job.id
    _set(engine, first.job.id, state="running")
    assert trigger(engine, county[0], TERM, "test").job.id == first.job.id
    _set(engine, first.job.id, state="succeeded")
    again = trigger(engine, county[0], TERM, "test")
    assert again.created and again.job.id != first.job.id


def test_the_database_refuses_two_active_jobs(engine: Engine, county: list[str]) -> None:
    job = trigger(engine, county[0], TERM, "test").job
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.add(Job(kind="regenerate", community_code=county[0], term_code=TERM, state="running",
                        phase="loading", progress=0, message="", detail={}, attempts=0, triggered_by="x",
                        created_at=now()))
    _set(engine, job.id, state="failed")
    with transaction(engine) as session:  # finished jobs do not count
        session.add(Job(kind="regenerate", community_code=county[0], term_code=TERM, state="queued",
                        phase="queued", progress=0, message="", detail={}, attempts=0, triggered_by="x",
                        created_at=now()))


def test_racing_triggers_make_one_job(engine: Engine, county: list[str]) -> None:
    ids: list[int] = []
    barrier = threading.Barrier(6)

    def fire() -> None:
        barrier.wait()
        ids.append(trigger(engine, county[0], TERM, "race").job.id)

    threads = [threading.Thread(target=fire) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 6 and len(set(ids)) == 1


def test_unknown_community_or_term_is_refused(engine: Engine, county: list[str]) -> None:
    with pytest.raises(UnknownTarget, match="没有教共体 NOPE"):
        trigger(engine, "NOPE", TERM, "test")
    with pytest.raises(UnknownTarget, match="没有学期 1999-1"):
        trigger_county(engine, "1999-1", "test")


def test_county_trigger_makes_one_job_per_community(engine: Engine, county: list[str]) -> None:
    existing = trigger(engine, county[1], TERM, "test").job
    jobs = trigger_county(engine, TERM, "test")
    assert [t.job.community_code for t in jobs] == sorted(county)
    assert [t.created for t in jobs] == [True, False]
    assert jobs[1].job.id == existing.id


def test_claim_leaves_a_live_run_alone_and_takes_over_a_silent_one(engine: Engine, county: list[str]) -> None:
    job = trigger(engine, county[0], TERM, "test").job
    first = claim(engine, job.id, "w1", LIMITS)
    assert (first.action, first.attempt) == ("solve", 1)
    held = claim(engine, job.id, "w2", LIMITS)
    assert held.action == "wait" and 1 <= held.delay <= LIMITS.lease
    _set(engine, job.id, heartbeat_at=now() - timedelta(seconds=LIMITS.lease + 1))
    second = claim(engine, job.id, "w2", LIMITS)
    assert (second.action, second.attempt) == ("solve", 2)
    row = _job(engine, job.id)
    assert (row.state, row.worker, row.attempts) == ("running", "w2", 2)


def test_a_job_that_keeps_dying_fails_after_the_last_attempt(engine: Engine, county: list[str]) -> None:
    job = trigger(engine, county[0], TERM, "test").job
    _set(engine, job.id, state="running", attempts=LIMITS.max_attempts,
         heartbeat_at=now() - timedelta(seconds=LIMITS.lease + 1))
    assert claim(engine, job.id, "w", LIMITS).action == "done"
    row = _job(engine, job.id)
    assert row.state == "failed" and f"已尝试 {LIMITS.max_attempts} 次" in row.message


def test_finished_and_cancelled_jobs_are_not_run_again(engine: Engine, county: list[str]) -> None:
    job = trigger(engine, county[0], TERM, "test").job
    cancel(engine, [job.id], "不要了")
    assert claim(engine, job.id, "w", LIMITS).action == "done"
    assert _job(engine, job.id).state == "cancelled"
    assert claim(engine, 10_000, "w", LIMITS).action == "done"


def test_reporter_writes_at_most_once_a_second_and_stops_when_the_job_is_taken(
        engine: Engine, county: list[str]) -> None:
    job = trigger(engine, county[0], TERM, "test").job
    step = claim(engine, job.id, "w", LIMITS)
    with Reporter(engine, job.id, step.attempt, LIMITS) as reporter:
        started = time.monotonic()
        while time.monotonic() - started < 2.5:
            reporter.solver_progress({"phase": "timetable", "objective": 42, "bound": 40, "elapsed": 5.0})
            time.sleep(0.001)
    assert 1 <= reporter.writes <= 4
    row = _job(engine, job.id)
    assert row.phase == "solving" and row.detail["objective"] == 42
    assert row.message == "求解中：已用 5/10 秒，优化课表，罚分 42，下界 40"
    assert 0.05 < row.progress < 0.95 and not reporter.lost
    _set(engine, job.id, attempts=step.attempt + 1)  # another worker took the job over
    with Reporter(engine, job.id, step.attempt, LIMITS) as reporter:
        reporter.phase("publishing", "不该写入")
        time.sleep(1.2)
    assert reporter.lost and _job(engine, job.id).phase == "solving"


class Recorder:
    in_process = False

    def __init__(self, down: bool = False) -> None:
        self.sent: list[tuple[int, str]] = []
        self.down = down

    def send(self, job_id: int, step: str) -> None:
        if self.down:
            raise DispatchFailed("connection refused")
        self.sent.append((job_id, step))


def test_sweep_sends_undispatched_orphaned_and_long_queued_jobs_only(engine: Engine, county: list[str]) -> None:
    down = Recorder(down=True)
    queued = trigger(engine, county[0], TERM, "test").job
    assert not dispatch(engine, down, queued.id)
    row = _job(engine, queued.id)
    assert row.state == "queued" and row.dispatched_at is None and "消息队列暂不可用" in row.message
    sent = trigger(engine, county[1], TERM, "test").job
    up = Recorder()
    assert dispatch(engine, up, sent.id)
    assert sweep(engine, up, stale_after=LIMITS.stale_after) == 1
    assert up.sent == [(sent.id, "solve"), (queued.id, "solve")]
    # A running job silent past visibility timeout + lease has lost its worker and its message.
    long_ago = now() - timedelta(seconds=LIMITS.stale_after + 1)
    _set(engine, sent.id, state="running", heartbeat_at=long_ago, dispatched_at=long_ago)
    _set(engine, queued.id, dispatched_at=now())
    up.sent.clear()
    assert sweep(engine, up, stale_after=LIMITS.stale_after) == 1
    assert up.sent == [(sent.id, "solve")]
    assert sweep(engine, up, stale_after=LIMITS.stale_after) == 0  # resent just now
    # A queued job sent that long ago may have lost its message with a broker restart: sent again, once.
    _set(engine, queued.id, dispatched_at=long_ago)
    up.sent.clear()
    assert sweep(engine, up, stale_after=LIMITS.stale_after) == 1
    assert up.sent == [(queued.id, "solve")]
    assert sweep(engine, up, stale_after=LIMITS.stale_after) == 0


def test_the_county_task_queues_one_job_per_community_even_with_the_broker_down(
        engine: Engine, county: list[str]) -> None:
    from tasks.celery_app import create_app

    app = create_app(str(engine.url.render_as_string(hide_password=False)), "redis://127.0.0.1:1/0", LIMITS)
    ids = app.tasks["tongpan.regenerate_county"].apply(args=[TERM]).get()
    jobs = [_job(engine, i) for i in ids]
    assert [j.community_code for j in jobs] == sorted(county)
    assert all(j.state == "queued" and j.dispatched_at is None for j in jobs)
    assert app.tasks["tongpan.dispatch_pending"].apply().get() == 0  # still down: left for the next sweep


def test_a_task_killed_at_its_hard_time_limit_fails_its_job(engine: Engine, county: list[str]) -> None:
    from celery.exceptions import TimeLimitExceeded

    from tasks.celery_app import create_app

    app = create_app(str(engine.url.render_as_string(hide_password=False)), "redis://127.0.0.1:1/0", LIMITS)
    job = trigger(engine, county[0], TERM, "test").job
    claim(engine, job.id, "w", LIMITS)
    app.tasks["tongpan.regenerate"].on_failure(TimeLimitExceeded(LIMITS.hard_time_limit), "task", (job.id,), {}, None)
    row = _job(engine, job.id)
    assert row.state == "failed" and row.message == f"超过硬时限 {LIMITS.hard_time_limit:g} 秒，任务被终止"


def test_the_nightly_task_refreshes_feeds_through_calendars(engine: Engine, county: list[str]) -> None:
    from tasks.celery_app import create_app

    app = create_app(str(engine.url.render_as_string(hide_password=False)), "redis://127.0.0.1:1/0", LIMITS)
    assert app.tasks["tongpan.refresh_feeds"].apply().get() == 0  # no feed has a passed cancelled event
