"""Adapters from a dataset term to the school calendar's input."""

from __future__ import annotations

from scheduler.dataset.schema import Term
from scheduler.school_calendar import DatedNote, FollowedDay, TermCalendar


def term_calendar(term: Term) -> TermCalendar:
    overrides = term.statutory_overrides
    return TermCalendar(
        code=term.code,
        start=term.start,
        end=term.end,
        statutory_calendar=term.statutory_calendar,
        extra_days_off=tuple(DatedNote(d.date, d.reason) for d in term.extra_days_off),
        makeup_days=tuple(FollowedDay(d.date, d.follows, d.reason) for d in term.makeup_days),
        extra_school_days=tuple(FollowedDay(d.date, d.follows, d.reason) for d in term.extra_school_days),
        override_holidays=tuple(overrides.holidays) if overrides else (),
        override_workdays=tuple(overrides.workdays) if overrides else (),
    )
