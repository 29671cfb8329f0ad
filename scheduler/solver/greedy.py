"""A constructive first timetable, handed to CP-SAT as a hint.

CP-SAT improves a complete solution far faster than it finds one in a
model of tens of thousands of Booleans, so phase 2 starts from this: the
published plan's meetings and co-teaching that are still valid (a re-solve
then changes little), research meetings next (they block whole subject
groups), then co-teaching lessons (lead and remote classes together), then
the published plan's other lessons that are still valid, then the other
lessons, most constrained teacher first, each at the cheapest free slot.
Co-teaching goes before the published plan's other lessons because a remote
class's bells may align with its lead's at only a few periods: published
lessons of the remote class or its assistant must not take those first
(moving a lesson costs far less than an unmet period).
A lesson with no free slot gets one ejection try: the lesson blocking its
class or teacher moves elsewhere if it can.

Every placement is checked with the same `Problem.clash` rule and the same
domains as the model, so the result is a valid plan (possibly with unmet
periods) on its own; it is also the fallback when CP-SAT finds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from math import ceil

from scheduler.solver.problem import Assignment, Place, Problem

Owner = tuple[str, int, int]  # ("x" lesson | "y" joining | "m" meeting, index, slot or window index)


class _State:
    def __init__(self, problem: Problem):
        self.p = problem
        self.inst = problem.inst
        self.result = Assignment.empty(problem)
        self.class_at: dict[tuple[str, int], Owner] = {}
        self.events: dict[tuple[str, str], list[tuple[Place, Owner]]] = defaultdict(list)
        self.online: set[tuple[str, str]] = set()  # (teacher, day) with an online meeting
        self.per_day: dict[tuple[str, str, str], int] = defaultdict(int)  # (class, subject, day) -> lessons

    # -- checks ---------------------------------------------------------------

    def teacher_ok(self, teacher: str, place: Place, ignore: Owner | None = None) -> bool:
        events = [(e, o) for e, o in self.events[teacher, place.day] if o != ignore]
        if any(self.p.clash(e, place) for e, _ in events):
            return False
        campuses = {e.campus for e, _ in events if e.campus is not None}
        online = (teacher, place.day) in self.online or place.campus is None
        if place.campus is not None:
            campuses.add(place.campus)
        return len(campuses) <= (1 if online else self.inst.max_campuses)

    def class_free(self, class_: str, si: int, ignore: Owner | None = None) -> bool:
        owner = self.class_at.get((class_, si))
        return owner is None or owner == ignore

    # -- changes --------------------------------------------------------------

    def _people(self, owner: Owner) -> list[tuple[str, Place]]:
        kind, i, s = owner
        p = self.p
        if kind == "x":
            return [(p.teachings[i].teacher, p.lesson_place(i, s))]
        if kind == "y":
            return [(p.joinings[i].assistant, p.join_place(i, s))]
        place = p.window_place(i, s)
        return [(m, place) for m in p.meetings[i].group.members]

    def _class(self, owner: Owner) -> tuple[str, str] | None:
        kind, i, _ = owner
        if kind == "x":
            return self.p.teachings[i].class_, self.p.teachings[i].subject
        if kind == "y":
            return self.p.joinings[i].class_, self.p.joinings[i].subject
        return None

    def add(self, owner: Owner) -> None:
        kind, i, s = owner
        getattr(self.result, {"x": "lessons", "y": "joins", "m": "meetings"}[kind])[i].add(s)
        for teacher, place in self._people(owner):
            self.events[teacher, place.day].append((place, owner))
            if place.campus is None:
                self.online.add((teacher, place.day))
        unit = self._class(owner)
        if unit is not None:
            self.class_at[unit[0], s] = owner
            self.per_day[unit[0], unit[1], self._people(owner)[0][1].day] += 1

    def remove(self, owner: Owner) -> None:
        kind, i, s = owner
        assert kind in "xy", "meetings are never moved"
        getattr(self.result, {"x": "lessons", "y": "joins"}[kind])[i].discard(s)
        for teacher, place in self._people(owner):
            self.events[teacher, place.day].remove((place, owner))
        unit = self._class(owner)
        assert unit is not None
        del self.class_at[unit[0], s]
        self.per_day[unit[0], unit[1], self._people(owner)[0][1].day] -= 1

    # -- costs ----------------------------------------------------------------

    def cost(self, ti: int, si: int) -> float:
        """The soft goals a lesson at this slot touches, in objective points (approximate)."""
        p, w = self.p, self.inst.weights
        t = p.teachings[ti]
        place = p.lesson_place(ti, si)
        n = self.inst.demand[t.class_, t.subject]
        days = len(self.inst.campuses[place.campus or ""].days)
        already = self.per_day[t.class_, t.subject, place.day]
        cost = already + (w.spread if already + 1 > ceil(n / days) else 0)
        if t.subject in self.inst.morning_subjects and self.p.slot(place.campus or "", si).afternoon:
            cost += w.afternoon_main
        events = [e for e, _ in self.events[t.teacher, place.day] if e.campus is not None]
        home = self.inst.teachers[t.teacher].campus
        if place.campus != home and not any(e.campus == place.campus for e in events):
            cost += w.travel_day
        if any(e.campus != place.campus for e in events):
            cost += w.campus_change
        if events and not any(abs(e.start - place.end) <= 30 or abs(place.start - e.end) <= 30 for e in events):
            cost += w.idle_gap
        return cost

    # -- placing ----------------------------------------------------------------

    def lesson_ok(self, ti: int, si: int, ignore: Owner | None = None) -> bool:
        t = self.p.teachings[ti]
        return (si not in self.result.lessons[ti] and self.class_free(t.class_, si, ignore)
                and self.teacher_ok(t.teacher, self.p.lesson_place(ti, si), ignore))

    def join_ok(self, ji: int, ri: int) -> bool:
        j, options = self.p.joinings[ji], self.p.join_options[ji]
        return (ri in options and all(options[r] != options[ri] for r in self.result.joins[ji])
                and self.class_free(j.class_, ri) and self.teacher_ok(j.assistant, self.p.join_place(ji, ri)))

    def meeting_ok(self, mi: int, wi: int) -> bool:
        place = self.p.window_place(mi, wi)
        taken = {self.p.meetings[mi].windows[w].day for w in self.result.meetings[mi]}
        return place.day not in taken and all(self.teacher_ok(m, place) for m in self.p.meetings[mi].group.members)

    def place_lesson(self, ti: int) -> bool:
        options = [si for si in self.p.lesson_slots[ti] if self.lesson_ok(ti, si)]
        if options:
            self.add(("x", ti, min(options, key=lambda si: (self.cost(ti, si), si))))
            return True
        return self.eject(ti)

    def eject(self, ti: int) -> bool:
        """Free a slot for lesson `ti` by moving the one lesson that blocks its class or teacher."""
        p = self.p
        t = p.teachings[ti]
        for si in sorted(p.lesson_slots[ti], key=lambda si: self.cost(ti, si)):
            if si in self.result.lessons[ti]:
                continue
            place = p.lesson_place(ti, si)
            blockers = {self.class_at.get((t.class_, si))}
            blockers |= {o for e, o in self.events[t.teacher, place.day] if p.clash(e, place)}
            blockers.discard(None)
            if len(blockers) != 1:
                continue
            blocker = blockers.pop()
            assert blocker is not None
            if blocker[0] != "x" or p.joins_of.get(blocker[1]) or not self.lesson_ok(ti, si, blocker):
                continue
            bi = blocker[1]
            self.remove(blocker)
            moves = [s2 for s2 in p.lesson_slots[bi] if s2 != blocker[2] and self.lesson_ok(bi, s2)]
            self.add(("x", ti, si))
            moves = [s2 for s2 in moves if self.lesson_ok(bi, s2)]
            if moves:
                self.add(("x", bi, min(moves, key=lambda s2: self.cost(bi, s2))))
                return True
            self.remove(("x", ti, si))
            self.add(blocker)
        return False

    def place_coteach(self, ti: int) -> None:
        """Lessons of a lead class, each with as many of its remote classes as can join it.

        Seeded lessons (the published plan's) that no remote class could join
        move to a slot where one can when a joining still falls short: the
        published plan may predate the link, and a rural campus's bells may
        align with the lead's at only a few periods.
        """
        p = self.p
        joins = p.joins_of[ti]
        for ji in joins:  # lessons seeded from the published plan take their classes back first
            for ri, li in p.join_options[ji].items():
                if (li in self.result.lessons[ti] and len(self.result.joins[ji]) < p.joinings[ji].periods
                        and self.join_ok(ji, ri)):
                    self.add(("y", ji, ri))
        for _ in range(p.teachings[ti].periods - len(self.result.lessons[ti])):
            best = self.lead_slot(ti)
            if best is None:
                self.place_lesson(ti)
            else:
                self.put_lead(ti, *best)
        for si in sorted(self.result.lessons[ti]):
            if all(len(self.result.joins[ji]) >= p.joinings[ji].periods for ji in joins):
                return
            if any(p.join_options[ji][ri] == si for ji in joins for ri in self.result.joins[ji]):
                continue
            self.remove(("x", ti, si))
            best = self.lead_slot(ti)
            if best is not None and best[1]:
                self.put_lead(ti, *best)
            else:
                self.add(("x", ti, si))

    def lead_slot(self, ti: int) -> tuple[int, list[tuple[int, int]]] | None:
        """The free slot for a lead lesson that most short joinings can join, cheapest first,
        with those (joining, remote slot) pairs; None when no slot is free."""
        p = self.p
        best = None
        for si in p.lesson_slots[ti]:
            if not self.lesson_ok(ti, si):
                continue
            attach = []
            for ji in p.joins_of[ti]:
                if len(self.result.joins[ji]) >= p.joinings[ji].periods:
                    continue
                ri = next((r for r, l in p.join_options[ji].items() if l == si and self.join_ok(ji, r)), None)
                if ri is not None:
                    attach.append((ji, ri))
            score = (-len(attach), self.cost(ti, si), si)
            if best is None or score < best[0]:
                best = (score, si, attach)
        return None if best is None else (best[1], best[2])

    def put_lead(self, ti: int, si: int, attach: list[tuple[int, int]]) -> None:
        """A lead lesson at `si` with the remote classes of `lead_slot`'s answer."""
        self.add(("x", ti, si))
        for ji, ri in attach:
            if self.join_ok(ji, ri):  # two joins of one class never share a slot
                self.add(("y", ji, ri))

    def place_meeting(self, mi: int) -> None:
        """The window that is preferred and takes the fewest member lesson slots."""
        p = self.p
        meeting = p.meetings[mi]
        members = [self.inst.teachers[m] for m in meeting.group.members]

        def blocked(wi: int) -> int:
            w = meeting.windows[wi]
            return sum(1 for m in members for s in self.inst.campuses[m.campus].slots
                       if s.day == w.day and s.start < w.end and w.start < s.end)

        order = sorted(range(len(meeting.windows)),
                       key=lambda wi: (not meeting.windows[wi].preferred, blocked(wi), wi))
        for wi in order:
            if len(self.result.meetings[mi]) >= meeting.group.per_week:
                return
            if self.meeting_ok(mi, wi):
                self.add(("m", mi, wi))

    def seed(self, wish: Assignment, coteach: bool) -> None:
        """The wish's placements that are still valid: its meetings and co-teaching (lead lessons
        and remote classes) with `coteach`, else its other lessons."""
        p = self.p
        if coteach:
            for mi, windows in enumerate(wish.meetings):
                for wi in sorted(windows):
                    if len(self.result.meetings[mi]) < p.meetings[mi].group.per_week and self.meeting_ok(mi, wi):
                        self.add(("m", mi, wi))
        for ti, slots in enumerate(wish.lessons):
            if (ti in p.joins_of) != coteach:
                continue
            for si in sorted(slots):
                if (si in p.lesson_slots[ti] and len(self.result.lessons[ti]) < p.teachings[ti].periods
                        and self.lesson_ok(ti, si)):
                    self.add(("x", ti, si))
        if not coteach:
            return
        for ji, slots in enumerate(wish.joins):
            for ri in sorted(slots):
                lead = p.joinings[ji].lead
                if (len(self.result.joins[ji]) < p.joinings[ji].periods and self.join_ok(ji, ri)
                        and p.join_options[ji][ri] in self.result.lessons[lead]):
                    self.add(("y", ji, ri))


def construct(problem: Problem, wish: Assignment | None = None) -> Assignment:
    state = _State(problem)
    if wish is not None:
        state.seed(wish, coteach=True)
    for mi in range(len(problem.meetings)):
        state.place_meeting(mi)
    for ti in sorted(problem.joins_of):
        state.place_coteach(ti)
    if wish is not None:
        state.seed(wish, coteach=False)
    inst = problem.inst
    spread = {t: len({problem.campus_of[i] for i, x in enumerate(problem.teachings) if x.teacher == t})
              for t in {x.teacher for x in problem.teachings}}
    load: dict[str, int] = defaultdict(int)
    for x in problem.teachings:
        load[x.teacher] += x.periods
    order = sorted((ti for ti in range(len(problem.teachings)) if ti not in problem.joins_of),
                   key=lambda ti: (-spread[problem.teachings[ti].teacher],
                                   problem.teachings[ti].subject not in inst.morning_subjects,
                                   -len(inst.teachers[problem.teachings[ti].teacher].blocked),
                                   -load[problem.teachings[ti].teacher], problem.teachings[ti].teacher, ti))
    for ti in order:
        for _ in range(problem.teachings[ti].periods - len(state.result.lessons[ti])):
            if not state.place_lesson(ti):
                break
    return state.result
