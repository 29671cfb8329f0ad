"""The states and phases of a job, and what admins read for each.

Kept apart from the job table (tasks.models) so that the CLI can name them in
its help without loading SQLAlchemy.
"""

from __future__ import annotations

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE_STATES = ("queued", "running")
FINISHED_STATES = ("succeeded", "failed", "cancelled")
STATE_LABELS = {"queued": "排队中", "running": "运行中", "succeeded": "已完成", "failed": "失败",
                "cancelled": "已取消"}
PHASE_LABELS = {"queued": "等待执行", "loading": "读取数据", "solving": "求解与校验",
                "publishing": "发布日历", "done": "结束"}
