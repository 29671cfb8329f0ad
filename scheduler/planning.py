"""Solving a community's plan end to end: load, solve against the published plan, check, store.

The solve runs outside any database transaction (it takes minutes); the result
is stored in one short transaction afterwards. A plan the independent checker
rejects is stored as `failed`, never `ready`, so it can never be published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from scheduler.check import Violation, check_plan
from scheduler.dataset.schema import Dataset
from scheduler.dataset.store import load_dataset
from scheduler.db import snapshot, transaction
from scheduler.models import PlanVersion
from scheduler.plans import published_version, store_plan
from scheduler.solver import solve

Progress = Callable[[dict[str, Any]], None]


class PlanningError(ValueError):
    """The request cannot be planned as asked (no dataset, unknown community or term)."""


@dataclass
class Outcome:
    plan: PlanVersion
    violations: list[Violation]


def load_for(engine: Engine, community: str, term: str) -> tuple[Dataset, PlanVersion | None]:
    with snapshot(engine) as session:
        dataset = load_dataset(session)
        published = published_version(session, community, term)
    if dataset is None:
        raise PlanningError("数据库中还没有数据，请先 tongpan import")
    if community not in {c.code for c in dataset.communities}:
        raise PlanningError(f"没有教共体 {community}")
    if term not in {t.code for t in dataset.terms}:
        raise PlanningError(f"没有学期 {term}")
    return dataset, published


def solve_checked(dataset: Dataset, published: PlanVersion | None, community: str, term: str, *,
                  time_limit: float, workers: int,
                  progress: Progress | None = None) -> tuple[dict[str, Any], list[Violation]]:
    """Solve from the published plan and judge the result with the independent checker."""
    hint = {"activities": published.activities, "unmet": published.unmet} if published else None
    result = solve(dataset, community, term, time_limit=time_limit, workers=workers, published=hint,
                   progress=progress)
    return result, check_plan(dataset, result, community, term)


def store_checked(session: Session, community: str, term: str, result: dict[str, Any],
                  violations: list[Violation], *, job: int | None = None) -> PlanVersion:
    """Store a checked result as the next version: `ready`, or `failed` with the violations as its message."""
    if job is not None:
        result["stats"] = {**result.get("stats", {}), "job": job}
    message = "\n".join(str(v) for v in violations)
    return store_plan(session, community, term, result, status="failed" if violations else "ready",
                      message=message)


def solve_and_store(engine: Engine, community: str, term: str, *, time_limit: float, workers: int,
                    progress: Progress | None = None, job: int | None = None) -> Outcome:
    """Solve, check and store a new plan version (status `ready`, or `failed` with the violations)."""
    dataset, published = load_for(engine, community, term)
    result, violations = solve_checked(dataset, published, community, term, time_limit=time_limit,
                                       workers=workers, progress=progress)
    with transaction(engine) as session:
        plan = store_checked(session, community, term, result, violations, job=job)
    return Outcome(plan, violations)
