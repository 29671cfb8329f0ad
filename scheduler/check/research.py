"""Rule 8: each research group of the community meets as often, as long and where it must, with all its members."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from scheduler.check.base import ONLINE, Violation
from scheduler.check.plan import Activity, Plan
from scheduler.check.scope import Scope

RULE = 8


def _meeting(scope: Scope, a: Activity) -> Iterator[str]:
    group = scope.groups[a.code]
    if group.community != scope.community.code:
        yield f"教研组 {group.code} 属于教共体 {group.community}，不属于 {scope.community.code}"
        return
    if a.subject != group.subject:
        yield f"学科应为教研组的 {group.subject}"
    if a.end - a.start < group.minutes:
        yield f"只有 {a.end - a.start} 分钟，教研组 {group.code} 每次需 {group.minutes} 分钟"
    expected, present = scope.members(group), set(a.teachers)
    if expected - present:
        yield f"缺少教研组成员 {'、'.join(sorted(expected - present))}"
    if present - expected:
        yield f"{'、'.join(sorted(present - expected))} 不是教研组 {group.code} 的成员"
    if group.mode == "online" and a.campus != ONLINE:
        yield "线上教研应在线上（campus: online）进行"
    elif group.mode == "onsite" and a.campus == ONLINE:
        yield "现场教研不能在线上进行"
    elif group.mode == "onsite" and group.host_campus is not None and a.campus != group.host_campus:
        yield f"现场教研应在承办校区 {group.host_campus} 进行"


def check_meetings(scope: Scope, plan: Plan) -> Iterator[Violation]:
    """Each meeting on its own (members, place, length); what holds on a single date."""
    for a in plan.activities:
        if a.kind == "research":
            for problem in _meeting(scope, a):
                yield Violation(RULE, f"{a.label}：{problem}", (a.code,))


def check_research(scope: Scope, plan: Plan) -> Iterator[Violation]:
    """Onsite groups without a host may meet at any campus of the community (rule 5 checks that)."""
    yield from check_meetings(scope, plan)
    held = Counter(a.code for a in plan.activities if a.kind == "research")
    for group in scope.groups.values():
        if group.community == scope.community.code and held[group.code] != group.per_week:
            yield Violation(RULE, f"教研组 {group.code} 每周应活动 {group.per_week} 次，"
                                  f"计划安排了 {held[group.code]} 次", (group.code,))
