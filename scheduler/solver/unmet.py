"""Why a class's subject is left unmet, in words an admin can act on.

The solver only knows that covering the periods cost more than leaving
them; the reason is diagnosed afterwards from the dataset and the plan's
loads, from the most basic cause to the most specific: nobody qualified in
the community; a locked teacher who cannot take it; qualified teachers who
may not teach at the campus (community model, can_travel) while co-teaching
cannot help either; qualified teachers whose weekly loads are full (named);
the nearest qualified teacher too far for the breaks; otherwise no free
time left. Each reason names the codes to look up.
"""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.solver.instance import ClassView, Instance, TeacherView

TIMEOUT = "求解超时"
NAMED = 3  # teachers named in a reason before "等"


def _names(teachers: list[TeacherView], detail: Mapping[str, str] | None = None) -> str:
    shown = [t.label + (detail or {}).get(t.code, "") for t in teachers[:NAMED]]
    return "、".join(shown) + ("等" if len(teachers) > NAMED else "")


def reason(inst: Instance, class_: str, subject: str, loads: Mapping[str, int]) -> str:
    cls = inst.classes[class_]
    what = f"{cls.grade} 年级{inst.subject_names.get(subject, subject)}（{subject}）"
    qualified = [t for t in inst.teachers.values() if t.qualified(subject, cls.grade)]
    if not qualified:
        return f"教共体内没有{what}的合格教师"
    locked = inst.locked.get((class_, subject))
    if locked is not None:
        return _locked(inst, cls, locked, loads)
    reachable = [t for t in qualified if inst.may_teach_at(t.code, cls.campus)]
    if not reachable:
        refusals = "；".join(sorted({inst.refusal(t.code, cls.campus) or "" for t in qualified}))
        return (f"校区 {cls.campus} 没有{what}的合格教师，其他合格教师（{_names(qualified)}）不能到该校区面授"
                f"（{refusals}）；同步课堂也无法安排：{_coteach_obstacle(inst, cls, subject, loads)}")
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
    teacher = inst.teachers.get(locked)
    if teacher is None:
        return f"锁定的任课教师 {locked} 不属于本教共体"
    refusal = inst.refusal(locked, cls.campus)
    if refusal:
        return f"锁定的任课教师 {teacher.label} 不能到校区 {cls.campus} 上课（{refusal}）"
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
