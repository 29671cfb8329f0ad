"""The job table as a service: trigger (one active job per community and term), claim, report, finish.

Every process that touches a job — web, CLI, Celery worker, in-process runner —
goes through these functions, so the rules live in one place:

- a trigger commits a `queued` row before anything is sent anywhere, and a
  second trigger while one is queued or running gets that job back (the
  partial unique index `uq_job_active` settles races between processes);
- a delivered job is claimed under a row lock: finished jobs are dropped, a
  job that already stored its plan version goes straight to publishing, and
  a job another live worker holds (it wrote to the row less than a lease ago)
  is handed back to wait;
- a running job's progress and heartbeat are written by a `Reporter`, at most
  once a second, and only while this run still owns the job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler import models as m
from scheduler.dataset.store import StoredDataset
from scheduler.db import transaction
from scheduler.plans import aware, now
from scheduler.solver.summary import progress_text
from tasks.config import Limits
from tasks.models import Job
from tasks.states import ACTIVE_STATES, FINISHED_STATES

log = logging.getLogger(__name__)

REGENERATE = "regenerate"
PROGRESS = {"queued": 0.0, "loading": 0.02, "solving": 0.05, "publishing": 0.96, "done": 1.0}
SOLVING_SHARE = 0.9  # the solve (and the check after it) takes progress from 5 % to 95 %


class UnknownTarget(LookupError):
    """The community or term to regenerate is not in the stored dataset."""


@dataclass(frozen=True)
class Triggered:
    job: Job
    created: bool


def active_job(session: Session, community: str, term: str) -> Job | None:
    return session.scalar(select(Job).where(Job.community_code == community, Job.term_code == term,
                                            Job.state.in_(ACTIVE_STATES)))


def _check_target(session: Session, community: str | None, term: str) -> None:
    if session.get(m.Term, term) is None:
        raise UnknownTarget(f"没有学期 {term}")
    if community is not None and session.get(m.Community, community) is None:
        raise UnknownTarget(f"没有教共体 {community}")


def trigger(engine: Engine, community: str, term: str, triggered_by: str) -> Triggered:
    """A new queued job for the community and term, or the one already queued or running."""
    # An insert that loses a race to another trigger finds the winner's row on the
    # next pass (unless that job finished in between, and then it inserts again).
    for _ in range(3):
        try:
            with transaction(engine) as session:
                _check_target(session, community, term)
                existing = active_job(session, community, term)
                if existing is not None:
                    return Triggered(existing, False)
                job = Job(kind=REGENERATE, community_code=community, term_code=term, state="queued",
                          phase="queued", progress=0.0, message="等待执行", detail={}, attempts=0,
                          triggered_by=triggered_by[:200], created_at=now())
                session.add(job)
            return Triggered(job, True)
        except IntegrityError:
            continue
    raise RuntimeError(f"教共体 {community} 学期 {term} 的任务反复冲突，请稍后重试")


def trigger_county(engine: Engine, term: str, triggered_by: str) -> list[Triggered]:
    """One regenerate job per community of the county, in community-code order."""
    with transaction(engine) as session:
        _check_target(session, None, term)
        communities = list(session.scalars(select(m.Community.code).order_by(m.Community.code)))
    return [trigger(engine, community, term, triggered_by) for community in communities]


def recent_jobs(session: Session, *, communities: Collection[str] | None = None, term: str | None = None,
                state: str | None = None, limit: int = 50) -> list[Job]:
    """Newest first; `communities` restricts to those (a community admin's scope)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if communities is not None:
        query = query.where(Job.community_code.in_(communities))
    if term is not None:
        query = query.where(Job.term_code == term)
    if state is not None:
        query = query.where(Job.state == state)
    return list(session.scalars(query))


def plan_version_number(session: Session, job: Job) -> int | None:
    if job.plan_version_id is None:
        return None
    plan = session.get(m.PlanVersion, job.plan_version_id)
    return plan.version if plan else None


@dataclass(frozen=True)
class Step:
    """What a delivered job needs next: solve (as attempt n), publish, wait (seconds), or nothing."""

    action: Literal["solve", "publish", "wait", "done"]
    attempt: int = 0
    delay: float = 0.0
    dataset: StoredDataset | None = None  # what a solve read, for a publisher in the same process


def _lock(session: Session, job_id: int) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id).with_for_update())


def claim(engine: Engine, job_id: int, worker: str, limits: Limits) -> Step:
    """Decide, under the row lock, what this delivery of the job does; take the job if it is to solve."""
    with transaction(engine) as session:
        job = _lock(session, job_id)
        if job is None or job.state in FINISHED_STATES:
            return Step("done")
        if job.plan_version_id is not None:
            return Step("publish")
        moment = now()
        if job.state == "running" and job.heartbeat_at is not None:
            silent = (moment - aware(job.heartbeat_at)).total_seconds()
            if silent < limits.lease:
                return Step("wait", delay=max(1.0, limits.lease - silent))
        if job.attempts >= limits.max_attempts:
            finish(job, "failed", f"已尝试 {job.attempts} 次均未完成（执行进程中断或超时），任务终止")
            return Step("done")
        job.state, job.phase, job.progress = "running", "loading", PROGRESS["loading"]
        job.message = "读取数据集" if job.attempts == 0 else f"第 {job.attempts + 1} 次尝试：读取数据集"
        job.attempts += 1
        job.worker = worker[:200]
        job.started_at = job.started_at or moment
        job.heartbeat_at = moment
        return Step("solve", attempt=job.attempts)


def finish(job: Job, state: str, message: str) -> None:
    """Move a locked job to a final state."""
    job.state, job.phase, job.message, job.finished_at = state, "done", message, now()
    if state == "succeeded":
        job.progress = 1.0


def lock_active(session: Session, job_id: int, *, attempt: int | None = None) -> Job | None:
    """The job, locked, if it is still active (and still held by `attempt` when given); else None."""
    job = _lock(session, job_id)
    if job is None or job.state not in ACTIVE_STATES or (attempt is not None and job.attempts != attempt):
        return None
    return job


def fail(engine: Engine, job_id: int, message: str, *, attempt: int | None = None) -> bool:
    """Mark an active job failed; False when it had already finished or another run holds it."""
    with transaction(engine) as session:
        job = lock_active(session, job_id, attempt=attempt)
        if job is None:
            return False
        finish(job, "failed", message)
        return True


def cancel(engine: Engine, job_ids: Collection[int], message: str) -> None:
    with transaction(engine) as session:
        for job_id in job_ids:
            job = lock_active(session, job_id)
            if job is not None:
                finish(job, "cancelled", message)


def mark_dispatched(engine: Engine, job_id: int) -> None:
    """Record that a broker holds a message for the job; touches only that column."""
    with transaction(engine) as session:
        session.execute(update(Job).where(Job.id == job_id).values(dispatched_at=now()))


def note_undispatched(engine: Engine, job_id: int) -> None:
    with transaction(engine) as session:
        session.execute(update(Job).where(Job.id == job_id, Job.state == "queued").values(
            message="已排队；消息队列暂不可用，恢复后自动派发"))


def solving_report(info: dict[str, Any], limits: Limits) -> tuple[float, str]:
    """Progress fraction and the admin's message for one solver progress report."""
    elapsed = float(info.get("elapsed") or 0.0)
    share = min(1.0, elapsed / limits.solver_seconds) if limits.solver_seconds else 0.0
    parts = [f"求解中：已用 {elapsed:.0f}/{limits.solver_seconds:.0f} 秒", progress_text(info)]
    return PROGRESS["solving"] + SOLVING_SHARE * share, "，".join(p for p in parts if p)


class Reporter:
    """Writes a running job's phase, progress and heartbeat from a background thread.

    The solver calls `solver_progress` as often as it likes; the thread writes
    the latest state at most once a second, and at least every `limits.heartbeat`
    seconds so other workers know this run is alive. Writes are conditional on
    this run still owning the job (same attempt, no plan stored yet); when one
    matches nothing, `lost` turns true and the run's result will be discarded.
    """

    def __init__(self, engine: Engine, job_id: int, attempt: int, limits: Limits) -> None:
        self.engine, self.job_id, self.attempt, self.limits = engine, job_id, attempt, limits
        self.lost = False
        self.writes = 0
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"job-{job_id}-reporter", daemon=True)
        self._last_write = 0.0

    def __enter__(self) -> Reporter:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def phase(self, phase: str, message: str) -> None:
        self._set(phase=phase, progress=PROGRESS[phase], message=message)

    def solver_progress(self, info: dict[str, Any]) -> None:
        progress, message = solving_report(info, self.limits)
        detail = {k: info[k] for k in ("phase", "objective", "bound", "elapsed") if k in info}
        self._set(phase="solving", progress=progress, message=message, detail=detail)

    def _set(self, **values: Any) -> None:
        with self._lock:
            self._pending.update(values)

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                due = bool(self._pending) or time.monotonic() - self._last_write >= self.limits.heartbeat
            if due:
                self._write()
                self._last_write = time.monotonic()
        self._write()

    def _write(self) -> None:
        with self._lock:
            values, self._pending = self._pending, {}
        try:
            with transaction(self.engine) as session:
                result = session.execute(
                    update(Job).where(Job.id == self.job_id, Job.attempts == self.attempt,
                                      Job.state == "running", Job.plan_version_id.is_(None))
                    .values(heartbeat_at=now(), **values))
            self.writes += 1
            if result.rowcount == 0:  # type: ignore[attr-defined]
                self.lost = True
        except Exception:  # a missed progress write must not fail the solve it reports on
            log.warning("job %s: progress write failed", self.job_id, exc_info=True)
