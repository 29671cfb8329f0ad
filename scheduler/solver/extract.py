"""A placed week as `tongpan-plan/1` activities, and what of the demand it leaves unmet.

Codes are stable across regenerations because they name meaning, not
position: a lesson is `{class}.{subject}` (repeated over its periods; feed
UIDs add date and start), a co-teaching lesson carries its requested link's
code or `CT-{subject}-{lead class}` for a link the solver proposed, a
research meeting its group's code. A lead class's lesson that no remote
class joins is an ordinary lesson.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scheduler.dataset.schema import WEEKDAYS
from scheduler.solver.problem import Assignment, Problem


def _hhmm(clock: int) -> str:
    return f"{clock // 60:02d}:{clock % 60:02d}"


def double_marks(problem: Problem, ti: int, slots: set[int]) -> dict[int, str]:
    """Slot -> `first` or `second` for the teaching's doubles (连堂) among its placed slots.

    Pairs are taken left to right, which on a day's chain of back-to-back
    periods finds as many disjoint pairs as there are; only the doubles asked
    for are marked, so surplus back-to-back lessons stay single lessons."""
    wanted, valid = problem.doubles.get(ti, 0), set(problem.pair_options.get(ti, ()))
    marks: dict[int, str] = {}
    ordered = sorted(slots)
    i = 0
    while i + 1 < len(ordered) and len(marks) < 2 * wanted:
        if (ordered[i], ordered[i + 1]) in valid:
            marks[ordered[i]], marks[ordered[i + 1]] = "first", "second"
            i += 2
        else:
            i += 1
    return marks


def activities(problem: Problem, placed: Assignment) -> list[dict[str, Any]]:
    """Every activity of the week, sorted by day, start, campus, kind and code."""
    result: list[dict[str, Any]] = []
    for ti, t in enumerate(problem.teachings):
        campus = problem.campus_of[ti]
        doubles = double_marks(problem, ti, placed.lessons[ti])
        for si in sorted(placed.lessons[ti]):
            s = problem.slot(campus, si)
            remote = []
            for ji in problem.joins_of.get(ti, []):
                j = problem.joinings[ji]
                ri = next((r for r in placed.joins[ji] if problem.join_options[ji][r] == si), None)
                if ri is not None:
                    rs = problem.join_place(ji, ri)
                    remote.append({"class": j.class_, "campus": rs.campus, "start": _hhmm(rs.start),
                                   "end": _hhmm(rs.end), "assistant": j.assistant})
            remote.sort(key=lambda r: r["class"])
            activity: dict[str, Any] = {
                "kind": "coteach" if remote else "lesson",
                "code": t.coteach_code if remote else t.lesson_code,
                "subject": t.subject, "day": s.day, "start": _hhmm(s.start), "end": _hhmm(s.end),
                "campus": campus, "classes": [t.class_, *(r["class"] for r in remote)], "teachers": [t.teacher]}
            if remote:
                activity["remote"] = remote
            if si in doubles:
                activity["double"] = doubles[si]
            result.append(activity)
    for mi, meeting in enumerate(problem.meetings):
        group = meeting.group
        for wi in sorted(placed.meetings[mi]):
            w = meeting.windows[wi]
            result.append({"kind": "research", "code": group.code, "subject": group.subject, "day": w.day,
                           "start": _hhmm(w.start), "end": _hhmm(w.end), "campus": group.campus or "online",
                           "classes": [], "teachers": sorted(group.members)})
    return sorted(result, key=lambda a: (WEEKDAYS.index(a["day"]), a["start"], a["campus"], a["kind"], a["code"],
                                         a["classes"]))


def unmet_periods(demand: dict[tuple[str, str], int], acts: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Demand minus what the activities cover, per class and subject (only what is short)."""
    covered: Counter[tuple[str, str]] = Counter()
    for a in acts:
        if a["kind"] != "research":
            for class_ in a["classes"]:
                covered[class_, a["subject"]] += 1
    return {unit: n - covered[unit] for unit, n in demand.items() if n > covered[unit]}


def teaching_loads(acts: list[dict[str, Any]]) -> Counter[str]:
    """Periods each teacher teaches, leads or assists (what `max_periods_per_week` limits)."""
    loads: Counter[str] = Counter()
    for a in acts:
        if a["kind"] != "research":
            loads[a["teachers"][0]] += 1
            for r in a.get("remote", []):
                loads[r["assistant"]] += 1
    return loads
