"""Handing committed jobs to whoever runs them, and the sweep that finds jobs nobody holds.

A trigger commits its job row first and dispatches second; when the broker is
down the job simply stays `queued` without `dispatched_at`, and the sweep (on
worker start-up and every minute from beat) sends it once the broker is back.
The sweep also resends running jobs whose runner has not written to the row for
longer than the lease (its worker was killed, or the database was down), without
waiting for the broker's visibility timeout; and queued jobs sent longer ago than
visibility timeout plus lease, whose message a broker restart may have lost. Sending a job twice is
harmless: whoever claims it second finds it held or finished.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from collections.abc import Iterable
from typing import Literal, Protocol

from sqlalchemy import Engine, or_, select

from scheduler.db import transaction
from scheduler.plans import now
from tasks.config import Limits
from tasks.jobs import Triggered, mark_dispatched, note_undispatched
from tasks.models import Job

log = logging.getLogger(__name__)

StepName = Literal["solve", "publish"]


class DispatchFailed(RuntimeError):
    """The broker did not take the message; the job stays queued for the sweep."""


class Dispatcher(Protocol):
    in_process: bool  # runs jobs itself, so it must be sent every job it is asked about, held or not

    def send(self, job_id: int, step: StepName) -> None:
        """Hand one step of a job to its runner; raise DispatchFailed when that is impossible now."""


def make_dispatcher(engine: Engine, database_url: str, broker_url: str | None, limits: Limits) -> Dispatcher:
    """Celery when there is a broker, else the in-process runner (the embedded default)."""
    if broker_url is None:
        from tasks.runner import InProcessRunner

        return InProcessRunner(engine, limits)
    from tasks.celery_app import CeleryDispatcher, create_app

    return CeleryDispatcher(create_app(database_url, broker_url, limits))


def dispatch(engine: Engine, dispatcher: Dispatcher, job_id: int, step: StepName = "solve") -> bool:
    """Send a committed job; False when the broker is unavailable (the job waits for the sweep)."""
    return _dispatch_all(engine, dispatcher, [(job_id, step)]) == 1


def _dispatch_all(engine: Engine, dispatcher: Dispatcher, items: list[tuple[int, StepName]]) -> int:
    """Send in order until the broker refuses; the jobs not sent say so. Returns how many were sent."""
    for sent, (job_id, step) in enumerate(items):
        try:
            dispatcher.send(job_id, step)
        except DispatchFailed as exc:
            log.warning("%d jobs not dispatched, the sweep will retry: %s", len(items) - sent, exc)
            for waiting, _ in items[sent:]:
                note_undispatched(engine, waiting)
            return sent
        mark_dispatched(engine, job_id)
    return len(items)


def dispatch_triggered(engine: Engine, dispatcher: Dispatcher, triggered: Iterable[Triggered]) -> None:
    """Send what a trigger returned: new jobs, and existing ones no broker holds yet (queued while it
    was down). An in-process runner gets every job: one left by a dead process has nobody else."""
    _dispatch_all(engine, dispatcher, [(t.job.id, "solve") for t in triggered
                                       if t.created or t.job.dispatched_at is None or dispatcher.in_process])


def sweep(engine: Engine, dispatcher: Dispatcher, *, stale_after: float, undispatched_only: bool = True,
          silent_after: float | None = None) -> int:
    """Send every queued job no broker has (all queued jobs unless `undispatched_only`), every queued
    job sent more than `stale_after` seconds ago, and every running job whose runner has not written
    to its row for `silent_after` seconds (default `stale_after`; Celery passes the lease) and that was
    not sent again within that time; returns how many were sent.

    A queued job's message can be lost (a Redis restart without persistence); resending it once per
    `stale_after` costs, at worst, a duplicate its claim drops. A running job silent past its lease
    has lost its runner (a killed worker, a database outage): sending it again now, rather than
    waiting for the broker's visibility timeout, lets another worker take it over at once; if the
    runner is alive after all, the claim tells the new delivery to wait.
    """
    moment = now()
    cutoff = moment - timedelta(seconds=stale_after)
    lease_cutoff = moment - timedelta(seconds=stale_after if silent_after is None else silent_after)
    queued = Job.state == "queued"
    if undispatched_only:
        queued = queued & or_(Job.dispatched_at.is_(None), Job.dispatched_at < cutoff)
    silent = ((Job.state == "running")
              & or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < lease_cutoff)
              & or_(Job.dispatched_at.is_(None), Job.dispatched_at < lease_cutoff))
    with transaction(engine) as session:
        pending = list(session.execute(select(Job.id, Job.plan_version_id).where(queued | silent)
                                       .order_by(Job.id)))
    sent = _dispatch_all(engine, dispatcher, [(job_id, "publish" if plan_version_id else "solve")
                                               for job_id, plan_version_id in pending])
    if pending:
        log.info("sweep sent %d of %d pending jobs", sent, len(pending))
    return sent
