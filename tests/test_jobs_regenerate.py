"""The regenerate job with a fake solver: check gate, idempotency by job id, the published plan as hint."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from jobs_support import TERM, FakeWork, fake_plan, import_document, small_community, wait_for
from scheduler.check import Violation
from calendars.publish import publish
from scheduler.dataset.store import stored_revision
from scheduler.db import transaction
from scheduler.models import PlanVersion
from scheduler.plans import now, published_version
from tasks.config import Limits
from tasks.jobs import claim, trigger
from tasks.models import Job
from tasks.regenerate import Work, publish_job, solve_job
from tasks.runner import InProcessRunner

LIMITS = Limits(solver_seconds=10, solver_workers=1, visibility_timeout=60, lease=3)


@pytest.fixture
def community(engine: Engine, tmp_path: Path) -> str:
    return str(import_document(engine, tmp_path, small_community())["communities"][0]["code"])


def _job(engine: Engine, job_id: int) -> Job:
    with transaction(engine) as session:
        return session.get_one(Job, job_id)


def _version_row(session: Session, number: int) -> PlanVersion:
    return session.scalars(select(PlanVersion).where(PlanVersion.version == number)).one()


def _versions(engine: Engine) -> list[tuple[int, str]]:
    with transaction(engine) as session:
        return [(p.version, p.status) for p in session.scalars(select(PlanVersion).order_by(PlanVersion.version))]


def test_a_clean_plan_is_stored_published_and_recorded_on_the_job(engine: Engine, community: str) -> None:
    fake = FakeWork()
    job = trigger(engine, community, TERM, "test").job
    InProcessRunner(engine, LIMITS, fake.work()).run(job.id)
    row = _job(engine, job.id)
    assert (row.state, row.phase, row.progress, row.attempts) == ("succeeded", "done", 1.0, 1)
    assert row.message.startswith("已发布第 1 版：1 项活动；3 个订阅日历已更新；罚分 ")
    assert row.detail == {"phase": "search", "objective": 98, "bound": 90, "elapsed": 2.0}
    assert row.started_at is not None and row.finished_at is not None
    assert _versions(engine) == [(1, "published")]
    with transaction(engine) as session:
        plan = session.get_one(PlanVersion, row.plan_version_id)
        assert plan.stats["job"] == job.id
    assert fake.publications == [(community, TERM, 1)]
    assert fake.solves[0]["time_limit"] == 10 and fake.solves[0]["workers"] == 1
    assert fake.solves[0]["published"] is None


def test_a_plan_with_violations_is_stored_failed_and_never_published(engine: Engine, community: str) -> None:
    fake = FakeWork(violations=[Violation(2, f"教师 T{i} 周一 08:00 同时上两节课") for i in range(5)])
    job = trigger(engine, community, TERM, "test").job
    InProcessRunner(engine, LIMITS, fake.work()).run(job.id)
    row = _job(engine, job.id)
    assert row.state == "failed" and row.plan_version_id is not None
    assert row.message.startswith("第 1 版未通过独立校验（5 处违规），未发布。规则 2：教师 T0")
    assert row.message.endswith("另有 2 处")
    assert _versions(engine) == [(1, "failed")]
    assert fake.publications == []
    with transaction(engine) as session:
        assert published_version(session, community, TERM) is None


def test_a_job_delivered_again_yields_one_version_and_one_publication(engine: Engine, community: str) -> None:
    fake = FakeWork()
    job = trigger(engine, community, TERM, "test").job
    assert solve_job(engine, job.id, "w1", LIMITS, fake.work()).action == "publish"
    # The worker died after storing, before publishing: the redelivered job resumes at publishing.
    assert solve_job(engine, job.id, "w2", LIMITS, fake.work()).action == "publish"
    publish_job(engine, job.id, fake.work())
    publish_job(engine, job.id, fake.work())  # the publish message delivered twice
    assert solve_job(engine, job.id, "w3", LIMITS, fake.work()).action == "done"
    assert len(fake.solves) == 1 and fake.publications == [(community, TERM, 1)]
    assert _versions(engine) == [(1, "published")]
    assert _job(engine, job.id).attempts == 1


def test_the_published_plan_is_the_hint_and_stays_published_until_the_new_one_is(
        engine: Engine, community: str) -> None:
    fake = FakeWork()
    runner = InProcessRunner(engine, LIMITS, fake.work())
    runner.run(trigger(engine, community, TERM, "test").job.id)
    seen: list[int | None] = []

    def look() -> None:
        with transaction(engine) as session:
            plan = published_version(session, community, TERM)
            seen.append(plan.version if plan else None)

    fake.before_return = look
    runner.run(trigger(engine, community, TERM, "test").job.id)
    assert seen == [1]
    hint = fake.solves[1]["published"]
    assert (hint.version, hint.activities, hint.unmet) == (1, fake_plan(1).activities, [])
    assert _versions(engine) == [(1, "superseded"), (2, "published")]


def test_a_run_that_lost_its_job_to_another_worker_stores_nothing(engine: Engine, community: str) -> None:
    job = trigger(engine, community, TERM, "test").job

    def taken_over() -> None:
        with transaction(engine) as session:
            session.execute(update(Job).where(Job.id == job.id).values(attempts=Job.attempts + 1, worker="w2"))

    fake = FakeWork(before_return=taken_over)
    assert solve_job(engine, job.id, "w1", LIMITS, fake.work()).action == "done"
    assert _versions(engine) == []
    row = _job(engine, job.id)
    assert row.state == "running" and row.worker == "w2" and row.plan_version_id is None


def test_a_solver_error_fails_the_job_and_says_why(engine: Engine, community: str) -> None:
    fake = FakeWork(solve_error=MemoryError("out of memory"))
    job = trigger(engine, community, TERM, "test").job
    InProcessRunner(engine, LIMITS, fake.work()).run(job.id)
    row = _job(engine, job.id)
    assert row.state == "failed" and row.message == "运行出错：MemoryError: out of memory"
    assert _versions(engine) == [] and fake.publications == []


def test_the_runner_takes_up_jobs_a_dead_process_left(engine: Engine, community: str, tmp_path: Path) -> None:
    fake = FakeWork()
    job = trigger(engine, community, TERM, "test").job
    assert claim(engine, job.id, "dead", LIMITS).action == "solve"
    with transaction(engine) as session:
        session.execute(update(Job).where(Job.id == job.id).values(
            heartbeat_at=now() - timedelta(seconds=LIMITS.lease + 1)))
    assert InProcessRunner(engine, LIMITS, fake.work()).resume() == 1
    wait_for(lambda: _job(engine, job.id).state == "succeeded", 20, "the resumed job")
    row = _job(engine, job.id)
    assert row.attempts == 2 and row.worker is not None and row.worker.endswith(":in-process")
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_the_job_reads_the_dataset_once_and_publishes_from_what_it_solved(engine: Engine, community: str) -> None:
    fake = FakeWork()
    job = trigger(engine, community, TERM, "test").job
    InProcessRunner(engine, LIMITS, fake.work()).run(job.id)
    solved_from = fake.solves[0]["dataset"]
    assert fake.published_from == [solved_from]  # the same read, not a second one
    with transaction(engine) as session:
        assert _version_row(session, 1).dataset_revision == solved_from.revision == stored_revision(session)


def test_a_publish_in_another_process_after_a_reimport_checks_again_and_refuses(
        engine: Engine, community: str, tmp_path: Path) -> None:
    fake = FakeWork()
    job = trigger(engine, community, TERM, "test").job
    assert solve_job(engine, job.id, "w1", LIMITS, fake.work()).action == "publish"
    changed = small_community()
    changed["teachers"][0]["name"] = "新名字"
    import_document(engine, tmp_path, changed)
    # Celery's publish queue gets only the job id: it reads today's data, on which the fake plan's codes
    # (class X-1 at campus X) do not exist.
    publish_job(engine, job.id, Work(solve_checked=fake.solve_checked, publish=publish))
    row = _job(engine, job.id)
    assert row.state == "failed"
    assert "已按当前数据" in row.message and "未通过独立校验" in row.message and "规则 0" in row.message
    assert _versions(engine) == [(1, "ready")]


def test_a_regeneration_that_finds_the_published_plan_again_stores_no_version_and_says_so(
        engine: Engine, community: str) -> None:
    fake = FakeWork(same_plan=True)
    runner = InProcessRunner(engine, LIMITS, fake.work())
    runner.run(trigger(engine, community, TERM, "test").job.id)
    again = trigger(engine, community, TERM, "test").job
    runner.run(again.id)
    row = _job(engine, again.id)
    assert (row.state, row.plan_version_id) == ("succeeded", None)
    assert row.message == "排课结果与已发布的第 1 版相同，未保存新版本，订阅日历无变化"
    assert _versions(engine) == [(1, "published")]
    assert fake.publications == [(community, TERM, 1)]  # nothing published again


def test_a_result_with_violations_is_stored_even_when_it_equals_the_published_plan(
        engine: Engine, community: str) -> None:
    fake = FakeWork(same_plan=True)
    runner = InProcessRunner(engine, LIMITS, fake.work())
    runner.run(trigger(engine, community, TERM, "test").job.id)
    fake.violations = [Violation(6, "教师 T1 周一不能上课")]  # the data changed under the same plan
    runner.run(trigger(engine, community, TERM, "test").job.id)
    assert _versions(engine) == [(1, "published"), (2, "failed")]
