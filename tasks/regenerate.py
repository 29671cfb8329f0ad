"""The regenerate job: solve against the published plan, check independently, store, then publish.

The same two steps run in Celery workers (queues `solve` and `publish`) and in
the in-process runner. Each is idempotent by job id: the version a job stores
is recorded on its row in the same transaction, so a redelivered job that has
one resumes at publishing, and publishing marks the job succeeded in the
transaction that switches the published pointer, so a second publish finds a
finished job. Until then readers keep the old published plan and its feeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from scheduler.check import Violation
from scheduler.dataset.store import StoredDataset
from scheduler.db import transaction
from scheduler.models import PlanVersion
from scheduler.plan_document import Plan
from scheduler.planning import PlanningError, load_for, published_same, store_checked, unchanged_message
from scheduler.plans import stored_document
from scheduler.solver.summary import summary_text
from tasks.config import Limits
from tasks.jobs import PROGRESS, Reporter, Step, claim, fail, finish, lock_active
from tasks.models import Job

if TYPE_CHECKING:
    from calendars.publish import PublishResult

log = logging.getLogger(__name__)

SolveChecked = Callable[..., tuple[Plan, list[Violation]]]
Publish = Callable[..., "PublishResult"]  # (session, community, term, version, *, dataset=StoredDataset | None)

SHOWN_VIOLATIONS = 3


@dataclass(frozen=True)
class Work:
    """What a regenerate job calls; tests put a fake solver (and publisher) in.

    `solve_checked` is scheduler.planning.solve_checked: the solve from the
    published plan, judged by the independent checker. `publish` is
    calendars.publish.publish, given the dataset the job solved from when it
    runs in the same process.
    """

    solve_checked: SolveChecked
    publish: Publish


def default_work() -> Work:
    """The real solver, checker and feed publication (imported on first use: OR-Tools is heavy)."""
    from calendars.publish import publish
    from scheduler.planning import solve_checked

    return Work(solve_checked=solve_checked, publish=publish)


def _violations_message(what: str, violations: list[Violation]) -> str:
    shown = "；".join(str(v) for v in violations[:SHOWN_VIOLATIONS])
    more = f"；另有 {len(violations) - SHOWN_VIOLATIONS} 处" if len(violations) > SHOWN_VIOLATIONS else ""
    return f"{what}未通过独立校验（{len(violations)} 处违规），未发布。{shown}{more}"


def _store(engine: Engine, job_id: int, attempt: int, result: Plan, violations: list[Violation],
           solved_from: StoredDataset) -> Step:
    """Store the version and record it on the job in one transaction, if this run still owns the job.

    A clean result equal to the published plan stores no version: the job
    succeeds at once, saying so, and nothing is published again.
    """
    with transaction(engine) as session:
        job = lock_active(session, job_id, attempt=attempt)
        if job is None or job.plan_version_id is not None:
            return Step("done")
        same = published_same(session, job.community_code, job.term_code, result, violations)
        if same is not None:
            finish(job, "succeeded", unchanged_message(same.version))
            return Step("done")
        plan = store_checked(session, job.community_code, job.term_code, result, violations,
                             solved_from=solved_from, job=job_id)
        job.plan_version_id = plan.id
        if violations:
            finish(job, "failed", _violations_message(f"第 {plan.version} 版", violations))
            return Step("done")
        job.phase, job.progress = "publishing", PROGRESS["publishing"]
        job.message = f"第 {plan.version} 版已通过校验并保存，等待发布"
        return Step("publish", dataset=solved_from)


def solve_job(engine: Engine, job_id: int, worker: str, limits: Limits, work: Work) -> Step:
    """Claim the job and, if it is this delivery's to solve, solve, check and store it.

    Returns the next step: `publish` (carrying the dataset it solved from, for
    a publisher in this process), `wait` (another live worker holds the job)
    or `done` (finished, failed, or taken over by another run).
    """
    step = claim(engine, job_id, worker, limits)
    if step.action != "solve":
        return step
    try:
        with Reporter(engine, job_id, step.attempt, limits) as reporter:
            with transaction(engine) as session:
                job = session.get_one(Job, job_id)
                community, term = job.community_code, job.term_code
            stored, published = load_for(engine, community, term)
            reporter.phase("solving", "开始求解")
            result, violations = work.solve_checked(stored, published, community, term,
                                                    time_limit=limits.solver_seconds,
                                                    workers=limits.solver_workers,
                                                    progress=reporter.solver_progress)
        if reporter.lost:
            return Step("done")
        return _store(engine, job_id, step.attempt, result, violations, stored)
    except SoftTimeLimitExceeded:
        fail(engine, job_id, f"超过时限 {limits.soft_time_limit:g} 秒，任务终止", attempt=step.attempt)
    except PlanningError as exc:
        fail(engine, job_id, str(exc), attempt=step.attempt)
    except Exception as exc:  # the job row must say what went wrong; the traceback goes to the log
        log.exception("job %s failed", job_id)
        fail(engine, job_id, f"运行出错：{type(exc).__name__}: {exc}", attempt=step.attempt)
    return Step("done")


def _published_message(version: PlanVersion, published: PublishResult) -> str:
    plan = stored_document(version)
    unmet = plan.unmet_periods
    tail = f"，{unmet} 节课未能安排（见方案中的未排清单）" if unmet else ""
    return (f"已发布第 {plan.version} 版：{len(plan.activities)} 项活动{tail}；"
            f"{published.feeds_changed} 个订阅日历已更新；{summary_text(plan.stats)}")


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; the step is to be tried again later, the job left running."""


def retry_delay(retries: int) -> float:
    """Seconds before trying a step again while the database is down: 5 s, doubling, at most a minute."""
    return min(60.0, 5.0 * 2 ** retries)


def database_down(exc: BaseException) -> bool:
    """Whether an error means the database connection failed, not that the work is wrong."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated
                                            or isinstance(exc, OperationalError | InterfaceError))


def publish_job(engine: Engine, job_id: int, work: Work, dataset: StoredDataset | None = None) -> None:
    """Publish the job's stored version and finish the job, in one transaction; a no-op once done.

    `dataset` is the one the job solved from, when this process solved it; a
    publisher elsewhere (Celery's publish queue) reads the current one, and a
    version solved from other data is checked again on it (calendars.publish).
    Raises DatabaseUnavailable when the database connection fails, so the
    caller retries instead of marking the job failed: a publish interrupted by
    an outage resumes when the database is back.
    """
    from calendars.publish import PublishRefused

    try:
        with transaction(engine) as session:
            job = lock_active(session, job_id)
            if job is None or job.plan_version_id is None:
                return
            plan = session.get_one(PlanVersion, job.plan_version_id)
            published = work.publish(session, job.community_code, job.term_code, plan.version, dataset=dataset)
            finish(job, "succeeded", _published_message(plan, published))
    except PublishRefused as exc:
        fail(engine, job_id, _violations_message(exc.verdict.describe() + "，", exc.verdict.violations))
    except Exception as exc:  # as in solve_job: the row says what went wrong
        if database_down(exc):
            raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc
        log.exception("job %s: publishing failed", job_id)
        fail(engine, job_id, f"发布失败：{type(exc).__name__}: {exc}")
