"""The independent plan checker: re-verifies every hard rule of a plan against the dataset.

It shares nothing with the solver's model on purpose: it reads only the
dataset (schema, curriculum, travel times) and the exported plan document and
judges everything in clock minutes, so a solver bug cannot hide behind the
encoding that caused it. It never raises on a bad plan; whatever it cannot
read is reported as rule 0 and left out of the other checks.

Rules: 0 plan malformed, 1 curriculum periods (and lessons on the class's
bell), 2 teacher clashes, 3 class clashes, 4 travel and campuses per day,
5 community model and membership, 6 teacher load, availability and locked
staffing, 7 co-teaching, 8 research groups, 9 doubles (连堂), 10 when a class
may have lessons (its unavailable periods, allowed periods, days apart).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scheduler.check.base import MALFORMED, Violation
from scheduler.check.class_times import check_class_times
from scheduler.check.clashes import check_class_clashes, check_teacher_clashes, check_travel
from scheduler.check.community import check_model
from scheduler.check.coteach import check_coteaching
from scheduler.check.curriculum import check_curriculum
from scheduler.check.doubles import check_doubles
from scheduler.check.plan import Plan, parse_plan
from scheduler.check.research import check_meetings, check_research
from scheduler.check.scope import Scope
from scheduler.check.teachers import check_availability, check_teachers
from scheduler.dataset.schema import Dataset

__all__ = ["Violation", "check_day", "check_plan"]

RULES: tuple[Callable[[Scope, Plan], Iterator[Violation]], ...] = (
    check_curriculum, check_teacher_clashes, check_class_clashes, check_travel,
    check_model, check_teachers, check_coteaching, check_research, check_doubles,
    check_class_times,
)


# On one date, with its dated overrides (covers, swaps, cancellations): every rule that holds at a
# moment, none of the weekly totals (curriculum periods, teacher load, locked staffing, doubles, meetings
# per week), which a day's cover deliberately departs from.
DATED_RULES: tuple[Callable[[Scope, Plan], Iterator[Violation]], ...] = (
    check_teacher_clashes, check_class_clashes, check_travel, check_model, check_availability, check_coteaching,
    check_meetings,
)


def _judge(ds: Dataset, plan: dict[str, Any], community: str, term: str,
           rules: tuple[Callable[[Scope, Plan], Iterator[Violation]], ...]) -> list[Violation]:
    found = next((c for c in ds.communities if c.code == community), None)
    if found is None:
        return [Violation(MALFORMED, f"数据集中没有教共体 {community}")]
    scope = Scope(ds, found)
    parsed = parse_plan(plan, scope, term)
    violations = list(parsed.problems)
    for rule in rules:
        violations.extend(rule(scope, parsed))
    return violations


def check_day(ds: Dataset, plan: dict[str, Any], community: str, term: str) -> list[Violation]:
    """Every hard-rule violation of one date's activities (a `tongpan-plan/1` document holding that day's
    activities with the overrides applied, each with the weekday the date follows as its `day`)."""
    return _judge(ds, plan, community, term, DATED_RULES)


def check_plan(ds: Dataset, plan: dict[str, Any], community: str, term: str) -> list[Violation]:
    """Every hard-rule violation of a `tongpan-plan/1` document, rule by rule; [] for a valid plan."""
    return _judge(ds, plan, community, term, RULES)
