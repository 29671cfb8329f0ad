"""Why a class's subject is left unmet, in words an admin can act on, and how sure tongpan is.

Every reason is one of two kinds, and tongpan never says the first when it
only knows the second:

- **proven** (`证明无法安排：…`): the dataset alone rules out a full cover,
  whatever the plan: nobody in the community is qualified; the locked
  teacher is not in the community or may not teach at the campus; nobody may
  teach there in person and co-teaching cannot help either; the qualified
  teachers are free in fewer of the class's periods than it needs; the
  teachers who alone can cover some classes' subject have fewer periods a week
  than those classes need (named, with loads); the class needs more periods
  than its bell rings. Each proof is one function below.
- **not found in time** (`在 N 秒内未找到可行安排，请增加求解时间`): the solve ended
  (time limit, or a stop rule) without a plan covering it, although no proof
  rules one out. The likely cause, diagnosed from the dataset and the plan's
  loads (`likely_cause`), follows as a hint: a locked teacher's full load,
  the nearest qualified teacher too far for the breaks, no free time left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property

from scheduler.solver.instance import ClassView, Instance, TeacherView

NAMED = 3  # teachers named in a reason before "等"
PROVEN = "证明无法安排："
Unit = tuple[str, str]


def _names(teachers: list[TeacherView], detail: Mapping[str, str] | None = None) -> str:
    shown = [t.label + (detail or {}).get(t.code, "") for t in teachers[:NAMED]]
    return "、".join(shown) + ("等" if len(teachers) > NAMED else "")


class Reasons:
    """Reasons for the unmet entries of one plan; what every proof asks about a unit is computed once."""

    def __init__(self, inst: Instance, loads: Mapping[str, int], seconds: float, exhausted: bool = False):
        """`exhausted`: both phases' searches ended proven optimal, so more time would not help
        the decomposition (though it proves nothing about other staffings)."""
        self.inst, self.loads, self.seconds, self.exhausted = inst, loads, seconds, exhausted
        self._candidates: dict[Unit, list[TeacherView]] = {}
        self._coteach: dict[Unit, bool] = {}

    def candidates(self, unit: Unit) -> list[TeacherView]:
        """Teachers who may teach the unit in person: the locked one, else every qualified one allowed there."""
        if unit not in self._candidates:
            inst, cls = self.inst, self.inst.classes[unit[0]]
            locked = inst.locked.get(unit)
            pool = ([inst.teachers[locked]] if locked in inst.teachers else []) if locked \
                else list(inst.teachers.values())
            self._candidates[unit] = [t for t in pool if t.max_periods > 0 and t.qualified(unit[1], cls.grade)
                                      and inst.may_teach_at(t.code, cls.campus)]
        return self._candidates[unit]

    def coteach_possible(self, unit: Unit) -> bool:
        """Whether the class could join some lead class's lesson online (bells within the tolerance, an assistant)."""
        if unit not in self._coteach:
            inst, cls = self.inst, self.inst.classes[unit[0]]
            leads = {c.campus for c in inst.classes.values()
                     if c.grade == cls.grade and c.campus != cls.campus and (c.code, unit[1]) in inst.demand}
            leads |= {inst.classes[r.lead_class].campus for r in inst.requests
                      if r.subject == unit[1] and unit[0] in r.remote_classes}
            self._coteach[unit] = (any(inst.matches(cls.campus, campus) for campus in leads)
                                   and cls.campus in self._local_campuses)
        return self._coteach[unit]

    @cached_property
    def _local_campuses(self) -> set[str]:
        return {t.campus for t in self.inst.teachers.values() if t.max_periods > 0}

    def explain(self, class_: str, subject: str) -> str:
        """The reason of one unmet entry: a proof when the dataset gives one, else "not found in time"."""
        for proof in PROOFS:
            cause = proof(self, class_, subject)
            if cause:
                return PROVEN + cause
        return not_found_in_time(self.inst, class_, subject, self.loads, self.seconds, self.exhausted)


def not_found_in_time(inst: Instance, class_: str, subject: str, loads: Mapping[str, int], seconds: float,
                      exhausted: bool = False) -> str:
    shown = f"{max(seconds, 0.1):.1f}" if seconds < 10 else f"{seconds:.0f}"
    cause = likely_cause(inst, class_, subject, loads)
    if exhausted:
        return (f"在 {shown} 秒内未找到可行安排（按本次的任课分配已证明排不下，其他分配未能证明）；"
                f"可能原因：{cause}；请调整数据，或增加求解时间再试")
    return f"在 {shown} 秒内未找到可行安排，请增加求解时间（或调高 rules.stall_seconds）；可能原因：{cause}"


def _what(inst: Instance, cls: ClassView, subject: str) -> str:
    return f"{cls.grade} 年级{inst.subject_names.get(subject, subject)}（{subject}）"


# -- proofs: each returns the cause when the dataset rules a full cover out -------------


def no_qualified_teacher(r: Reasons, class_: str, subject: str) -> str | None:
    inst = r.inst
    cls = inst.classes[class_]
    if any(t.qualified(subject, cls.grade) for t in inst.teachers.values()):
        return None
    return f"教共体内没有{_what(inst, cls, subject)}的合格教师"


def locked_teacher_cannot_come(r: Reasons, class_: str, subject: str) -> str | None:
    inst = r.inst
    locked = inst.locked.get((class_, subject))
    if locked is None:
        return None
    teacher = inst.teachers.get(locked)
    if teacher is None:
        return f"锁定的任课教师 {locked} 不属于本教共体"
    cls = inst.classes[class_]
    refusal = inst.refusal(locked, cls.campus)
    if refusal:
        return f"锁定的任课教师 {teacher.label} 不能到校区 {cls.campus} 上课（{refusal}）"
    if not teacher.qualified(subject, cls.grade):
        return f"锁定的任课教师 {teacher.label} 没有{_what(inst, cls, subject)}的任教资格"
    return None


def nobody_may_come_and_no_coteaching(r: Reasons, class_: str, subject: str) -> str | None:
    inst, loads = r.inst, r.loads
    cls = inst.classes[class_]
    if inst.locked.get((class_, subject)) or r.candidates((class_, subject)) or r.coteach_possible((class_, subject)):
        return None
    qualified = [t for t in inst.teachers.values() if t.qualified(subject, cls.grade)]
    refusals = "；".join(sorted({inst.refusal(t.code, cls.campus) or "" for t in qualified}))
    return (f"校区 {cls.campus} 没有{_what(inst, cls, subject)}的合格教师，其他合格教师（{_names(qualified)}）"
            f"不能到该校区面授（{refusals}）；同步课堂也无法安排：{_coteach_obstacle(inst, cls, subject, loads)}")


def too_few_free_periods(r: Reasons, class_: str, subject: str) -> str | None:
    inst = r.inst
    """The class's bell has fewer periods in which some possible teacher is free than the subject needs."""
    cls = inst.classes[class_]
    if r.coteach_possible((class_, subject)):
        return None
    candidates = r.candidates((class_, subject))
    if not candidates:
        return None
    slots = inst.campuses[cls.campus].slots
    free = sum(1 for s in slots if any(t.free(s.day, s.start, s.end) for t in candidates))
    need = inst.demand[class_, subject]
    if free >= need:
        return None
    who = "锁定的任课教师" if inst.locked.get((class_, subject)) else "合格教师"
    return (f"{who}（{_names(candidates)}）在该班作息表上可排的节次只有 {free} 节，"
            f"而{_what(inst, cls, subject)}每周需 {need} 节（不可安排时间）")


def weekly_maximum_too_small(r: Reasons, class_: str, subject: str) -> str | None:
    inst, loads = r.inst, r.loads
    """Hall's condition: the units only teachers S can cover need more periods than S may teach a week."""
    unit = (class_, subject)
    if r.coteach_possible(unit):
        return None
    team = {t.code for t in r.candidates(unit)}
    if not team:
        return None
    need = 0
    for other in inst.demand:
        options = {t.code for t in r.candidates(other)}
        if options and options <= team and not r.coteach_possible(other):
            need += inst.demand[other]
    most = sum(inst.teachers[t].max_periods for t in team)
    if need <= most:
        return None
    teachers = [inst.teachers[t] for t in sorted(team)]
    cls = inst.classes[class_]
    return (f"{_what(inst, cls, subject)}的合格教师周课时不足：只能由他们任教的课每周共 {need} 节，"
            f"周课时上限合计 {most} 节（{_names(teachers, _load_notes(teachers, loads))}）")


def more_periods_than_the_bell(r: Reasons, class_: str, subject: str) -> str | None:
    inst = r.inst
    cls = inst.classes[class_]
    need = sum(n for (c, _), n in inst.demand.items() if c == class_)
    rung = len(inst.campuses[cls.campus].slots)
    if need <= rung:
        return None
    return f"班级 {class_} 每周需 {need} 节课，所在校区作息表每周只有 {rung} 节"


PROOFS: tuple[Callable[[Reasons, str, str], str | None], ...] = (
    no_qualified_teacher, locked_teacher_cannot_come, nobody_may_come_and_no_coteaching, too_few_free_periods,
    weekly_maximum_too_small, more_periods_than_the_bell,
)


# -- the likely cause when nothing is proven ------------------------------------------------


def likely_cause(inst: Instance, class_: str, subject: str, loads: Mapping[str, int]) -> str:
    """The most specific cause the dataset and the plan's loads suggest (a hint, not a proof)."""
    cls = inst.classes[class_]
    what = _what(inst, cls, subject)
    qualified = [t for t in inst.teachers.values() if t.qualified(subject, cls.grade)]
    locked = inst.locked.get((class_, subject))
    if locked is not None and locked in inst.teachers:
        return _locked(inst, cls, locked, loads)
    reachable = [t for t in qualified if inst.may_teach_at(t.code, cls.campus)]
    if not reachable:
        return (f"校区 {cls.campus} 没有{what}的合格教师，其他合格教师（{_names(qualified)}）不能到该校区面授；"
                f"同步课堂：{_coteach_obstacle(inst, cls, subject, loads)}")
    full = [t for t in reachable if loads.get(t.code, 0) >= t.max_periods]
    if len(full) == len(reachable):
        return f"{what}的合格教师周课时均已满：{_names(full, _load_notes(full, loads))}"
    free = [t for t in reachable if t not in full]
    if all(t.campus != cls.campus for t in free):
        nearest = min(free, key=lambda t: (_minutes(inst, t.campus, cls.campus), t.code))
        need = inst.travel(nearest.campus, cls.campus)
        if need is None:
            return (f"最近的合格教师 {nearest.label} 所在校区 {nearest.campus} 到 {cls.campus} 的路程未知，"
                    f"不能与其本校区课程同日安排")
        gap = inst.campuses[cls.campus].max_break()
        if need > gap:
            return (f"最近的合格教师 {nearest.label} 从校区 {nearest.campus} 到 {cls.campus} 需 {need} 分钟，"
                    f"而课间最长只有 {gap} 分钟，无法与其他校区的课程同日衔接")
    return f"合格教师（{_names(free)}）在可排的时间内已无空闲节次（不可安排时间、其他课程或路程冲突）"


def _minutes(inst: Instance, a: str, b: str) -> int:
    need = inst.travel(a, b)
    return 10**6 if need is None else need


def _load_notes(teachers: list[TeacherView], loads: Mapping[str, int]) -> dict[str, str]:
    return {t.code: f" {loads.get(t.code, 0)}/{t.max_periods} 节" for t in teachers}


def _locked(inst: Instance, cls: ClassView, locked: str, loads: Mapping[str, int]) -> str:
    teacher = inst.teachers[locked]
    if loads.get(locked, 0) >= teacher.max_periods:
        return f"锁定的任课教师 {teacher.label} 周课时已满（{loads.get(locked, 0)}/{teacher.max_periods} 节）"
    return f"锁定的任课教师 {teacher.label} 在可排的时间内已无空闲节次（不可安排时间、其他课程或路程冲突）"


def _coteach_obstacle(inst: Instance, cls: ClassView, subject: str, loads: Mapping[str, int]) -> str:
    leads = [c for c in inst.classes.values()
             if c.grade == cls.grade and c.campus != cls.campus and (c.code, subject) in inst.demand]
    if not leads:
        return "其他校区没有同年级开设该学科的班级"
    if not any(inst.matches(cls.campus, c.campus) for c in leads):
        others = "、".join(sorted({c.campus for c in leads}))
        return (f"校区 {cls.campus} 与 {others} 的上课时间没有开始时间相差在 "
                f"{inst.tolerance} 分钟以内的节次")
    local = [t for t in inst.teachers.values() if t.campus == cls.campus]
    if not local:
        return f"校区 {cls.campus} 没有可担任助教的教师"
    if all(loads.get(t.code, 0) >= t.max_periods for t in local):
        return f"校区 {cls.campus} 的教师周课时均已满，无人担任助教（{_names(local, _load_notes(local, loads))}）"
    return "主讲班级或本校区助教在可排的时间内已无共同空闲节次"
