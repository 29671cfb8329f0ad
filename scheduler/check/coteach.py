"""Rule 7: a co-teaching lesson joins classes of one grade, each on its own bell, at one clock time."""

from __future__ import annotations

from collections.abc import Iterator

from scheduler.check.base import Violation, hhmm, span
from scheduler.check.plan import Activity, Plan
from scheduler.check.scope import Scope

RULE = 7


def _problems(scope: Scope, a: Activity) -> Iterator[str]:
    tolerance = scope.community.rules.coteach_start_tolerance_minutes
    # Led online (a cover) there is no lead class: the first remote class sets the grade.
    lead, teacher = scope.classes[a.classes[0] if a.classes else a.remote[0].class_], a.teachers[0]
    if not scope.qualified(teacher, a.subject, lead.grade):
        yield f"主讲教师 {teacher} 没有 {lead.grade} 年级 {a.subject} 的任教资格"
    if a.classes and not scope.rings(lead.campus, a.day, a.start, a.end):
        yield f"主讲班级 {lead.code} 的时间 {span(a.start, a.end)} 不是校区 {lead.campus} 作息表当天的一节课"
    for r in a.remote:
        cls = scope.classes[r.class_]
        if cls.grade != lead.grade:
            yield (f"远端班级 {cls.code} 是 {cls.grade} 年级，主讲班级 {lead.code} 是 {lead.grade} 年级，"
                   "同步课堂须同年级")
        if r.assistant is None:
            yield f"远端班级 {cls.code} 没有助教"
        late = abs(r.start - a.start)
        if late > tolerance:
            yield (f"远端班级 {cls.code}（校区 {r.campus}）{hhmm(r.start)} 开始，与主讲 {hhmm(a.start)} "
                   f"相差 {late} 分钟，超过允许的 {tolerance} 分钟")
        if not scope.rings(cls.campus, a.day, r.start, r.end):
            yield f"远端班级 {cls.code} 的时间 {span(r.start, r.end)} 不是校区 {cls.campus} 作息表当天的一节课"


def check_coteaching(scope: Scope, plan: Plan) -> Iterator[Violation]:
    for a in plan.activities:
        if a.kind == "coteach":
            for problem in _problems(scope, a):
                yield Violation(RULE, f"{a.label}：{problem}", (a.code,))
