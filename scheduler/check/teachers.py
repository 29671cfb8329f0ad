"""Rule 6: weekly loads, unavailable times, days a week and locked staffing of each teacher."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from scheduler.check.base import DAY_NAMES, Violation, span
from scheduler.check.plan import Plan
from scheduler.check.scope import Scope
from scheduler.check.timeline import by_owner_day, teacher_presences
from scheduler.dataset.schema import Teacher, Unavailable

RULE = 6
WHOLE_DAY = (0, 24 * 60)


def _blocked(scope: Scope, teacher: Teacher, entry: Unavailable) -> list[tuple[str, int, int]]:
    """Clock intervals of an unavailable entry, read on the teacher's own campus bell."""
    if entry.periods is None:
        return [("全天", *WHOLE_DAY)]
    bell = scope.bells.get(teacher.campus)
    periods = bell.periods if bell is not None else {}
    return [(f"第 {n} 节（{span(*periods[n])}）", *periods[n]) for n in entry.periods if n in periods]


def _loads(scope: Scope, plan: Plan) -> Iterator[Violation]:
    taught: dict[str, dict[str, None]] = defaultdict(dict)
    count: dict[str, int] = defaultdict(int)
    for p in teacher_presences(plan.activities):
        if p.teaching:
            count[p.who] += 1
            taught[p.who][p.activity.code] = None
    for who in sorted(count):
        limit = scope.teachers[who].max_periods_per_week
        if count[who] > limit:
            yield Violation(RULE, f"教师 {who} 每周安排 {count[who]} 节（上课、同步课堂主讲和助教），"
                                  f"超过其周课时上限 {limit} 节", tuple(taught[who]))


def _unavailable(scope: Scope, plan: Plan) -> Iterator[Violation]:
    for (who, day), items in by_owner_day(teacher_presences(plan.activities)).items():
        teacher = scope.teachers[who]
        for entry in teacher.unavailable:
            if entry.day != day:
                continue
            for label, lo, hi in _blocked(scope, teacher, entry):
                for p in items:
                    if p.start < hi and lo < p.end:
                        yield Violation(RULE, f"教师 {who} {DAY_NAMES[day]}{label}不可安排，却安排了 {p.label}",
                                        (p.activity.code,))


def _days(scope: Scope, plan: Plan) -> Iterator[Violation]:
    """A teacher with `max_days_per_week` teaches on no more days than that."""
    days: dict[str, set[str]] = defaultdict(set)
    for p in teacher_presences(plan.activities):
        if p.teaching:
            days[p.who].add(p.day)
    for who in sorted(days):
        limit = scope.teachers[who].max_days_per_week
        if limit is not None and len(days[who]) > limit:
            yield Violation(RULE, f"教师 {who} 每周在 {len(days[who])} 天有课，超过其每周上课天数上限 {limit} 天")


def _locked(scope: Scope, plan: Plan) -> Iterator[Violation]:
    """A locked class and subject is taught in person only by its teacher; joining remotely is allowed."""
    for staff in scope.staffing:
        if not staff.locked or not scope.owns_class(staff.class_):
            continue
        for a in plan.activities:
            if a.classes and a.classes[0] == staff.class_ and a.subject == staff.subject \
                    and a.teachers[0] != staff.teacher:
                yield Violation(RULE, f"班级 {staff.class_} 的 {staff.subject} 锁定由教师 {staff.teacher} 任教，"
                                      f"{a.label} 却由教师 {a.teachers[0]} 上", (a.code,))


def check_availability(scope: Scope, plan: Plan) -> Iterator[Violation]:
    """Rule 6 as it holds on a single date: only `unavailable` (load and locked staffing are weekly)."""
    yield from _unavailable(scope, plan)


def check_teachers(scope: Scope, plan: Plan) -> Iterator[Violation]:
    yield from _loads(scope, plan)
    yield from _unavailable(scope, plan)
    yield from _days(scope, plan)
    yield from _locked(scope, plan)
