"""Tables of the job layer: the job table that admins read, and the tokens that may trigger jobs.

The job table, not the broker, is the source of truth: a job exists once its
row is committed, whether or not a broker has heard of it, and every worker
decides what to do with a delivered message by reading the row. The database
enforces one active job per community and term with a partial unique index,
so two triggers racing each other still yield one job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models import CODE, Base

_ACTIVE = text("state IN ('queued', 'running')")


class Job(Base):
    """One regeneration of a community's plan for a term, from trigger to publication."""

    __tablename__ = "job"
    __table_args__ = (
        Index("uq_job_active", "community_code", "term_code", unique=True,
              postgresql_where=_ACTIVE, sqlite_where=_ACTIVE),
        Index("ix_job_state", "state"),
        Index("ix_job_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    community_code: Mapped[str] = mapped_column(CODE)
    term_code: Mapped[str] = mapped_column(CODE)
    state: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(12))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    triggered_by: Mapped[str] = mapped_column(String(200))
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))


class AdminToken(Base):
    """A bearer token of the admin API: who may trigger and read jobs, for the county or one community.

    The token is `tpa_{key_id}_{secret}`. Only the secret's SHA-256 is kept; the
    key id finds the row, and the hashes are compared in constant time.
    """

    __tablename__ = "admin_token"
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    community_code: Mapped[str | None] = mapped_column(CODE)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
