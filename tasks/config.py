"""The job layer's time budget, from the environment; the same in every process.

The chain solver budget < soft time limit < hard time limit < broker visibility
timeout is what makes "nothing lost, nothing doubled" hold: a solve returns
before Celery interrupts it, Celery kills a hung task before the broker
assumes its worker died, and the broker redelivers only messages whose worker
is really gone. The job lease covers what the chain cannot: a redelivered job
whose worker wrote to the job row less than a lease ago is left to that worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SETUP_SECONDS = 90.0  # loading the dataset, the independent check and storing, beside the solve
KILL_GRACE_SECONDS = 30.0  # between the soft limit (the task may clean up) and the hard kill
PUBLISH_SOFT_SECONDS = 120.0  # rendering and storing a community's feeds
SOFT_SHUTDOWN_SECONDS = 30.0  # a stopping worker lets running tasks finish this long, then requeues them


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"环境变量 {name} 应为秒数，实际为 {raw!r}") from None
    if value <= 0:
        raise ValueError(f"环境变量 {name} 应大于 0，实际为 {raw!r}")
    return value


@dataclass(frozen=True)
class Limits:
    solver_seconds: float = 60.0
    solver_workers: int = 2
    visibility_timeout: float = 600.0
    lease: float = 30.0
    max_attempts: int = 3

    @classmethod
    def from_env(cls) -> Limits:
        """TONGPAN_SOLVER_TIME_LIMIT, TONGPAN_SOLVER_WORKERS, TONGPAN_BROKER_VISIBILITY_TIMEOUT, TONGPAN_JOB_LEASE."""
        return cls(
            solver_seconds=_number("TONGPAN_SOLVER_TIME_LIMIT", cls.solver_seconds),
            solver_workers=int(_number("TONGPAN_SOLVER_WORKERS", cls.solver_workers)),
            visibility_timeout=_number("TONGPAN_BROKER_VISIBILITY_TIMEOUT", cls.visibility_timeout),
            lease=_number("TONGPAN_JOB_LEASE", cls.lease),
        )

    @property
    def soft_time_limit(self) -> float:
        return self.solver_seconds + SETUP_SECONDS

    @property
    def hard_time_limit(self) -> float:
        return self.soft_time_limit + KILL_GRACE_SECONDS

    @property
    def publish_soft_time_limit(self) -> float:
        return PUBLISH_SOFT_SECONDS

    @property
    def publish_time_limit(self) -> float:
        return PUBLISH_SOFT_SECONDS + KILL_GRACE_SECONDS

    @property
    def heartbeat(self) -> float:
        """How often a running job writes to its row even when nothing changed."""
        return self.lease / 3

    @property
    def stale_after(self) -> float:
        """A running job silent this long lost its message too (a broker would have redelivered it)."""
        return self.visibility_timeout + self.lease

    def chain_warning(self) -> str | None:
        """Why redelivery could start a second run beside a live one, or None when the chain holds."""
        longest = max(self.hard_time_limit, self.publish_time_limit)
        if self.visibility_timeout > longest:
            return None
        return (f"消息可见性超时 {self.visibility_timeout:g} 秒不大于任务硬时限 {longest:g} 秒："
                "运行中的任务可能被重复投递，将由任务表的租约（TONGPAN_JOB_LEASE）拦下")
