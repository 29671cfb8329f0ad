"""Rule 5: the community's model decides who may teach in person at which school."""

from __future__ import annotations

from collections.abc import Iterator

from scheduler.check.base import ONLINE, Violation
from scheduler.check.plan import Plan
from scheduler.check.scope import Scope
from scheduler.check.timeline import teacher_presences

RULE = 5

_REFUSED = {
    "co_construction": "共建型教共体只有交流教师（exchange: true）可以到其他学校面授",
    "collaboration": "协作型教共体不安排任何教师到其他学校面授",
}


def _outsiders(scope: Scope, plan: Plan) -> Iterator[Violation]:
    code = scope.community.code
    for a in plan.activities:
        for t in a.people:
            if not scope.owns_teacher(t):
                yield Violation(RULE, f"教师 {t}（{scope.teachers[t].school}）不属于教共体 {code}，"
                                      f"却参加{a.label}", (a.code,))
        for c in dict.fromkeys(a.classes):
            if not scope.owns_class(c):
                yield Violation(RULE, f"班级 {c}（{scope.classes[c].campus}）不属于教共体 {code}，"
                                      f"却出现在{a.label}", (a.code,))
        for campus in dict.fromkeys([a.campus, *(r.campus for r in a.remote)]):
            if campus != ONLINE and not scope.owns_campus(campus):
                yield Violation(RULE, f"校区 {campus} 不属于教共体 {code}，却安排了{a.label}", (a.code,))
    for u in plan.unmet:
        if not scope.owns_class(u.class_):
            yield Violation(RULE, f"未排清单中的班级 {u.class_} 不属于教共体 {code}")


def check_model(scope: Scope, plan: Plan) -> Iterator[Violation]:
    """Membership of every code, then each in-person teaching presence against the model.

    Research meetings are left out of the model check on purpose: every model
    allows joint research, and `can_travel: false` still allows meetings elsewhere.
    """
    yield from _outsiders(scope, plan)
    model = scope.community.model
    for p in teacher_presences(plan.activities):
        if not p.teaching or not scope.owns_teacher(p.who) or not scope.owns_campus(p.campus):
            continue
        teacher = scope.teachers[p.who]
        if not teacher.can_travel and p.campus != teacher.campus:
            yield Violation(RULE, f"教师 {p.who} 不走教（can_travel: false），只能在本校区 {teacher.campus} 上课，"
                                  f"却在校区 {p.campus} 上{p.label}", (p.activity.code,))
        school = scope.campus_school[p.campus]
        if school == teacher.school or model == "fusion" or (model == "co_construction" and teacher.exchange):
            continue
        yield Violation(RULE, f"教师 {p.who}（{teacher.school}）到学校 {school} 的校区 {p.campus} 面授{p.label}："
                              f"{_REFUSED[model]}", (p.activity.code,))
