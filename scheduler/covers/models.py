"""Tables of daily changes: absences, campuses cut off, and the covers (dated overrides) they lead to.

The weekly plan is never edited for a single date. An absence or a disruption
is recorded as what happened; the covers proposed for it are rows of their own,
`proposed` until an admin confirms them, and a confirmed cover's `changes` are
the dated overrides feeds are rendered with. The ledger is read from the
confirmed covers, so what was paid for is what teachers saw in their calendars.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models import CODE, Base

COVER_MODES = ("in_person", "study", "online", "swap", "cancel", "assist", "excused")
COVER_STATES = ("proposed", "confirmed", "discarded")


class Absence(Base):
    """A teacher away for whole days, a half day or some periods, with the reason given."""

    __tablename__ = "absence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    teacher_code: Mapped[str] = mapped_column(CODE, index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    half: Mapped[str | None] = mapped_column(String(2), nullable=True)  # am | pm | None (whole day)
    periods: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Disruption(Base):
    """A campus cut off (road closed, weather), or closed to pupils (`closed`)."""

    __tablename__ = "disruption"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campus_code: Mapped[str] = mapped_column(CODE, index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    half: Mapped[str | None] = mapped_column(String(2), nullable=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Cover(Base):
    """How one affected occurrence is handled on its date, and the dated overrides that says.

    `changes` is a list of `{"date", "remove": {"kind", "code", "start"} | null,
    "add": plan activity | null, "label"}`: one entry for a cover on the
    day, two for a swap (both dates). `teacher_code` is who gives the cover
    (counted in the ledger), `absent_code` who misses the lesson.
    """

    __tablename__ = "cover"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community_code: Mapped[str] = mapped_column(CODE, index=True)
    term_code: Mapped[str] = mapped_column(CODE)
    date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    activity_code: Mapped[str] = mapped_column(CODE)
    start: Mapped[str] = mapped_column(String(5))
    mode: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default="proposed")
    teacher_code: Mapped[str | None] = mapped_column(CODE, nullable=True)
    absent_code: Mapped[str | None] = mapped_column(CODE, nullable=True)
    absence_id: Mapped[int | None] = mapped_column(ForeignKey("absence.id"), nullable=True)
    disruption_id: Mapped[int | None] = mapped_column(ForeignKey("disruption.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    counted: Mapped[list[Any]] = mapped_column(JSON, default=list)  # teachers whose cover count it adds to
    plan_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the plan it overrides
    alternatives: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
