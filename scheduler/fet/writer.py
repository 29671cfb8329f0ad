"""Write one community's problem, and optionally its plan, as a FET file.

A school that leaves tongpan for FET takes its timetable along: every lesson of
the plan becomes an activity locked at its starting time (FET's own
`data_and_timetable.fet` convention: a permanently locked
ConstraintActivityPreferredStartingTime). Without a plan the file is the
problem itself, which is how `bench/fet.py` makes FET and tongpan solve the
same thing.

FET has one time grid per file, so the community's campuses must ring one bell;
a community whose campuses use several is refused with a message saying so.
FET identifies everything by name, so names that repeat get their code added.

Classes on several campuses make each campus a FET building with one room per
class, the class's home room, so FET knows where every lesson is (and
`import-fet` reads the same campuses back). Travel becomes FET's min gaps
between building changes, in free hours of the bell's shortest period, and
one campus a day becomes no building change a day. FET counts free hours where
tongpan counts minutes, so a file with travel time is close to tongpan's
problem, not the same: `inexact` says so (`bench/fet.py` skips such files).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from scheduler.dataset.schema import BellSchedule, Campus, Dataset, SchoolClass, Unavailable, minutes
from scheduler.dataset.travel import TravelTimes
from scheduler.dataset.validate import double_max_break, weekly_doubles, weekly_periods

FET_VERSION = "6.0.0"  # the oldest FET 6 reads it; FET 5.x reads every element written here too

DAY_NAMES = {"mon": "星期一", "tue": "星期二", "wed": "星期三", "thu": "星期四", "fri": "星期五",
             "sat": "星期六", "sun": "星期日"}


class FetExportError(ValueError):
    """A community that one FET file cannot describe; the message is for the admin, in Chinese."""


@dataclass(frozen=True)
class FetActivity:
    """One period for FET: a teacher, a subject, the classes in the room (several for 同步课堂),
    and, from a plan, the weekday and period number it is locked at."""

    teacher: str
    subject: str
    classes: tuple[str, ...]
    day: str | None = None
    period: int | None = None
    duration: int = 1  # 2 for a double (连堂)


def _unique_names(entries: Iterable[Any]) -> dict[str, str]:
    """Code → FET name: the entry's name, with its code added where two entries share a name."""
    entries = list(entries)
    seen = Counter(e.name for e in entries)
    return {e.code: e.name if seen[e.name] == 1 else f"{e.name} ({e.code})" for e in entries}


def _leaf(parent: Element, tag: str, text: object = "") -> Element:
    child = SubElement(parent, tag)
    child.text = str(text)
    return child


def write_fet(ds: Dataset, community: str, plan: list[FetActivity] | None = None) -> bytes:
    """The FET document of `community`: its plan's activities locked in place when a plan is given,
    else the weekly periods the dataset asks for (requested 同步课堂 as one activity of all its classes)."""
    comm = next((c for c in ds.communities if c.code == community), None)
    if comm is None:
        raise FetExportError(f"数据中没有教共体 {community}")
    schools = {comm.core_school, *comm.members}
    campuses = {c.code: c for s in ds.schools if s.code in schools for c in s.campuses}
    bells = {campuses[c].bell_schedule for c in campuses}
    if len(bells) != 1:
        raise FetExportError(f"教共体 {community} 的校区使用 {len(bells)} 套作息表（{'、'.join(sorted(bells))}），"
                             "FET 文件只有一套时间表，无法导出")
    bell = next(b for b in ds.bell_schedules if b.code in bells)
    classes = [k for k in ds.classes if k.campus in campuses]
    class_codes = {k.code for k in classes}
    teachers = [t for t in ds.teachers if t.school in schools]
    wanted = plan if plan is not None else _problem(ds, class_codes)
    subject_name = _unique_names(ds.subjects)
    teacher_name = _unique_names(teachers)
    class_name = _unique_names(classes)
    hour_name = {p.n: f"第{p.n}节 {p.start}-{p.end}" for p in bell.periods}
    day_name = {d: DAY_NAMES[d] for d in bell.days}

    root = Element("fet", version=FET_VERSION)
    _leaf(root, "Mode", "Official")
    _leaf(root, "Institution_Name", comm.name)
    _leaf(root, "Comments", f"tongpan 导出：教共体 {comm.code}")
    days = SubElement(root, "Days_List")
    _leaf(days, "Number_of_Days", len(day_name))
    for name in day_name.values():
        _leaf(SubElement(days, "Day"), "Name", name)
    # FET makes a double of any two consecutive hours: a break longer than a double may straddle
    # becomes an hour of its own that is a break on every day.
    limit = double_max_break(comm)
    pauses = [f"休息 {a.end}-{b.start}" for a, b in zip(bell.periods, bell.periods[1:])
              if minutes(b.start) - minutes(a.end) > limit]
    hours = SubElement(root, "Hours_List")
    _leaf(hours, "Number_of_Hours", len(hour_name) + len(pauses))
    for a, b in zip(bell.periods, [*bell.periods[1:], None]):
        _leaf(SubElement(hours, "Hour"), "Name", hour_name[a.n])
        if b is not None and minutes(b.start) - minutes(a.end) > limit:
            _leaf(SubElement(hours, "Hour"), "Name", f"休息 {a.end}-{b.start}")
    subjects = SubElement(root, "Subjects_List")
    used = {a.subject for a in wanted}
    for s in ds.subjects:
        if s.code in used:
            el = SubElement(subjects, "Subject")
            _leaf(el, "Name", subject_name[s.code])
            _leaf(el, "Comments", s.code)
    SubElement(root, "Activity_Tags_List")
    teacher_list = SubElement(root, "Teachers_List")
    for t in teachers:
        el = SubElement(teacher_list, "Teacher")
        _leaf(el, "Name", teacher_name[t.code])
        _leaf(el, "Target_Number_of_Hours", 0)
        SubElement(el, "Qualified_Subjects")
        _leaf(el, "Comments", t.code)
    students = SubElement(root, "Students_List")
    for k in classes:
        el = SubElement(students, "Year")
        _leaf(el, "Name", class_name[k.code])
        _leaf(el, "Number_of_Students", k.students or 0)
        _leaf(el, "Comments", k.code)

    activities = SubElement(root, "Activities_List")
    groups: dict[tuple[str, str, tuple[str, ...]], list[FetActivity]] = {}
    for act in wanted:
        groups.setdefault((act.teacher, act.subject, act.classes), []).append(act)
    locks: list[tuple[int, FetActivity]] = []
    ids_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    next_id = 1
    for (teacher, subject, in_room), acts in sorted(groups.items()):
        group = next_id if len(acts) > 1 else 0
        total = sum(a.duration for a in acts)
        for act in acts:
            el = SubElement(activities, "Activity")
            _leaf(el, "Teacher", teacher_name[teacher])
            _leaf(el, "Subject", subject_name[subject])
            for class_ in in_room:
                _leaf(el, "Students", class_name[class_])
            _leaf(el, "Duration", act.duration)
            _leaf(el, "Total_Duration", total)
            _leaf(el, "Id", next_id)
            _leaf(el, "Activity_Group_Id", group)
            _leaf(el, "Active", "true")
            _leaf(el, "Comments", "")
            if act.day is not None and act.period is not None:
                locks.append((next_id, act))
            if len(in_room) == 1:
                ids_of[in_room[0], subject].append(next_id)
            next_id += 1
    sites = _sites(campuses, classes)
    _buildings(root, sites, classes, class_name)

    time = SubElement(root, "Time_Constraints_List")
    _basic(time, "ConstraintBasicCompulsoryTime")
    if pauses:
        el = _constraint(time, "ConstraintBreakTimes", Number_of_Break_Times=len(pauses) * len(day_name))
        for pause in pauses:
            for day in day_name.values():
                slot = SubElement(el, "Break_Time")
                _leaf(slot, "Day", day)
                _leaf(slot, "Hour", pause)
    def slots_of(entries: list[Unavailable] | None) -> list[tuple[str, int]]:
        """(day, period) of day entries on this bell; a day without periods is all of it."""
        return [(u.day, n) for u in entries or [] if u.day in day_name
                for n in (u.periods if u.periods else hour_name) if n in hour_name]

    def not_available(tag: str, who_tag: str, who: str, entries: list[Unavailable] | None) -> None:
        slots = slots_of(entries)
        if not slots:
            return
        el = _constraint(time, tag, **{who_tag: who, "Number_of_Not_Available_Times": len(slots)})
        for day, n in slots:
            slot = SubElement(el, "Not_Available_Time")
            _leaf(slot, "Day", day_name[day])
            _leaf(slot, "Hour", hour_name[n])

    for t in teachers:
        not_available("ConstraintTeacherNotAvailableTimes", "Teacher", teacher_name[t.code], t.unavailable)
        if t.max_days_per_week is not None:
            _constraint(time, "ConstraintTeacherMaxDaysPerWeek", Teacher_Name=teacher_name[t.code],
                        Max_Days_Per_Week=t.max_days_per_week)
    for k in classes:
        not_available("ConstraintStudentsSetNotAvailableTimes", "Students", class_name[k.code], k.unavailable)
    for o in ds.curriculum_overrides:
        ids = ids_of.get((o.class_, o.subject), [])
        if o.min_days_apart and len(ids) > 1:
            el = _constraint(time, "ConstraintMinDaysBetweenActivities", Consecutive_If_Same_Day="true",
                             Number_of_Activities=len(ids))
            for i in ids:
                _leaf(el, "Activity_Id", i)
            _leaf(el, "MinDays", o.min_days_apart)
        if o.allowed is not None:
            slots = slots_of(o.allowed)
            for i in ids:
                el = _constraint(time, "ConstraintActivityPreferredTimeSlots", Activity_Id=i,
                                 Number_of_Preferred_Time_Slots=len(slots))
                for day, n in slots:
                    slot = SubElement(el, "Preferred_Time_Slot")
                    _leaf(slot, "Preferred_Day", day_name[day])
                    _leaf(slot, "Preferred_Hour", hour_name[n])
    for activity_id, act in locks:
        el = SubElement(time, "ConstraintActivityPreferredStartingTime")
        _leaf(el, "Weight_Percentage", 100)
        _leaf(el, "Activity_Id", activity_id)
        _leaf(el, "Preferred_Day", day_name[act.day])
        _leaf(el, "Preferred_Hour", hour_name[act.period])
        _leaf(el, "Permanently_Locked", "true")
        _leaf(el, "Active", "true")
        _leaf(el, "Comments", "")
    _close(time)
    space = SubElement(root, "Space_Constraints_List")
    _basic(space, "ConstraintBasicCompulsorySpace")
    if len(sites) > 1:
        for k in classes:
            _constraint(space, "ConstraintStudentsSetHomeRoom", Students=class_name[k.code], Room=class_name[k.code])
        gaps, stay = _building_changes(ds, comm.rules.max_campuses_per_day, sites, bell)
        if gaps:
            _constraint(space, "ConstraintTeachersMinGapsBetweenBuildingChanges",
                        Min_Gaps_Between_Building_Changes=gaps)
        if stay:
            _constraint(space, "ConstraintTeachersMaxBuildingChangesPerDay", Max_Building_Changes_Per_Day=0)
        _close(space)
    indent(root, space="\t")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8") + b"\n"


def _sites(campuses: dict[str, Campus], classes: list[SchoolClass]) -> list[Campus]:
    """The campuses that hold classes, in the dataset's order: FET's buildings when there are two or more."""
    return [c for c in campuses.values() if any(k.campus == c.code for k in classes)]


def _buildings(root: Element, sites: list[Campus], classes: list[SchoolClass], class_name: dict[str, str]) -> None:
    """Buildings_List and Rooms_List: a building per campus and a room per class, when there are several campuses."""
    buildings = SubElement(root, "Buildings_List")
    rooms = SubElement(root, "Rooms_List")
    if len(sites) < 2:
        return
    building_name = _unique_names(sites)
    for c in sites:
        el = SubElement(buildings, "Building")
        _leaf(el, "Name", building_name[c.code])
        _leaf(el, "Comments", c.code)
    for k in classes:
        el = SubElement(rooms, "Room")
        _leaf(el, "Name", class_name[k.code])
        _leaf(el, "Building", building_name[k.campus])
        _leaf(el, "Capacity", k.students or 0)
        _leaf(el, "Virtual", "false")
        _leaf(el, "Comments", k.code)


def _building_changes(ds: Dataset, max_campuses: int, sites: list[Campus], bell: BellSchedule) -> tuple[int, bool]:
    """(FET's min free hours between building changes, whether teachers stay in one building a day).

    Gaps cover the longest travel between two campuses in hours of the bell's shortest period;
    an unknown travel time (no two such campuses on one day) is no building change a day."""
    if max_campuses == 1:
        return 0, True
    travel = TravelTimes.of(ds)
    pairs = [travel.minutes(a.code, b.code) for a in sites for b in sites if a.code != b.code]
    if None in pairs:
        return 0, True
    shortest = min(minutes(p.end) - minutes(p.start) for p in bell.periods)
    return -(-max(m for m in pairs if m is not None) // shortest), False


def inexact(ds: Dataset, community: str) -> list[str]:
    """Why the FET file of `community` is not exactly the problem tongpan solves (Chinese), [] when it is.

    Only campuses make a difference: FET keeps free hours between buildings where tongpan keeps
    travel minutes, and it limits building changes a day, not campuses."""
    comm = next(c for c in ds.communities if c.code == community)
    schools = {comm.core_school, *comm.members}
    campuses = {c.code: c for s in ds.schools if s.code in schools for c in s.campuses}
    sites = _sites(campuses, [k for k in ds.classes if k.campus in campuses])
    limit = comm.rules.max_campuses_per_day
    if len(sites) < 2 or limit == 1:
        return []
    travel = TravelTimes.of(ds)
    pairs = {(a.code, b.code): travel.minutes(a.code, b.code) for a in sites for b in sites if a.code != b.code}
    reasons = []
    if any(m is None for m in pairs.values()):
        reasons.append("有校区之间通勤时间未知，FET 文件写作教师每天不换楼")
    elif any(pairs.values()):
        reasons.append(f"校区之间通勤最多 {max(m or 0 for m in pairs.values())} 分钟，FET 文件写作换楼间隔的空堂节数")
    if limit < len(sites):
        reasons.append(f"每天最多到 {limit} 个校区，FET 只能限制换楼次数")
    return reasons


def _constraint(parent: Element, tag: str, **fields: object) -> Element:
    """A constraint at weight 100 with its fields (`Active` and `Comments` are added after its children)."""
    el = SubElement(parent, tag)
    _leaf(el, "Weight_Percentage", 100)
    for name, value in fields.items():
        _leaf(el, name, value)
    return el


def _close(section: Element) -> None:
    """`Active` and `Comments` after the fields of each constraint of `section` written by `_constraint`."""
    for el in section:
        if el.find("Active") is None:
            _leaf(el, "Active", "true")
            _leaf(el, "Comments", "")


def _basic(parent: Element, tag: str) -> None:
    el = SubElement(parent, tag)
    _leaf(el, "Weight_Percentage", 100)
    _leaf(el, "Active", "true")
    _leaf(el, "Comments", "")


def _problem(ds: Dataset, classes: set[str]) -> list[FetActivity]:
    """The weekly periods the dataset asks for, each with its locked teacher; a class-subject
    without one cannot be an activity of FET, which needs a teacher for each."""
    staffing = {(s.class_, s.subject): s.teacher for s in ds.staffing if s.class_ in classes}
    demand = {key: n for key, n in weekly_periods(ds).items() if key[0] in classes and n > 0}
    out: list[FetActivity] = []
    for link in ds.coteaching:
        if link.lead_class in classes:
            in_room = (link.lead_class, *link.remote_classes)
            out += [FetActivity(link.lead_teacher, link.subject, in_room)] * link.lessons_per_week
            for class_ in in_room:
                demand[class_, link.subject] = demand.get((class_, link.subject), 0) - link.lessons_per_week
    missing = sorted(f"{c}/{s}" for (c, s), n in demand.items() if n > 0 and (c, s) not in staffing)
    if missing:
        raise FetExportError("以下班级学科没有锁定的任课教师，FET 文件的每项活动都需要教师："
                             + "、".join(missing[:10]) + ("…" if len(missing) > 10 else ""))
    doubles = weekly_doubles(ds)
    for (class_, subject), n in sorted(demand.items()):
        pairs = min(doubles.get((class_, subject), 0), max(n, 0) // 2)
        teacher = staffing[class_, subject]
        out += [FetActivity(teacher, subject, (class_,), duration=2)] * pairs
        out += [FetActivity(teacher, subject, (class_,))] * (max(n, 0) - 2 * pairs)
    return out


def plan_activities(ds: Dataset, document: dict[str, Any]) -> list[FetActivity]:
    """The lessons and 同步课堂 of a `tongpan-plan/1` document, each at its weekday and period.

    Research meetings have no place in FET's model of a week and are left out; a period is
    found by its start time in the campus's bell, the lead's for 同步课堂."""
    bell_of = {c.code: c.bell_schedule for s in ds.schools for c in s.campuses}
    period_at = {(b.code, p.start): p.n for b in ds.bell_schedules for p in b.periods}
    out: list[FetActivity] = []
    for act in document["activities"]:
        if act["kind"] not in ("lesson", "coteach") or act.get("double") == "second":
            continue  # a double is one FET activity of duration 2, at its first period
        period = period_at.get((bell_of.get(act["campus"], ""), act["start"]))
        if period is None:
            raise FetExportError(f"{act['code']} 在 {act['day']} {act['start']} 开始，不在校区 {act['campus']} 的节次表中")
        out.append(FetActivity(act["teachers"][0], act["subject"], tuple(act["classes"]), act["day"], period,
                               2 if act.get("double") == "first" else 1))
    return out
