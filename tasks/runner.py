"""The embedded job queue: the same jobs, on the same job table, in a thread of this process.

With no TONGPAN_BROKER_URL there is no Celery: `tongpan regenerate` and
`tongpan serve` send jobs to an `InProcessRunner`, which runs them one at a
time, solve then publish, with the same claim rules a Celery worker follows.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time

from sqlalchemy import Engine

from scheduler.dataset.store import StoredDataset
from tasks.config import Limits
from tasks.dispatch import StepName, sweep
from tasks.regenerate import DatabaseUnavailable, Work, default_work, publish_job, retry_delay, solve_job

log = logging.getLogger(__name__)


class InProcessRunner:
    """A Dispatcher that runs jobs in one background thread, in the order they are sent."""

    in_process = True

    def __init__(self, engine: Engine, limits: Limits, work: Work | None = None) -> None:
        self.engine, self.limits = engine, limits
        self.worker = f"{socket.gethostname()}:{os.getpid()}:in-process"
        self._work = work
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def send(self, job_id: int, step: StepName) -> None:
        # One entry per job: `run` picks up at whatever step the job row says it is.
        self._queue.put(job_id)
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="tongpan-jobs", daemon=True)
                self._thread.start()

    def resume(self) -> int:
        """Take up every job a previous process left queued or running (for `tongpan serve`)."""
        return sweep(self.engine, self, stale_after=self.limits.lease, undispatched_only=False)

    def run(self, job_id: int) -> None:
        """Run one job to its end; if another live process holds it, wait for that process."""
        work = self._work or default_work()
        self._work = work
        while True:
            step = solve_job(self.engine, job_id, self.worker, self.limits, work)
            if step.action == "wait":
                time.sleep(step.delay)
                continue
            if step.action == "publish":
                self._publish(job_id, work, step.dataset)
            return

    def _publish(self, job_id: int, work: Work, dataset: StoredDataset | None) -> None:
        """Publish, trying again with backoff while the database is unreachable."""
        retries = 0
        while True:
            try:
                publish_job(self.engine, job_id, work, dataset)
                return
            except DatabaseUnavailable as exc:
                log.warning("job %s: database unavailable, publishing again later: %s", job_id, exc)
                time.sleep(retry_delay(retries))
                retries += 1

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                self.run(job_id)
            except Exception:  # one broken job must not stop the queue; its row says what happened
                log.exception("in-process job %s stopped", job_id)
