"""The dataset as one community's plan is checked against it.

Built from the dataset alone (schema, curriculum, travel times), never from
anything the solver computes, so that the checker stays an independent judge.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.dataset.schema import WEEKDAYS, BellSchedule, Community, Dataset, ResearchGroup, minutes
from scheduler.dataset.travel import TravelTimes
from scheduler.dataset.validate import double_max_break, weekly_doubles, weekly_periods


@dataclass(frozen=True)
class Bell:
    """A bell schedule in clock minutes."""

    days: frozenset[str]
    periods: dict[int, tuple[int, int]]

    @classmethod
    def of(cls, bell: BellSchedule) -> Bell:
        return cls(frozenset(bell.days), {p.n: (minutes(p.start), minutes(p.end)) for p in bell.periods})

    def rings(self, day: str, start: int, end: int) -> bool:
        """Whether [start, end) is exactly one period of this bell on a day it lists."""
        return day in self.days and (start, end) in self.periods.values()


class Scope:
    """Look-ups over the whole dataset plus membership of one community."""

    def __init__(self, ds: Dataset, community: Community) -> None:
        self.community = community
        self.schools = {community.core_school, *community.members}
        campuses = [(school.code, campus) for school in ds.schools for campus in school.campuses]
        self.campus_school = {campus.code: school for school, campus in campuses}
        bells = {b.code: Bell.of(b) for b in ds.bell_schedules}
        self.bells = {campus.code: bells[campus.bell_schedule]
                      for _, campus in campuses if campus.bell_schedule in bells}
        self.teachers = {t.code: t for t in ds.teachers}
        self.classes = {c.code: c for c in ds.classes}
        self.subjects = {s.code for s in ds.subjects}
        self.groups = {g.code: g for g in ds.research_groups}
        self.terms = {t.code for t in ds.terms}
        self.staffing = ds.staffing
        self.demand = weekly_periods(ds)
        self.doubles = weekly_doubles(ds)
        self.allowed = {(o.class_, o.subject): {(e.day, n) for e in o.allowed for n in (e.periods or [None])}
                        for o in ds.curriculum_overrides if o.allowed is not None}
        self.min_days = {(o.class_, o.subject): o.min_days_apart for o in ds.curriculum_overrides
                         if o.min_days_apart}
        self.campus_days = {campus.code: [d for d in WEEKDAYS if d in bells[campus.bell_schedule].days]
                            for _, campus in campuses if campus.bell_schedule in bells}
        self.double_break = double_max_break(community)
        self.travel = TravelTimes.of(ds)

    def owns_campus(self, code: str) -> bool:
        return self.campus_school.get(code) in self.schools

    def owns_teacher(self, code: str) -> bool:
        return code in self.teachers and self.teachers[code].school in self.schools

    def owns_class(self, code: str) -> bool:
        return code in self.classes and self.owns_campus(self.classes[code].campus)

    def qualified(self, teacher: str, subject: str, grade: int) -> bool:
        return any(q.subject == subject and grade in q.grades for q in self.teachers[teacher].subjects)

    def period_number(self, campus: str, day: str, start: int, end: int) -> int | None:
        """The bell period number of [start, end) at a campus, or None when it is no period of its bell."""
        bell = self.bells.get(campus)
        return next((n for n, span in (bell.periods.items() if bell else ()) if span == (start, end)), None)

    def week_order(self, campus: str) -> dict[str, int]:
        """Position of each school day in the campus's week, for counting days apart."""
        return {day: i for i, day in enumerate(self.campus_days.get(campus, []))}

    def next_period(self, campus: str, day: str, end: int) -> tuple[int, int] | None:
        """The period of the campus's bell that day starting first at or after `end`."""
        bell = self.bells.get(campus)
        if bell is None or day not in bell.days:
            return None
        return min((p for p in bell.periods.values() if p[0] >= end), default=None)

    def rings(self, campus: str, day: str, start: int, end: int) -> bool:
        bell = self.bells.get(campus)
        return bell is not None and bell.rings(day, start, end)

    def members(self, group: ResearchGroup) -> set[str]:
        """A group's teachers; "auto" resolves over the community, any grade when none are listed."""
        if isinstance(group.teachers, list):
            return set(group.teachers)
        grades = set(group.grades)
        return {t.code for t in self.teachers.values() if t.school in self.schools
                and any(q.subject == group.subject and (not grades or grades & set(q.grades))
                        for q in t.subjects)}
