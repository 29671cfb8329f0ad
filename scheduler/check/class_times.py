"""Rule 10: when a class may have lessons — its unavailable periods, a subject's allowed periods, days apart.

Periods are the numbers of the class's own campus bell, found by clock time;
an activity counts for every class in it (a remote class at its own campus).
A class-subject with `min_days_apart` n has one lesson a day (a double as one)
on days at least n apart in the order of the campus's school week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from scheduler.check.base import DAY_NAMES, Violation
from scheduler.check.plan import Activity, Plan
from scheduler.check.scope import Scope
from scheduler.dataset.schema import Unavailable

RULE = 10


def _named(entries: list[Unavailable] | None) -> set[tuple[str, int | None]]:
    return {(e.day, n) for e in entries or [] for n in (e.periods or [None])}


def _in(named: set[tuple[str, int | None]], day: str, n: int | None) -> bool:
    return (day, None) in named or (day, n) in named


def _seats(a: Activity) -> Iterator[tuple[str, str, int, int]]:
    """(class, campus, start, end) of each class taking part, each at its own campus and clock time."""
    if a.kind == "research":
        return
    remote = {r.class_: r for r in a.remote}
    for class_ in a.classes:
        r = remote.get(class_)
        yield (class_, r.campus, r.start, r.end) if r else (class_, a.campus, a.start, a.end)


def check_class_times(scope: Scope, plan: Plan) -> Iterator[Violation]:
    lessons_on: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in plan.activities:
        for class_, campus, start, end in _seats(a):
            if not scope.owns_class(class_):
                continue
            n = scope.period_number(campus, a.day, start, end)
            if _in(_named(scope.classes[class_].unavailable), a.day, n):
                yield Violation(RULE, f"班级 {class_} {DAY_NAMES[a.day]}第 {n} 节不可排课，却安排了{a.label}",
                                (a.code,))
            allowed = scope.allowed.get((class_, a.subject))
            if allowed is not None and not _in(allowed, a.day, n):
                yield Violation(RULE, f"班级 {class_} 的 {a.subject} 只能排在指定时段，{a.label}不在其中", (a.code,))
            if a.double != "second":
                lessons_on[class_, a.subject][a.day] += 1
    for (class_, subject), n in sorted(scope.min_days.items()):
        days = lessons_on.get((class_, subject), {})
        for day, count in days.items():
            if count > 1:
                yield Violation(RULE, f"班级 {class_} 的 {subject} 每天最多一次（连堂算一次），"
                                      f"{DAY_NAMES[day]}却有 {count} 次")
        order = scope.week_order(scope.classes[class_].campus)
        placed = sorted((d for d in days if d in order), key=order.__getitem__)
        for a, b in zip(placed, placed[1:]):
            if order[b] - order[a] < n:
                yield Violation(RULE, f"班级 {class_} 的 {subject} 两次课应至少相隔 {n} 天，"
                                      f"{DAY_NAMES[a]}与{DAY_NAMES[b]}太近")
