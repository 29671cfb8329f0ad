"""The Celery app: queues `solve` and `publish`, the delivery guarantees, and beat's schedule.

Delivery: a message is acknowledged only after its task returns (acks_late),
is requeued when the worker process dies under it (reject_on_worker_lost),
and a worker holds one message at a time beyond those it runs (prefetch 1),
so a SIGKILLed worker's job goes back to the broker instead of vanishing with
the worker's prefetch buffer. The time-limit chain is in tasks.config.

The app is built by `create_app` from explicit settings (the `tongpan worker`
and `tongpan beat` commands pass them), so this layer reads no database or
broker address from the environment itself.

The job layer (SQLAlchemy, the dataset and plan models) is imported by the
tasks when they run, not with this module: `tongpan workers --local`, the
containers' healthcheck, builds this app only to ping.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from celery import Celery, Task, shared_task
from celery.exceptions import TimeLimitExceeded
from celery.schedules import crontab
from celery.signals import worker_ready
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from tasks.config import SOFT_SHUTDOWN_SECONDS, Limits

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tasks.dispatch import StepName
    from tasks.regenerate import Work

log = logging.getLogger(__name__)

SOLVE_QUEUE, PUBLISH_QUEUE = "solve", "publish"
TASK_FOR_STEP = {"solve": "tongpan.regenerate", "publish": "tongpan.publish"}
SWEEP_SECONDS = 15.0  # one indexed query; how soon after its lease a dead runner's job moves on
REFRESH_AT = crontab(hour=0, minute=10)  # just after midnight, Asia/Shanghai: yesterday has passed


@dataclass
class Runtime:
    """What tasks need in each worker process: the database (one engine per process) and the limits."""

    database_url: str
    limits: Limits
    _engines: dict[int, Engine] = field(default_factory=dict)
    _work: Work | None = None

    @property
    def engine(self) -> Engine:
        # Engines must not cross a fork: prefork children each open their own.
        pid = os.getpid()
        if pid not in self._engines:
            from scheduler.db import make_engine

            self._engines[pid] = make_engine(self.database_url)
        return self._engines[pid]

    @property
    def work(self) -> Work:
        if self._work is None:
            from tasks.regenerate import default_work

            self._work = default_work()
        return self._work


def runtime(app: Celery) -> Runtime:
    return app.tongpan_runtime  # type: ignore[attr-defined,no-any-return]


class CeleryDispatcher:
    """Sends job steps to the broker; fails fast so a trigger never hangs on a dead broker."""

    in_process = False

    def __init__(self, app: Celery) -> None:
        self.app = app

    def send(self, job_id: int, step: StepName) -> None:
        from tasks.dispatch import DispatchFailed

        # A connection of its own that does not retry: a dead broker costs milliseconds, not seconds.
        options = {**self.app.conf.broker_transport_options, "max_retries": 0}
        try:
            with self.app.connection_for_write(transport_options=options) as connection:
                self.app.send_task(TASK_FOR_STEP[step], args=[job_id], retry=False, connection=connection)
        except (BrokerError, RedisError, OSError) as exc:
            raise DispatchFailed(str(exc)) from exc


def create_app(database_url: str, broker_url: str, limits: Limits) -> Celery:
    app = Celery("tongpan", broker=broker_url, set_as_current=False)
    transport = {
        "visibility_timeout": limits.visibility_timeout,
        # Look for the unacknowledged messages of dead workers several times per timeout.
        "unacked_restore_interval": max(1, int(limits.visibility_timeout / 4)),
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        task_routes={"tongpan.regenerate": {"queue": SOLVE_QUEUE}, "tongpan.*": {"queue": PUBLISH_QUEUE}},
        task_default_queue=PUBLISH_QUEUE,
        task_annotations={
            "tongpan.regenerate": {"soft_time_limit": limits.soft_time_limit,
                                   "time_limit": limits.hard_time_limit},
            "tongpan.publish": {"soft_time_limit": limits.publish_soft_time_limit,
                                "time_limit": limits.publish_time_limit},
        },
        worker_soft_shutdown_timeout=SOFT_SHUTDOWN_SECONDS,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        timezone="Asia/Shanghai",
        beat_schedule={
            "dispatch-pending": {"task": "tongpan.dispatch_pending", "schedule": SWEEP_SECONDS},
            "refresh-feeds": {"task": "tongpan.refresh_feeds", "schedule": REFRESH_AT},
        },
    )
    app.tongpan_runtime = Runtime(database_url, limits)  # type: ignore[attr-defined]
    return app


class JobTask(Task):  # type: ignore[misc]
    """Marks the job failed when Celery gives up on a task, including a hard time limit kill
    (then this runs in the worker's main process, the child that ran the task being gone)."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                   einfo: Any) -> None:
        from tasks.jobs import fail

        rt = runtime(self.app)
        if isinstance(exc, TimeLimitExceeded):
            message = f"超过硬时限 {float(exc.args[0]):g} 秒，任务被终止"
        else:
            message = f"运行出错：{type(exc).__name__}: {exc}"
        try:
            fail(rt.engine, int(args[0]), message)
        except Exception:  # the database may be what failed; the sweep picks the job up later
            log.exception("could not mark job %s failed", args[0])


@shared_task(bind=True, base=JobTask, name="tongpan.regenerate", max_retries=None)
def regenerate(self: Task, job_id: int) -> None:
    """Solve, check and store one community's plan, then hand it to the publish queue."""
    from tasks.dispatch import dispatch
    from tasks.regenerate import solve_job

    rt = runtime(self.app)
    step = solve_job(rt.engine, job_id, self.request.hostname or "celery", rt.limits, rt.work)
    if step.action == "publish":
        dispatch(rt.engine, CeleryDispatcher(self.app), job_id, "publish")
    elif step.action == "wait":
        raise self.retry(countdown=step.delay)


@shared_task(bind=True, base=JobTask, name="tongpan.publish")
def publish(self: Task, job_id: int) -> None:
    """Publish the version a regenerate job stored (switch the pointer, render the feeds).

    When the database is unreachable the publish is retried with backoff (5 s
    doubling up to a minute) until it is back; the job stays `running`.
    """
    from tasks.regenerate import DatabaseUnavailable, publish_job, retry_delay

    rt = runtime(self.app)
    try:
        publish_job(rt.engine, job_id, rt.work)
    except DatabaseUnavailable as exc:
        log.warning("job %s: database unavailable, publishing again later: %s", job_id, exc)
        raise self.retry(countdown=retry_delay(self.request.retries), max_retries=None) from None


@shared_task(bind=True, name="tongpan.regenerate_county")
def regenerate_county(self: Task, term: str, triggered_by: str = "celery") -> list[int]:
    """One regenerate job per community of the county, each dispatched to the solve queue."""
    from tasks.dispatch import dispatch
    from tasks.jobs import trigger_county

    rt = runtime(self.app)
    dispatcher = CeleryDispatcher(self.app)
    jobs = trigger_county(rt.engine, term, triggered_by)
    for triggered in jobs:
        if triggered.created:
            dispatch(rt.engine, dispatcher, triggered.job.id)
    return [t.job.id for t in jobs]


@shared_task(bind=True, name="tongpan.dispatch_pending")
def dispatch_pending(self: Task) -> int:
    """Beat's sweep: send jobs that were queued while the broker was down, and orphaned ones."""
    from tasks.dispatch import sweep

    rt = runtime(self.app)
    return sweep(rt.engine, CeleryDispatcher(self.app), stale_after=rt.limits.stale_after,
                 silent_after=rt.limits.lease)


@shared_task(bind=True, name="tongpan.refresh_feeds")
def refresh_feeds(self: Task) -> int:
    """Nightly: move every feed's window (weekly) and drop cancelled events whose date has passed."""
    from calendars.publish import refresh_feeds as refresh
    from scheduler.db import transaction

    with transaction(runtime(self.app).engine) as session:
        count = refresh(session)
    log.info("refreshed %d feeds", count)
    return count


@worker_ready.connect
def _sweep_on_start(sender: Any, **_: Any) -> None:
    """A worker coming up sends what was queued while no broker or worker was there."""
    from tasks.dispatch import sweep

    app = sender.app
    if hasattr(app, "tongpan_runtime"):
        rt = runtime(app)
        sweep(rt.engine, CeleryDispatcher(app), stale_after=rt.limits.stale_after, silent_after=rt.limits.lease)
