"""The currently published plan, read back for stability.

A regeneration should not reshuffle teachers' calendars: the published
plan's teachers are preferred in phase 1, its placements are hinted and
rewarded in phase 2 (`rules/goals.published_placements_kept`), and `changed` counts what moved.
Published activities are matched by what they mean (class, subject,
teacher, campus, day and start), not by list position, so a plan with other
codes or order still maps; whatever no longer exists simply has no match.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scheduler.dataset.schema import minutes
from scheduler.solver.problem import Assignment, Problem

Unit = tuple[str, str]


def _activities(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The plan's activities whose codes are readable (a published plan is not trusted blindly)."""
    items = (plan or {}).get("activities", [])
    if not isinstance(items, list):
        return []
    return [a for a in items if isinstance(a, dict) and isinstance(a.get("subject"), str)
            and all(isinstance(c, str) for c in (a.get("classes") or []) + (a.get("teachers") or []))]


@dataclass
class PublishedStaffing:
    """Who taught what in the published plan, for phase 1 to keep."""

    teachers: dict[Unit, dict[str, int]] = field(default_factory=dict)  # in-person periods per teacher
    joins: dict[Unit, dict[str, int]] = field(default_factory=dict)  # remote class's periods per lead class
    assistants: dict[Unit, str] = field(default_factory=dict)


def published_staffing(plan: dict[str, Any]) -> PublishedStaffing:
    found = PublishedStaffing()
    for a in _activities(plan):
        classes, teachers, subject = a.get("classes") or [], a.get("teachers") or [], a.get("subject", "")
        if a.get("kind") not in ("lesson", "coteach") or not classes or not teachers:
            continue
        by = found.teachers.setdefault((classes[0], subject), {})
        by[teachers[0]] = by.get(teachers[0], 0) + 1
        for remote in a.get("remote") or []:
            if isinstance(remote, dict) and isinstance(remote.get("class"), str):
                unit = (remote["class"], subject)
                joined = found.joins.setdefault(unit, {})
                joined[classes[0]] = joined.get(classes[0], 0) + 1
                if isinstance(remote.get("assistant"), str):
                    found.assistants[unit] = remote["assistant"]
    return found


def published_wish(plan: dict[str, Any], problem: Problem) -> Assignment:
    """The published placements that still fit the new staffing, as an assignment to aim for."""
    wish = Assignment.empty(problem)
    inst = problem.inst

    def slot_at(campus: str, day: Any, start: Any) -> int | None:
        clock = _clock(start)
        if campus not in inst.campuses or clock is None:
            return None
        return next((i for i, s in enumerate(inst.campuses[campus].slots) if s.day == day and s.start == clock), None)

    teaching_of: dict[tuple[str, str, str, str], int] = {}
    for ti, t in sorted(enumerate(problem.teachings), key=lambda item: item[1].requested):  # regular ones first
        teaching_of.setdefault(("lesson", t.class_, t.subject, t.teacher), ti)
        teaching_of[("coteach", t.coteach_code, t.class_, t.teacher)] = ti
    meeting_of = {m.group.code: mi for mi, m in enumerate(problem.meetings)}
    for a in _activities(plan):
        kind, classes, teachers = a.get("kind"), a.get("classes") or [], a.get("teachers") or []
        if kind == "research":
            mi = meeting_of.get(a.get("code", ""))
            if mi is None:
                continue
            meeting = problem.meetings[mi]
            start = _clock(a.get("start"))
            if a.get("campus") != (meeting.group.campus or "online"):
                continue
            wi = next((i for i, w in enumerate(meeting.windows) if w.day == a.get("day") and w.start == start), None)
            if wi is not None:
                wish.meetings[mi].add(wi)
            continue
        if kind not in ("lesson", "coteach") or not classes or not teachers:
            continue
        ti = teaching_of.get(("coteach", a.get("code", ""), classes[0], teachers[0])) if kind == "coteach" else None
        if ti is None:
            ti = teaching_of.get(("lesson", classes[0], a.get("subject", ""), teachers[0]))
        if ti is None or a.get("campus") != problem.campus_of[ti]:
            continue
        si = slot_at(problem.campus_of[ti], a.get("day"), a.get("start"))
        if si is None:
            continue
        wish.lessons[ti].add(si)
        for remote in a.get("remote") or []:
            if not isinstance(remote, dict):
                continue
            for ji in problem.joins_of.get(ti, []):
                j = problem.joinings[ji]
                if j.class_ == remote.get("class") and j.assistant == remote.get("assistant"):
                    ri = slot_at(remote.get("campus", ""), a.get("day"), remote.get("start"))
                    if ri is not None and problem.join_options[ji].get(ri) == si:
                        wish.joins[ji].add(ri)
    return wish


def _clock(value: Any) -> int | None:
    """Clock minutes of an `HH:MM` string; None for anything else (a published plan is not trusted)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        return None
    return minutes(value)


def _signature(a: dict[str, Any]) -> tuple[Any, ...]:
    remote = tuple(sorted((r.get("class"), r.get("campus"), r.get("start"), r.get("end"), r.get("assistant"))
                          for r in a.get("remote") or [] if isinstance(r, dict)))
    return (a.get("kind"), a.get("code"), a.get("day"), a.get("start"), a.get("end"), a.get("campus"),
            tuple(a.get("classes") or []), tuple(a.get("teachers") or []), remote)


def changed(plan: dict[str, Any], activities: list[dict[str, Any]]) -> int:
    """Activities whose time, teacher or campus differ from the published plan.

    A moved activity counts once (it is new here and gone there); one that
    only appears or only disappears counts once too.
    """
    before = Counter(_signature(a) for a in _activities(plan))
    after = Counter(_signature(a) for a in activities)
    return max(sum((after - before).values()), sum((before - after).values()))
