"""SQLAlchemy models of the dataset and of plan versions.

Entities are keyed by the `code` they were imported with: re-imports update by
code, plans and feeds refer to codes, and a regeneration can never duplicate an
entity. One database holds one county's dataset. Keys the schema does not know
ride along in `extra` so an export gives them back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CODE = String(64)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, Any: JSON}


class Extra:
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class County(Extra, Base):
    __tablename__ = "county"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    targets: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rotation_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    feeds: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    document_extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Term(Extra, Base):
    __tablename__ = "term"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    statutory_calendar: Mapped[str] = mapped_column(String(8))
    extra_days_off: Mapped[list[Any]] = mapped_column(JSON, default=list)
    makeup_days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    extra_school_days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    statutory_overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Subject(Extra, Base):
    __tablename__ = "subject"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class BellSchedule(Extra, Base):
    __tablename__ = "bell_schedule"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    days: Mapped[list[Any]] = mapped_column(JSON)


class Period(Extra, Base):
    __tablename__ = "period"
    bell_schedule_code: Mapped[str] = mapped_column(ForeignKey("bell_schedule.code"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))


class School(Extra, Base):
    __tablename__ = "school"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(8))
    small: Mapped[bool]
    boarding: Mapped[bool]
    weak: Mapped[bool]


class Campus(Extra, Base):
    __tablename__ = "campus"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    school_code: Mapped[str] = mapped_column(ForeignKey("school.code"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    bell_schedule_code: Mapped[str] = mapped_column(ForeignKey("bell_schedule.code"))
    area: Mapped[str | None] = mapped_column(String(8))
    small: Mapped[bool | None]
    boarding: Mapped[bool | None]
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Travel(Extra, Base):
    __tablename__ = "travel"
    from_campus_code: Mapped[str] = mapped_column(ForeignKey("campus.code"), primary_key=True)
    to_campus_code: Mapped[str] = mapped_column(ForeignKey("campus.code"), primary_key=True)
    minutes: Mapped[int]


class Community(Extra, Base):
    __tablename__ = "community"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(20))
    core_school_code: Mapped[str] = mapped_column(ForeignKey("school.code"), unique=True)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)


class CommunityMember(Base):
    __tablename__ = "community_member"
    community_code: Mapped[str] = mapped_column(ForeignKey("community.code"), primary_key=True)
    school_code: Mapped[str] = mapped_column(ForeignKey("school.code"), primary_key=True, unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Teacher(Extra, Base):
    __tablename__ = "teacher"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    school_code: Mapped[str] = mapped_column(ForeignKey("school.code"), index=True)
    campus_code: Mapped[str] = mapped_column(ForeignKey("campus.code"), index=True)
    max_periods_per_week: Mapped[int]
    backbone: Mapped[bool]
    can_travel: Mapped[bool]
    exchange: Mapped[bool]
    unavailable: Mapped[list[Any]] = mapped_column(JSON, default=list)
    school_since: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rotation: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    preferences: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class TeacherSubject(Extra, Base):
    """One qualification entry of a teacher: a subject and the grades they may teach it in."""

    __tablename__ = "teacher_subject"
    teacher_code: Mapped[str] = mapped_column(ForeignKey("teacher.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subject.code"), index=True)
    grades: Mapped[list[Any]] = mapped_column(JSON)


class SchoolClass(Extra, Base):
    __tablename__ = "school_class"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    campus_code: Mapped[str] = mapped_column(ForeignKey("campus.code"), index=True)
    grade: Mapped[int]
    students: Mapped[int | None]


class CurriculumLine(Extra, Base):
    """Weekly periods of a subject for a set of grades; keyed by subject and grades."""

    __tablename__ = "curriculum_line"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subject.code"))
    grades: Mapped[list[Any]] = mapped_column(JSON)
    periods_per_week: Mapped[int]


class CurriculumOverride(Extra, Base):
    __tablename__ = "curriculum_override"
    class_code: Mapped[str] = mapped_column(ForeignKey("school_class.code"), primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subject.code"), primary_key=True)
    periods_per_week: Mapped[int]


class Staffing(Extra, Base):
    __tablename__ = "staffing"
    class_code: Mapped[str] = mapped_column(ForeignKey("school_class.code"), primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subject.code"), primary_key=True)
    teacher_code: Mapped[str] = mapped_column(ForeignKey("teacher.code"), index=True)
    locked: Mapped[bool]


class Coteaching(Extra, Base):
    __tablename__ = "coteaching"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subject.code"))
    lead_teacher_code: Mapped[str] = mapped_column(ForeignKey("teacher.code"))
    lead_class_code: Mapped[str] = mapped_column(ForeignKey("school_class.code"))
    lessons_per_week: Mapped[int]
    meeting_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class CoteachingRemote(Base):
    __tablename__ = "coteaching_remote"
    coteaching_code: Mapped[str] = mapped_column(ForeignKey("coteaching.code"), primary_key=True)
    class_code: Mapped[str] = mapped_column(ForeignKey("school_class.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ResearchGroup(Extra, Base):
    __tablename__ = "research_group"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    community_code: Mapped[str] = mapped_column(ForeignKey("community.code"), index=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subject.code"))
    grades: Mapped[list[Any]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int]
    per_week: Mapped[int]
    host_campus_code: Mapped[str | None] = mapped_column(ForeignKey("campus.code"))
    preferred: Mapped[list[Any]] = mapped_column(JSON, default=list)
    teachers: Mapped[Any] = mapped_column(JSON)
    meeting_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)


PLAN_STATUSES = ("draft", "ready", "published", "superseded", "failed")
# How admins read them (CLI, job messages, web workplace)
PLAN_STATUS_NAMES = {"draft": "草稿", "ready": "待发布", "published": "已发布", "superseded": "已被取代",
                     "failed": "未通过校验"}


class PlanVersion(Base):
    """One solver result for a community and term. Never edited after it is ready.

    Refers to the community and term by code, not by foreign key: a plan is a
    historical record that outlives re-imports that rename or drop entities.
    """

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("community_code", "term_code", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community_code: Mapped[str] = mapped_column(CODE, index=True)
    term_code: Mapped[str] = mapped_column(CODE)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    activities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    unmet: Mapped[list[Any]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the canonical dataset export the plan was solved from; None for versions from before 0011
    dataset_revision: Mapped[str | None] = mapped_column(String(64))


class PublishedPlan(Base):
    """The published pointer: switching it in one transaction is what publishing means."""

    __tablename__ = "published_plan"
    community_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    term_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanPublication(Base):
    """One act of publishing: which version, when, and from which date it applies.

    A publication takes effect from a date; what earlier publications gave the
    dates before it stays as it was. The plan that applies on a date is that of
    the latest publication effective on or before it, so this table is also the
    plan-version history admins read ("第 3 版 自 2026-10-19 起").
    """

    __tablename__ = "plan_publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community_code: Mapped[str] = mapped_column(CODE, index=True)
    term_code: Mapped[str] = mapped_column(CODE)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DatasetUpload(Base):
    """A file an admin uploaded in the web workplace, held between its dry run and the admin's confirmation.

    Nothing is imported when it is uploaded: the file is validated and its
    changes are shown; the import happens only on confirmation, from these bytes
    (validated again against the dataset as it is then).
    """

    __tablename__ = "dataset_upload"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(String(16))  # the admin token that uploaded it
    community_code: Mapped[str | None] = mapped_column(CODE)  # the token's scope
    school_code: Mapped[str | None] = mapped_column(CODE)  # None: the whole county's dataset
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12))  # staged, imported, discarded
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
