"""One community of a dataset, as the solver sees it.

The dataset is county-wide and keyed by codes; the solver needs one
community's campuses with their bells in clock minutes, the teachers it may
use and where the community model lets them teach, the classes and their
weekly demand, the requested co-teaching links and the research groups with
their members resolved. Building that view once keeps every later stage
(staffing, timetable, extraction, reasons) free of dataset look-ups.

Scope follows the checker's reading of the spec: a teacher belongs to the
community when their school does; a research group's `"auto"` members are the
community's teachers qualified for its subject at any of its grades (any
grade when it lists none).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from scheduler.dataset.schema import WEEKDAYS, Community, Dataset, ResearchGroup, Term, Unavailable, minutes
from scheduler.dataset.travel import TravelTimes
from scheduler.dataset.validate import double_max_break, weekly_doubles, weekly_periods
from scheduler.solver.search import STALL_SECONDS, STOP_GAP, StopRules
from scheduler.solver.weights import Weights

DEFAULT_MORNING_SUBJECTS = ("YW", "SX", "YY")
HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
NOON = 12 * 60
WHOLE_DAY = (0, 24 * 60)


@dataclass(frozen=True)
class Slot:
    """One period of a campus bell on one day, in clock minutes."""

    day: str
    n: int
    start: int
    end: int

    @property
    def afternoon(self) -> bool:
        return self.start >= NOON


@dataclass(frozen=True)
class CampusView:
    code: str
    name: str
    school: str
    slots: tuple[Slot, ...]  # by weekday, then start; a slot's index is its id at this campus

    @property
    def days(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.day for s in self.slots))

    def pairs(self, max_break: int) -> tuple[tuple[int, int], ...]:
        """Slot pairs that can hold a double (连堂): one period and the next the same day, the break
        between them at most `max_break` minutes."""
        return tuple((i, i + 1) for i, (a, b) in enumerate(zip(self.slots, self.slots[1:]))
                     if a.day == b.day and 0 <= b.start - a.end <= max_break)

    def max_break(self) -> int:
        """The longest gap between two consecutive periods of one day (0 with one period a day)."""
        gaps = [b.start - a.end for a, b in zip(self.slots, self.slots[1:]) if a.day == b.day]
        return max(gaps, default=0)


@dataclass(frozen=True)
class TeacherView:
    code: str
    name: str
    school: str
    campus: str
    max_periods: int
    can_travel: bool
    exchange: bool
    qualifications: tuple[tuple[str, frozenset[int]], ...]
    blocked: tuple[tuple[str, int, int], ...]  # (day, start, end) clock intervals unavailable
    max_days: int | None = None  # days a week with lessons, at most

    def qualified(self, subject: str, grade: int) -> bool:
        return any(s == subject and grade in g for s, g in self.qualifications)

    def teaches(self, subject: str) -> bool:
        return any(s == subject for s, _ in self.qualifications)

    def free(self, day: str, start: int, end: int) -> bool:
        return not any(start < hi and lo < end for lo, hi in self._blocked_on.get(day, ()))

    @cached_property
    def _blocked_on(self) -> dict[str, tuple[tuple[int, int], ...]]:
        """`blocked` by day: `free` is asked for every teacher and period of every model built."""
        on: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for day, lo, hi in self.blocked:
            on[day].append((lo, hi))
        return {day: tuple(spans) for day, spans in on.items()}

    @property
    def label(self) -> str:
        return f"{self.code}（{self.name}）"


@dataclass(frozen=True)
class ClassView:
    code: str
    name: str
    campus: str
    grade: int
    blocked: frozenset[tuple[str, int]] = frozenset()  # (day, period n) of its bell without lessons

    def free(self, slot: Slot) -> bool:
        return (slot.day, slot.n) not in self.blocked


@dataclass(frozen=True)
class CoteachRequest:
    code: str
    subject: str
    lead_teacher: str
    lead_class: str
    remote_classes: tuple[str, ...]
    lessons_per_week: int


@dataclass(frozen=True)
class Preferred:
    day: str
    after: int | None
    before: int | None

    def holds(self, day: str, start: int, end: int) -> bool:
        return (day == self.day and (self.after is None or start >= self.after)
                and (self.before is None or end <= self.before))


@dataclass(frozen=True)
class ResearchView:
    code: str
    name: str
    subject: str
    campus: str | None  # the host campus of an onsite group, None for an online one
    minutes: int
    per_week: int
    preferred: tuple[Preferred, ...]
    members: tuple[str, ...]


class Instance:
    """The solver's view of one community and term of a dataset."""

    def __init__(self, ds: Dataset, community: str, term: str):
        found = next((c for c in ds.communities if c.code == community), None)
        if found is None:
            raise ValueError(f"数据集中没有教共体 {community}")
        term_found = next((t for t in ds.terms if t.code == term), None)
        if term_found is None:
            raise ValueError(f"数据集中没有学期 {term}")
        self.community: Community = found
        self.term: Term = term_found
        extra = found.rules.model_extra or {}
        self.weights = Weights.from_rules(extra)
        morning = extra.get("morning_subjects")
        self.morning_subjects = frozenset(morning if isinstance(morning, list) else DEFAULT_MORNING_SUBJECTS)
        latest = extra.get("research_latest")
        self.research_latest = minutes(latest if isinstance(latest, str) and HHMM.fullmatch(latest) else "17:30")
        self.stop = StopRules(gap=_non_negative(extra.get("stop_gap"), STOP_GAP),
                              stall_seconds=_non_negative(extra.get("stall_seconds"), STALL_SECONDS))
        self.stall_given = isinstance(extra.get("stall_seconds"), (int, float))
        self.tolerance = found.rules.coteach_start_tolerance_minutes
        self.max_campuses = found.rules.max_campuses_per_day
        self.schools = (found.core_school, *found.members)
        self.subject_names = {s.code: s.name for s in ds.subjects}
        self._travel = TravelTimes.of(ds)
        self._travel_memo: dict[tuple[str, str], int | None] = {}
        self._match_memo: dict[tuple[str, str], dict[int, int]] = {}
        self._free_memo: dict[tuple[str, str], frozenset[int]] = {}

        bells = {b.code: b for b in ds.bell_schedules}
        self.campuses: dict[str, CampusView] = {}
        for school in sorted(ds.schools, key=lambda s: self.schools.index(s.code) if s.code in self.schools else -1):
            if school.code not in self.schools:
                continue
            for campus in school.campuses:
                bell = bells[campus.bell_schedule]
                slots = sorted((Slot(day, p.n, minutes(p.start), minutes(p.end))
                                for day in bell.days for p in bell.periods),
                               key=lambda s: (WEEKDAYS.index(s.day), s.start))
                self.campuses[campus.code] = CampusView(campus.code, campus.name, school.code, tuple(slots))
        self.main_campus = next(iter(self.campuses))

        self.teachers: dict[str, TeacherView] = {}
        for t in sorted(ds.teachers, key=lambda t: t.code):
            if t.school not in self.schools:
                continue
            own = bells[next(c.bell_schedule for s in ds.schools for c in s.campuses if c.code == t.campus)]
            periods = {p.n: (minutes(p.start), minutes(p.end)) for p in own.periods}
            blocked = []
            for entry in t.unavailable:
                if entry.periods is None:
                    blocked.append((entry.day, *WHOLE_DAY))
                else:
                    blocked += [(entry.day, *periods[n]) for n in entry.periods if n in periods]
            self.teachers[t.code] = TeacherView(
                t.code, t.name, t.school, t.campus, t.max_periods_per_week, t.can_travel, t.exchange,
                tuple((q.subject, frozenset(q.grades)) for q in t.subjects), tuple(blocked), t.max_days_per_week)

        self.classes: dict[str, ClassView] = {
            c.code: ClassView(c.code, c.name, c.campus, c.grade, frozenset(_periods(c.unavailable, self.campuses[c.campus])))
            for c in sorted(ds.classes, key=lambda c: c.code) if c.campus in self.campuses}
        self.demand: dict[tuple[str, str], int] = {
            key: n for key, n in sorted(weekly_periods(ds).items()) if key[0] in self.classes and n > 0}
        self.doubles: dict[tuple[str, str], int] = {
            key: min(k, self.demand[key] // 2) for key, k in sorted(weekly_doubles(ds).items()) if key in self.demand}
        self.double_break = double_max_break(found)
        overrides = [o for o in ds.curriculum_overrides if (o.class_, o.subject) in self.demand]
        self.allowed: dict[tuple[str, str], frozenset[tuple[str, int]]] = {
            (o.class_, o.subject): frozenset(_periods(o.allowed, self.campuses[self.classes[o.class_].campus]))
            for o in overrides if o.allowed is not None}
        self.min_days: dict[tuple[str, str], int] = {
            (o.class_, o.subject): o.min_days_apart for o in overrides if o.min_days_apart}
        self.locked = {(s.class_, s.subject): s.teacher for s in ds.staffing
                       if s.locked and s.class_ in self.classes}
        self.wished = {(s.class_, s.subject): s.teacher for s in ds.staffing
                       if not s.locked and s.class_ in self.classes}
        self.requests = tuple(
            CoteachRequest(c.code, c.subject, c.lead_teacher, c.lead_class, tuple(c.remote_classes),
                           c.lessons_per_week)
            for c in sorted(ds.coteaching, key=lambda c: c.code) if c.lead_class in self.classes)
        self.research = tuple(self._research(g) for g in sorted(ds.research_groups, key=lambda g: g.code)
                              if g.community == found.code)

    # -- research ---------------------------------------------------------

    def _research(self, group: ResearchGroup) -> ResearchView:
        if isinstance(group.teachers, list):
            members = tuple(sorted(t for t in group.teachers if t in self.teachers))
        else:
            grades = set(group.grades)
            members = tuple(code for code, t in self.teachers.items()
                            if any(s == group.subject and (not grades or grades & g) for s, g in t.qualifications))
        campus = None
        if group.mode == "onsite":
            campus = group.host_campus or self._host(members)
        preferred = tuple(Preferred(p.day, None if p.after is None else minutes(p.after),
                                    None if p.before is None else minutes(p.before)) for p in group.preferred)
        return ResearchView(group.code, group.name, group.subject, campus, group.minutes, group.per_week,
                            preferred, members)

    def _host(self, members: tuple[str, ...]) -> str:
        """Where an onsite group without a host meets: the campus most of its members work at.

        Fewest members travel that way; ties go to the campus listed first
        (the core school's).
        """
        counts = Counter(self.teachers[m].campus for m in members)
        return max(self.campuses, key=lambda c: counts[c])

    # -- rules ------------------------------------------------------------

    def travel(self, a: str, b: str) -> int | None:
        if (a, b) not in self._travel_memo:
            self._travel_memo[a, b] = self._travel.minutes(a, b)
        return self._travel_memo[a, b]

    def free_slots(self, teacher: str, campus: str) -> frozenset[int]:
        """Indices of `campus`'s periods at which `teacher` is free, memoised: the staffing and every
        model built ask it for every teaching, and a teacher has many."""
        key = (teacher, campus)
        if key not in self._free_memo:
            view = self.teachers[teacher]
            self._free_memo[key] = frozenset(si for si, s in enumerate(self.campuses[campus].slots)
                                             if view.free(s.day, s.start, s.end))
        return self._free_memo[key]

    def may_teach_at(self, teacher: str, campus: str) -> bool:
        """Whether the community model lets the teacher teach (or assist) in person at the campus."""
        return self.refusal(teacher, campus) is None

    def refusal(self, teacher: str, campus: str) -> str | None:
        """Why the teacher may not teach in person at the campus (Chinese), None when allowed."""
        t = self.teachers[teacher]
        if campus == t.campus:
            return None
        if not t.can_travel:
            return "不走教"
        school = self.campuses[campus].school
        model = self.community.model
        if school == t.school or model == "fusion" or (model == "co_construction" and t.exchange):
            return None
        if model == "co_construction":
            return "共建型教共体中只有交流教师可到其他学校面授"
        return "协作型教共体不安排教师到其他学校面授"

    def matches(self, remote: str, lead: str) -> dict[int, int]:
        """Remote slot index -> the lead slot starting within the tolerance on the same day.

        Periods of one bell are at least a period apart, so with any sensible
        tolerance a remote period matches at most one lead period; the
        nearest start wins should a wide tolerance allow two.
        """
        if (remote, lead) not in self._match_memo:
            self._match_memo[remote, lead] = _matches(self.campuses[remote], self.campuses[lead], self.tolerance)
        return self._match_memo[remote, lead]

    def term_weeks(self) -> int:
        return max(1, math.ceil(((self.term.end - self.term.start).days + 1) / 7))

    def weekly_coteach_target(self) -> int:
        """Co-teaching lessons a week that reach the community's yearly or termly target."""
        targets = self.community.targets
        weeks = self.term_weeks() * (2 if targets.period == "school_year" else 1)
        return math.ceil(targets.coteach_lessons / weeks) if targets.coteach_lessons else 0


def _non_negative(value: object, default: float) -> float:
    """A `rules` number, or the default when it is missing or not a non-negative number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return default


def _periods(entries: list[Unavailable] | None, campus: CampusView) -> set[tuple[str, int]]:
    """(day, period n) of a campus's bell named by day entries; a day without periods is all of it."""
    named = set()
    for entry in entries or []:
        named |= {(s.day, s.n) for s in campus.slots
                  if s.day == entry.day and (entry.periods is None or s.n in entry.periods)}
    return named


def _matches(remote: CampusView, lead: CampusView, tolerance: int) -> dict[int, int]:
    found: dict[int, int] = {}
    for ri, r in enumerate(remote.slots):
        near = [(abs(r.start - s.start), li) for li, s in enumerate(lead.slots)
                if s.day == r.day and abs(r.start - s.start) <= tolerance]
        if near:
            found[ri] = min(near)[1]
    return found
