"""One community's plan on one date, as absences and cover candidates read it.

A thin view over `scheduler.dated` (the version that applies on the date,
with confirmed overrides) plus the term's school days by date, and the
independent checker run on one date with its overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from scheduler.check import Violation, check_day
from scheduler.dataset.schema import Dataset, Term
from scheduler.dataset.terms import term_calendar
from scheduler.dated import published_occurrences
from scheduler.models import PlanVersion
from scheduler.plans import plans_by_date, publications
from scheduler.school_calendar import SchoolDay, TermCalendar, school_days

Entry = dict[str, Any]


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def terms_on(ds: Dataset, day: date) -> list[Term]:
    return [t for t in ds.terms if t.start <= day <= t.end]


@lru_cache(maxsize=64)
def _days(calendar: TermCalendar) -> dict[date, SchoolDay]:
    return {d.date: d for d in school_days(calendar)}


def term_days(term: Term) -> dict[date, SchoolDay]:
    """The term's school days by date (computed once per term calendar)."""
    return _days(term_calendar(term))


def school_day(term: Term, day: date) -> SchoolDay | None:
    """The school day `day` is in `term` (with the weekday it follows), None on a day off."""
    return term_days(term).get(day)


@dataclass
class DayPlan:
    """One community's activities on one school day."""

    community: str
    term: str
    day: SchoolDay
    plan_version_id: int | None
    activities: list[Entry]


def day_plan(session: Session, ds: Dataset, community: str, term: Term, day: SchoolDay) -> DayPlan:
    """The plan of `community` on `day`: the applying version's activities for the weekday it
    follows, with the confirmed overrides of that date (scheduler.dated and its change sources)."""
    found = published_occurrences(session, community, term.code, days=[day])
    plan_id = found[0].plan if found else next(iter(plans_by_date(publications(session, community, term.code),
                                                                 [day])), None)
    return DayPlan(community, term.code, day, plan_id, [o.activity for o in found])


def day_document(session: Session, community: str, term: str, day: SchoolDay) -> dict[str, Any]:
    """One date's activities, dated overrides applied, as a `tongpan-plan/1` document for the checker."""
    found = published_occurrences(session, community, term, days=[day])
    activities = [{k: v for k, v in {**o.activity, "day": day.follows}.items() if k != "label"} for o in found]
    return {"format": "tongpan-plan/1", "community": community, "term": term, "activities": activities,
            "unmet": []}


def check_date(session: Session, ds: Dataset, community: str, term: Term, day: date) -> list[Violation]:
    """The independent checker's verdict on a community's plan on one date, with its dated overrides."""
    sday = school_day(term, day)
    if sday is None:
        return []
    return check_day(ds, day_document(session, community, term.code, sday), community, term.code)


class DayPlans:
    """The day plans of one batch, each (community, term, date) read once.

    It also holds the plan versions concerned: the session's identity map
    keeps objects only weakly, and without a strong reference each date would
    load (and JSON-decode) its version's activities again.
    """

    def __init__(self, session: Session, ds: Dataset) -> None:
        self.session, self.ds = session, ds
        self._plans: dict[tuple[str, str, date], DayPlan] = {}
        self._held: dict[tuple[str, str], list[PlanVersion]] = {}

    def get(self, community: str, term: Term, sday: SchoolDay) -> DayPlan:
        key = (community, term.code, sday.date)
        if key not in self._plans:
            if (community, term.code) not in self._held:
                ids = {p.plan_version_id for p in publications(self.session, community, term.code)}
                self._held[community, term.code] = [v for v in (self.session.get(PlanVersion, i) for i in ids) if v]
            self._plans[key] = day_plan(self.session, self.ds, community, term, sday)
        return self._plans[key]
