"""What the calendar says will happen: a published plan's activities on the dates they take place.

A plan is a weekly pattern; reports and daily work need dates. `dated_activities`
expands a pattern over a term's school days (nothing on a day off, a make-up
day carries the weekday it follows) and then lets each source of dated
changes (confirmed covers, and any other the daily-changes work registers)
rewrite the result. Everything that counts what *happened* or *will happen*
reads these occurrences, never the weekly pattern, so a cancelled lesson stops counting
the moment the change is recorded, in every report at once.

This module knows nothing of feeds: calendars/ renders the same school days
its own way, per feed and per owner's clock.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from scheduler.covers.overrides import apply_changes, confirmed_changes
from scheduler.dataset.store import stored_term
from scheduler.dataset.terms import term_calendar
from scheduler.models import PlanVersion
from scheduler.plans import plans_by_date, publications, published_version
from scheduler.school_calendar import SchoolDay, school_days


@contextmanager
def many_small_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while a county's millions of occurrences are built and read.

    They hold no reference cycles; without the pause each allocation burst
    rescans an ever larger heap, which costs more than the work itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class DatedActivity(NamedTuple):
    """One activity of a plan (`tongpan-plan/1` entry) on one date.

    `activity` is the plan's own entry, shared between all dates of a weekly
    slot (a county has millions of occurrences): never mutate it; a change
    replaces it with a new dict. A named tuple for the same reason.
    """

    date: date
    follows: str  # the weekday whose timetable the date follows
    activity: dict[str, Any]
    plan: int | None = None  # the plan version (id) the occurrence comes from


def confirmed_covers(session: Session, community: str, term: str,
                     occurrences: list[DatedActivity]) -> list[DatedActivity]:
    """A change source: dated occurrences with the community's confirmed covers applied.

    The overrides are the ones feeds apply (`scheduler.covers.overrides`), so a
    cover shows in teachers' calendars and counts in reports alike.
    """
    dates = {o.date for o in occurrences}
    changes = confirmed_changes(session, community, term, dates) if dates else []
    if not changes:
        return occurrences
    touched = {date.fromisoformat(c["date"]) for c in changes}
    by_day: dict[date, list[DatedActivity]] = defaultdict(list)
    out: list[DatedActivity] = []
    for o in occurrences:
        (by_day[o.date] if o.date in touched else out).append(o)
    for day, found in by_day.items():
        follows, plan = found[0].follows, found[0].plan
        entries = apply_changes([o.activity for o in found], changes, day, follows, plan)
        out.extend(DatedActivity(day, follows, e, plan) for e in entries)
    out.sort(key=lambda o: o.date)
    return out


# A source of dated changes for one community and term: given the session and
# the occurrences the weekly plan yields, it returns them as they now stand
# (some dropped, some with another teacher). Sources run in registration order;
# confirmed covers are the first.
ChangeSource = Callable[[Session, str, str, list[DatedActivity]], list[DatedActivity]]
_CHANGE_SOURCES: list[ChangeSource] = [confirmed_covers]


def register_change_source(source: ChangeSource) -> None:
    """Plug dated overrides (covers, cancellations) into every reader of dated occurrences."""
    if source not in _CHANGE_SOURCES:
        _CHANGE_SOURCES.append(source)


def dated_activities(activities: Iterable[dict[str, Any]], days: Sequence[SchoolDay],
                     plan: int | None = None) -> list[DatedActivity]:
    """The weekly pattern on each school day, in date order, then in the plan's order."""
    by_day: dict[str, list[dict[str, Any]]] = {}
    for entry in activities:
        by_day.setdefault(entry["day"], []).append(entry)
    return [DatedActivity(day.date, day.follows, entry, plan)
            for day in days for entry in by_day.get(day.follows, ())]


def published_occurrences(session: Session, community: str, term: str, *,
                          days: Sequence[SchoolDay] | None = None) -> list[DatedActivity]:
    """The published plans of a community and term as dated occurrences, after every dated change.

    Each date takes the plan of the latest publication effective on or before it
    (a publication mid-term leaves the weeks before it as they were); a plan
    published without a recorded publication applies to the whole term. Empty
    when nothing is published. `days` saves recomputing a term's school days
    for each community of a county; it must be that term's.
    """
    plan = published_version(session, community, term)
    if plan is None:
        return []
    if days is None:
        stored = stored_term(session, term)
        if stored is None:
            raise LookupError(f"没有学期 {term}")
        days = school_days(term_calendar(stored))
    history = publications(session, community, term)
    by_plan = plans_by_date(history, days) if history else {plan.id: list(days)}
    occurrences: list[DatedActivity] = []
    for plan_id, dated in by_plan.items():
        version = plan if plan_id == plan.id else session.get(PlanVersion, plan_id)
        assert version is not None  # publications reference versions by foreign key
        occurrences += dated_activities(version.activities, dated, plan_id)
    occurrences.sort(key=lambda o: o.date)  # stable: each date keeps its plan's order
    for source in _CHANGE_SOURCES:
        occurrences = source(session, community, term, occurrences)
    return occurrences
