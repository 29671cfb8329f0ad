"""Phase 2's problem: what must be placed in the week, where it may go, and what clashes.

Shared by the constructive heuristic (`greedy.py`) and the CP-SAT model
(`model.py`) so the two can never disagree about a rule: both ask `clash`
whether one teacher can be at two places, and both use the same slot
domains, co-teaching matches and research windows built here.

Time is clock minutes, never period numbers: campuses ring different bells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.dataset.schema import WEEKDAYS
from scheduler.solver.instance import Instance, ResearchView, Slot

if TYPE_CHECKING:  # staffing reads the published plan, which maps onto this module's problem
    from scheduler.solver.staffing import Staffing

RESEARCH_GRID = 30  # research meetings may also start on every half hour, besides bell boundaries


@dataclass(frozen=True)
class Place:
    """Where (a campus, or None for online) and when a teacher is busy."""

    campus: str | None
    day: str
    start: int
    end: int


def clash(a: Place, b: Place, travel: Callable[[str, str], int | None]) -> bool:
    """Whether one teacher cannot be at both: they overlap, or a campus change lacks travel time.

    An unknown travel pair forbids both campuses on one day. Online time
    clashes only by overlapping; that it is no time to travel is handled by
    keeping an online meeting's members at one campus that day.
    """
    if a.day != b.day:
        return False
    if a.start < b.end and b.start < a.end:
        return True
    if a.campus is None or b.campus is None or a.campus == b.campus:
        return False
    first, second = (a, b) if a.start < b.start else (b, a)
    need = travel(first.campus, second.campus)
    return need is None or second.start - first.end < need


@dataclass(frozen=True)
class Window:
    day: str
    start: int
    end: int
    preferred: bool


@dataclass(frozen=True)
class Meeting:
    group: ResearchView
    windows: tuple[Window, ...]


class Problem:
    """Teachings, joinings and meetings of one community with their possible times."""

    def __init__(self, inst: Instance, staffing: Staffing):
        self.inst = inst
        self.teachings = staffing.teachings
        self.joinings = staffing.joinings
        self.campus_of = [inst.classes[t.class_].campus for t in self.teachings]
        self.lesson_slots: list[tuple[int, ...]] = []
        for ti, t in enumerate(self.teachings):
            class_ = inst.classes[t.class_]
            free = inst.free_slots(t.teacher, self.campus_of[ti])
            allowed = inst.allowed.get((t.class_, t.subject))
            slots = inst.campuses[self.campus_of[ti]].slots
            self.lesson_slots.append(tuple(
                si for si, s in enumerate(slots) if si in free and class_.free(s)
                and (allowed is None or (s.day, s.n) in allowed)))
        self.doubles, self.pair_options = self._doubles()
        self.joins_of: dict[int, list[int]] = defaultdict(list)
        self.join_options: list[dict[int, int]] = []
        for ji, j in enumerate(self.joinings):
            self.joins_of[j.lead].append(ji)
            campus = inst.campuses[inst.classes[j.class_].campus]
            assistant_free = inst.free_slots(j.assistant, campus.code)
            allowed = set(self.lesson_slots[j.lead])
            pairs = inst.matches(campus.code, self.campus_of[j.lead])
            remote_class = inst.classes[j.class_]
            self.join_options.append({
                ri: li for ri, li in pairs.items()
                if li in allowed and remote_class.free(campus.slots[ri]) and ri in assistant_free})
        self.meetings = [Meeting(g, self._windows(g)) for g in inst.research]

    def _doubles(self) -> tuple[dict[int, int], dict[int, tuple[tuple[int, int], ...]]]:
        """Doubles (连堂) per teaching and the slot pairs each may use.

        A class-subject's doubles go to its teaching with the most periods (the
        class's own teacher; co-taught periods come from elsewhere), as many as fit.
        """
        inst = self.inst
        owner: dict[tuple[str, str], int] = {}
        for ti, t in enumerate(self.teachings):
            key = (t.class_, t.subject)
            if key in inst.doubles and (key not in owner or t.periods > self.teachings[owner[key]].periods):
                owner[key] = ti
        doubles = {ti: min(inst.doubles[key], self.teachings[ti].periods // 2) for key, ti in owner.items()}
        options = {}
        for ti in doubles:
            allowed = set(self.lesson_slots[ti])
            options[ti] = tuple((a, b) for a, b in inst.campuses[self.campus_of[ti]].pairs(inst.double_break)
                                if a in allowed and b in allowed)
        return {ti: k for ti, k in doubles.items() if k}, options

    @property
    def construction_blind(self) -> bool:
        """Whether the constructive heuristic (`greedy.py`) ignores a rule of this problem: it knows
        nothing of doubles, days apart or teachers' days a week, so its timetable proves nothing here."""
        inst = self.inst
        return bool(self.doubles) or any((t.class_, t.subject) in inst.min_days for t in self.teachings) \
            or any(inst.teachers[t.teacher].max_days is not None for t in self.teachings)

    # -- places -------------------------------------------------------------

    def slot(self, campus: str, si: int) -> Slot:
        return self.inst.campuses[campus].slots[si]

    def lesson_place(self, ti: int, si: int) -> Place:
        s = self.slot(self.campus_of[ti], si)
        return Place(self.campus_of[ti], s.day, s.start, s.end)

    def join_place(self, ji: int, ri: int) -> Place:
        campus = self.inst.classes[self.joinings[ji].class_].campus
        s = self.slot(campus, ri)
        return Place(campus, s.day, s.start, s.end)

    def window_place(self, mi: int, wi: int) -> Place:
        w = self.meetings[mi].windows[wi]
        return Place(self.meetings[mi].group.campus, w.day, w.start, w.end)

    def clash(self, a: Place, b: Place) -> bool:
        return clash(a, b, self.inst.travel)

    # -- research windows ---------------------------------------------------

    def _windows(self, group: ResearchView) -> tuple[Window, ...]:
        """Candidate meeting times: bell boundaries, preferred starts and every half hour.

        They lie within the community's school day (first period to the later
        of the last period and `research_latest`) and outside every member's
        unavailable times.
        """
        inst = self.inst
        slots = [s for c in inst.campuses.values() for s in c.slots]
        days = sorted({s.day for s in slots}, key=WEEKDAYS.index)
        lo = min(s.start for s in slots)
        hi = max(max(s.end for s in slots), inst.research_latest)
        starts = {s.start for s in slots} | {s.end for s in slots}
        starts |= {p.after for p in group.preferred if p.after is not None}
        starts |= set(range(lo - lo % RESEARCH_GRID, hi, RESEARCH_GRID))
        members = [inst.teachers[m] for m in group.members]
        windows = []
        for day in days:
            for start in sorted(starts):
                end = start + group.minutes
                if start < lo or end > hi or not all(m.free(day, start, end) for m in members):
                    continue
                preferred = not group.preferred or any(p.holds(day, start, end) for p in group.preferred)
                windows.append(Window(day, start, end, preferred))
        return tuple(windows)


@dataclass
class Assignment:
    """A week's placement: slots of each teaching and joining, windows of each meeting."""

    lessons: list[set[int]]  # per teaching: slot indices at the class's campus
    joins: list[set[int]]  # per joining: slot indices at the remote class's campus
    meetings: list[set[int]]  # per meeting: window indices

    @classmethod
    def empty(cls, problem: Problem) -> Assignment:
        return cls([set() for _ in problem.teachings], [set() for _ in problem.joinings],
                   [set() for _ in problem.meetings])
