"""Rules 2-4: nobody in two places at once, and every campus change leaves time to travel."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from scheduler.check.base import DAY_NAMES, ONLINE, Violation
from scheduler.check.plan import Plan
from scheduler.check.scope import Scope
from scheduler.check.timeline import Presence, by_owner_day, class_presences, teacher_presences

TEACHER_RULE, CLASS_RULE, TRAVEL_RULE = 2, 3, 4


def _double_booked(rule: int, what: str, presences: list[Presence]) -> Iterator[Violation]:
    for (who, day), items in by_owner_day(presences).items():
        for i, p in enumerate(items):
            for q in items[i + 1:]:
                if q.start >= p.end:
                    break
                yield Violation(rule, f"{what} {who} {DAY_NAMES[day]} 同时安排在 {p.label} 和 {q.label}",
                                (p.activity.code, q.activity.code))


def check_teacher_clashes(scope: Scope, plan: Plan) -> Iterator[Violation]:
    yield from _double_booked(TEACHER_RULE, "教师", teacher_presences(plan.activities))


def check_class_clashes(scope: Scope, plan: Plan) -> Iterator[Violation]:
    yield from _double_booked(CLASS_RULE, "班级", class_presences(plan.activities))


def longest_free(lo: int, hi: int, busy: list[Presence]) -> int:
    """The longest stretch of [lo, hi] not covered by any of `busy` (sorted by start)."""
    best, cursor = 0, lo
    for p in busy:
        if p.start >= hi:
            break
        if p.start > cursor:
            best = max(best, p.start - cursor)
        cursor = max(cursor, p.end)
    return max(best, hi - cursor)


def check_travel(scope: Scope, plan: Plan) -> Iterator[Violation]:
    limit = scope.community.rules.max_campuses_per_day
    for (who, day), items in by_owner_day(teacher_presences(plan.activities)).items():
        physical = [p for p in items if p.campus != ONLINE]
        campuses = list(dict.fromkeys(p.campus for p in physical))
        codes = tuple(dict.fromkeys(p.activity.code for p in physical))
        when = f"教师 {who} {DAY_NAMES[day]}"
        if len(campuses) > limit:
            yield Violation(TRAVEL_RULE, f"{when} 到 {len(campuses)} 个校区（{'、'.join(campuses)}），"
                                         f"超过每天最多 {limit} 个校区", codes)
        for i, a in enumerate(campuses):
            for b in campuses[i + 1:]:
                if scope.travel.minutes(a, b) is None:
                    yield Violation(TRAVEL_RULE, f"{when} 同时在校区 {a} 和 {b} 活动，但两校区之间的路程未知",
                                    codes)
        for p, q in pairwise(physical):
            need = scope.travel.minutes(p.campus, q.campus)
            if p.campus == q.campus or q.start < p.end or need is None:
                continue  # same place, a clash (rule 2) or an unknown pair (reported above)
            free = longest_free(p.end, q.start, items)
            if free < need:
                yield Violation(TRAVEL_RULE, f"{when} 从 {p.label} 到 {q.label} 需路程 {need} 分钟，"
                                             f"其间最长的空闲只有 {free} 分钟",
                                (p.activity.code, q.activity.code))
