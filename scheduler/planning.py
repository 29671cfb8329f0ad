"""Solving a community's plan end to end: load, solve against the published plan, check, store.

The dataset is read once, with its revision, and that one read is what the
plan is solved from, checked against and recorded as solved from. The solve
runs outside any database transaction (it takes minutes); the result is
stored in one short transaction afterwards. A plan the independent checker
rejects is stored as `failed`, never `ready`, so it can never be published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from scheduler.check import Violation, check_plan
from scheduler.dataset.store import StoredDataset, StoredDatasetInvalid, load_stored
from scheduler.db import snapshot, transaction
from scheduler.models import PlanVersion
from scheduler.plan_document import Plan, PlanDocument, read_plan
from scheduler.plans import published_version, store_plan, stored_document

Progress = Callable[[dict[str, Any]], None]


class PlanningError(ValueError):
    """The request cannot be planned as asked (no dataset, unknown community or term)."""


@dataclass
class Outcome:
    """What a solve left: the new version, or (`unchanged`) none because it equals the published one."""

    plan: PlanVersion
    violations: list[Violation]
    unchanged: bool = False


def load_for(engine: Engine, community: str, term: str) -> tuple[StoredDataset, PlanDocument | None]:
    """The stored dataset and the community's published plan (if any), read in one snapshot."""
    try:
        with snapshot(engine) as session:
            stored = load_stored(session)
            pointer = published_version(session, community, term)
            published = stored_document(pointer) if pointer is not None else None
    except StoredDatasetInvalid as exc:
        raise PlanningError(str(exc)) from None
    if stored is None:
        raise PlanningError("数据库中还没有数据，请先 tongpan import")
    if community not in {c.code for c in stored.dataset.communities}:
        raise PlanningError(f"没有教共体 {community}")
    if term not in {t.code for t in stored.dataset.terms}:
        raise PlanningError(f"没有学期 {term}")
    return stored, published


def solve_checked(stored: StoredDataset, published: PlanDocument | None, community: str, term: str, *,
                  time_limit: float, workers: int,
                  progress: Progress | None = None) -> tuple[Plan, list[Violation]]:
    """Solve from the published plan and judge the result, as exported, with the independent checker."""
    from scheduler.solver import solve  # OR-Tools: loaded by a solve, not by the job layer that imports this module

    hint = published.to_json() if published is not None else None
    result = read_plan(solve(stored.dataset, community, term, time_limit=time_limit, workers=workers,
                             published=hint, progress=progress))
    return result, check_plan(stored.dataset, result.to_json(), community, term)


def store_checked(session: Session, community: str, term: str, result: Plan, violations: list[Violation], *,
                  solved_from: StoredDataset, job: int | None = None) -> PlanVersion:
    """Store a checked result as the next version: `ready`, or `failed` with the violations as its message.

    The version records the revision of the dataset it was solved from and checked against.
    """
    if job is not None:
        result = result.with_stats(job=job)
    message = "\n".join(str(v) for v in violations)
    return store_plan(session, community, term, result, status="failed" if violations else "ready",
                      message=message, dataset_revision=solved_from.revision)


def unchanged_message(version: int) -> str:
    """What admins read when a regeneration found the published plan again (CLI and job message)."""
    return f"排课结果与已发布的第 {version} 版相同，未保存新版本，订阅日历无变化"


def published_same(session: Session, community: str, term: str, result: Plan,
                   violations: list[Violation]) -> PlanVersion | None:
    """The published version when a clean result equals it (then no new version is stored), else None.

    Read in the storing transaction, so a publication since the solve began is what is compared.
    """
    if violations:
        return None
    current = published_version(session, community, term)
    return current if current is not None and result.same_week_as(stored_document(current)) else None


def solve_and_store(engine: Engine, community: str, term: str, *, time_limit: float, workers: int,
                    progress: Progress | None = None, job: int | None = None) -> Outcome:
    """Solve, check and store a new plan version (status `ready`, or `failed` with the violations).

    A clean result equal to the published plan stores nothing: the outcome is
    the published version, marked `unchanged`.
    """
    stored, published = load_for(engine, community, term)
    result, violations = solve_checked(stored, published, community, term, time_limit=time_limit,
                                       workers=workers, progress=progress)
    with transaction(engine) as session:
        same = published_same(session, community, term, result, violations)
        if same is not None:
            return Outcome(same, [], unchanged=True)
        plan = store_checked(session, community, term, result, violations, solved_from=stored, job=job)
    return Outcome(plan, violations)
