"""Rule 1: every class gets exactly its weekly periods, each in person at its own campus or co-taught.

A lesson or co-teaching participation with a defect (wrong campus,
unqualified teacher, off the bell) still counts towards the class's total:
the defect is reported once, on its own, instead of again as a shortfall.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from scheduler.check.base import Violation
from scheduler.check.plan import Activity, Plan
from scheduler.check.scope import Scope

RULE = 1


def _lesson(scope: Scope, a: Activity) -> Iterator[Violation]:
    cls, teacher = scope.classes[a.classes[0]], a.teachers[0]
    if a.campus != cls.campus:
        yield Violation(RULE, f"班级 {cls.code} 在校区 {cls.campus} 上课，{a.label} 却安排在校区 {a.campus}",
                        (a.code,))
    if not scope.qualified(teacher, a.subject, cls.grade):
        yield Violation(RULE, f"教师 {teacher} 没有 {cls.grade} 年级 {a.subject} 的任教资格，不能上{a.label}",
                        (a.code,))
    if not scope.rings(cls.campus, a.day, a.start, a.end):
        yield Violation(RULE, f"{a.label} 不是班级 {cls.code} 所在校区 {cls.campus} 作息表当天的一节课",
                        (a.code,))


def _coteach_campuses(scope: Scope, a: Activity) -> Iterator[Violation]:
    if not a.classes:
        yield Violation(RULE, f"{a.label} 线上主讲、没有主讲班级：这只能是某一天的代课，不能出现在周课表中", (a.code,))
        return
    lead = scope.classes[a.classes[0]]
    if a.campus != lead.campus:
        yield Violation(RULE, f"主讲班级 {lead.code} 在校区 {lead.campus} 上课，{a.label} 却安排在校区 {a.campus}",
                        (a.code,))
    for r in a.remote:
        home = scope.classes[r.class_].campus
        if r.campus != home:
            yield Violation(RULE, f"远端班级 {r.class_} 在校区 {home} 上课，{a.label} 却把它安排在校区 {r.campus}",
                            (a.code,))


def check_curriculum(scope: Scope, plan: Plan) -> Iterator[Violation]:
    taught: Counter[tuple[str, str]] = Counter()
    joined: Counter[tuple[str, str]] = Counter()
    unmet: Counter[tuple[str, str]] = Counter()
    codes: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for a in plan.activities:
        if a.kind == "lesson":
            taught[a.classes[0], a.subject] += 1
            yield from _lesson(scope, a)
        elif a.kind == "coteach":
            for cls in a.classes:
                joined[cls, a.subject] += 1
            yield from _coteach_campuses(scope, a)
        for cls in a.classes:
            codes[cls, a.subject][a.code] = None
    for u in plan.unmet:
        unmet[u.class_, u.subject] += u.periods
    keys = set(scope.demand) | set(taught) | set(joined) | set(unmet)
    for key in sorted(k for k in keys if scope.owns_class(k[0])):
        need, got = scope.demand.get(key, 0), taught[key] + joined[key] + unmet[key]
        if got == need:
            continue
        cls, subject = key
        gap = f"少 {need - got} 节" if got < need else f"多 {got - need} 节"
        yield Violation(RULE, f"班级 {cls} 的 {subject} 每周应为 {need} 节，计划共 {got} 节"
                              f"（面授 {taught[key]}，同步课堂 {joined[key]}，未排 {unmet[key]}），{gap}",
                        tuple(codes[key]))
