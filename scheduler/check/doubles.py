"""Rule 9: doubles (连堂) are two back-to-back periods of one class and subject, as many as asked for.

A plan marks the two lessons of a double `first` and `second`. A `first` must
be followed, the same day, by the `second` of the same class, subject and
teacher in the very next period of the class's bell, the break between them no
longer than the community allows. Each double a class-subject asks for is such
a pair, unless its two periods are listed as unmet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from scheduler.check.base import Violation
from scheduler.check.plan import Activity, Plan
from scheduler.check.scope import Scope

RULE = 9


def _pair_fault(scope: Scope, first: Activity, second: Activity | None) -> str | None:
    if second is None:
        return "后面没有同一班级、学科、教师的连堂第二节"
    campus = scope.classes[first.classes[0]].campus
    if scope.next_period(campus, first.day, first.end) != (second.start, second.end):
        return f"第二节 {second.label} 不是紧接着的下一节"
    if second.start - first.end > scope.double_break:
        return f"两节之间隔了 {second.start - first.end} 分钟，超过连堂允许的 {scope.double_break} 分钟"
    return None


def check_doubles(scope: Scope, plan: Plan) -> Iterator[Violation]:
    marked: dict[tuple[str, str, str, str], list[Activity]] = defaultdict(list)
    for a in plan.activities:
        if a.double is not None:
            marked[a.classes[0], a.subject, a.teachers[0], a.day].append(a)
    pairs: Counter[tuple[str, str]] = Counter()
    for (class_, subject, _, _), acts in marked.items():
        acts.sort(key=lambda a: a.start)
        seconds = [a for a in acts if a.double == "second"]
        for first in (a for a in acts if a.double == "first"):
            second = next((b for b in seconds if b.start >= first.end), None)
            fault = _pair_fault(scope, first, second)
            if fault:
                yield Violation(RULE, f"连堂第一节 {first.label}：{fault}", (first.code,))
                continue
            seconds.remove(second)  # type: ignore[arg-type]
            pairs[class_, subject] += 1
        for orphan in seconds:
            yield Violation(RULE, f"连堂第二节 {orphan.label} 前面没有对应的第一节", (orphan.code,))
    unmet: Counter[tuple[str, str]] = Counter()
    for u in plan.unmet:
        unmet[u.class_, u.subject] += u.periods
    for (class_, subject), wanted in sorted(scope.doubles.items()):
        if not scope.owns_class(class_):
            continue
        need = min(wanted, scope.demand.get((class_, subject), 0) // 2) - unmet[class_, subject] // 2
        if pairs[class_, subject] < need:
            yield Violation(RULE, f"班级 {class_} 的 {subject} 每周应有 {wanted} 次连堂，"
                                  f"计划中只有 {pairs[class_, subject]} 次", ())
