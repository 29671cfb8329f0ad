"""Plan versions: storing solver results, the published pointer, and reading a version back as a document.

A plan is never edited in place. Each solve writes a new version; publishing
moves the community's pointer and marks the previous version superseded, in the
caller's transaction, so readers see the old plan or the new one, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import PlanPublication, PlanVersion, PublishedPlan
from scheduler.plan_document import Plan, PlanDocument, read_plan
from scheduler.school_calendar import SchoolDay


class PlanNotFound(LookupError):
    """The requested plan version does not exist or is not in a state the action needs."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def store_plan(session: Session, community: str, term: str, result: Plan | dict[str, Any], *,
               status: str = "ready", message: str = "", dataset_revision: str | None = None) -> PlanVersion:
    """Write a solver result as the next version number of this community and term.

    `dataset_revision` is the revision of the dataset it was solved from
    (scheduler.dataset.store.dataset_revision). A plain `{"activities",
    "unmet", "stats"}` dict is read through the typed module first, so nothing
    of the wrong shape is ever stored.
    """
    latest = session.scalar(select(func.max(PlanVersion.version)).where(
        PlanVersion.community_code == community, PlanVersion.term_code == term))
    body = read_plan(result).to_json()
    plan = PlanVersion(community_code=community, term_code=term, version=(latest or 0) + 1, status=status,
                       created_at=now(), stats=body["stats"], activities=body["activities"],
                       unmet=body["unmet"], message=message, dataset_revision=dataset_revision)
    session.add(plan)
    session.flush()
    return plan


def find_version(session: Session, community: str, term: str, version: int | None = None) -> PlanVersion:
    """A given version, or the latest one when `version` is None."""
    query = select(PlanVersion).where(PlanVersion.community_code == community, PlanVersion.term_code == term)
    if version is None:
        plan = session.scalar(query.order_by(PlanVersion.version.desc()).limit(1))
    else:
        plan = session.scalar(query.where(PlanVersion.version == version))
    if plan is None:
        which = f"第 {version} 版" if version is not None else "任何版本"
        raise PlanNotFound(f"教共体 {community} 学期 {term} 没有{which}的排课方案")
    return plan


def published_version(session: Session, community: str, term: str) -> PlanVersion | None:
    pointer = session.get(PublishedPlan, (community, term))
    return session.get(PlanVersion, pointer.plan_version_id) if pointer else None


def set_published(session: Session, plan: PlanVersion) -> PlanVersion | None:
    """Make `plan` the published one; returns the version it replaces (now superseded).

    Locks the pointer row on PostgreSQL so two publishers of one community queue
    up instead of both superseding the same version.
    """
    if plan.status not in ("ready", "published", "superseded"):
        raise PlanNotFound(f"第 {plan.version} 版状态为 {plan.status}，不能发布")
    pointer = session.scalar(select(PublishedPlan).where(
        PublishedPlan.community_code == plan.community_code,
        PublishedPlan.term_code == plan.term_code).with_for_update())
    previous = session.get(PlanVersion, pointer.plan_version_id) if pointer else None
    if previous is not None and previous.id != plan.id:
        previous.status = "superseded"
    plan.status = "published"
    if pointer is None:
        session.add(PublishedPlan(community_code=plan.community_code, term_code=plan.term_code,
                                  plan_version_id=plan.id, published_at=now()))
    else:
        pointer.plan_version_id = plan.id
        pointer.published_at = now()
    session.flush()
    return previous if previous is not None and previous.id != plan.id else None


def stored_document(plan: PlanVersion) -> PlanDocument:
    """The version as `tongpan-plan/1` (spec/plan.md)."""
    return PlanDocument(community=plan.community_code, term=plan.term_code, version=plan.version,
                        status=plan.status, created_at=aware(plan.created_at), activities=plan.activities,
                        unmet=plan.unmet, stats=plan.stats, dataset_revision=plan.dataset_revision)


def plan_document(plan: PlanVersion) -> dict[str, Any]:
    """The version's `tongpan-plan/1` JSON form, written by the typed module (for readers of plain JSON)."""
    return stored_document(plan).to_json()


def publications(session: Session, community: str, term: str) -> list[PlanPublication]:
    """Every publication of a community's term, oldest first: the plan-version history."""
    return list(session.scalars(select(PlanPublication).where(
        PlanPublication.community_code == community, PlanPublication.term_code == term)
        .order_by(PlanPublication.published_at, PlanPublication.id)))


def record_publication(session: Session, plan: PlanVersion, effective_from: date,
                       published_at: datetime) -> PlanPublication:
    entry = PlanPublication(community_code=plan.community_code, term_code=plan.term_code,
                            plan_version_id=plan.id, effective_from=effective_from, published_at=published_at)
    session.add(entry)
    session.flush()
    return entry


def default_effective_date(days: Sequence[SchoolDay], term_start: date, today: date, first: bool) -> date:
    """From when a publication applies unless the admin says otherwise.

    The next school day after today; the term's start when the term has not
    begun or when nothing of it was published before (there is no past to keep).
    A term that is over gets the day after today, which changes nothing.
    """
    if first or today < term_start:
        return term_start
    return next((d.date for d in days if d.date > today), today + timedelta(days=1))


def plans_by_date(history: Iterable[PlanPublication], days: Iterable[SchoolDay]) -> dict[int, list[SchoolDay]]:
    """Which plan version (by id) applies on each school day: that of the latest publication
    effective on or before the date. Days before the first effective date get no plan."""
    ordered = sorted(history, key=lambda p: (aware(p.published_at), p.id))
    result: dict[int, list[SchoolDay]] = {}
    for day in days:
        applying = [p for p in ordered if p.effective_from <= day.date]
        if applying:
            result.setdefault(applying[-1].plan_version_id, []).append(day)
    return result
