"""When FET's buildings become campuses, and what FET's building-change constraints then mean.

FET places activities in rooms and rooms in buildings; tongpan has no rooms,
only campuses a teacher travels between. Most schools' buildings are parts of
one site, so a file becomes several campuses only when its buildings separate
the classes: every lesson carried over of a class must be held, by FET's hard
(weight 100%) room constraints, in rooms of one building, and at least two
buildings must hold classes. FET's rules for which rooms an activity may use:
its preferred-room constraints (by activity, subject, subject and tag, or tag;
hard ones intersect) decide when there are any, else its students set's and
teacher's home rooms (which apply to activities of exactly that one students
set or teacher). A class without any lesson carried over places no demand and
follows the first campus.

Then each such building is a campus, each teacher's home campus is where most
of their periods are, and the building-change constraints turn into travel:
FET's min gaps between building changes (free hours every teacher who teaches
in two buildings must keep) become travel minutes of that many of the bell's
shortest period, 0 when the file asks for none (FET then lets a teacher change
buildings between two consecutive hours; an unknown travel time would forbid
teaching in two buildings on one day, which the school's FET timetable may well
do). Max building changes of 0 a day for
all those teachers is one campus a day. Any other such constraint is reported,
except where it cannot bind (a teacher in one building, students who never
leave theirs).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from scheduler.fet.constraints import Key, _active, _hard, _text

# Preferred-room constraint -> what it matches on an activity (FET's own precedence: these first).
_PREFERRED = {"ConstraintActivityPreferredRoom": ("Activity_Id",), "ConstraintActivityPreferredRooms": ("Activity_Id",),
              "ConstraintSubjectPreferredRoom": ("Subject",), "ConstraintSubjectPreferredRooms": ("Subject",),
              "ConstraintSubjectActivityTagPreferredRoom": ("Subject", "Activity_Tag"),
              "ConstraintSubjectActivityTagPreferredRooms": ("Subject", "Activity_Tag"),
              "ConstraintActivityTagPreferredRoom": ("Activity_Tag",),
              "ConstraintActivityTagPreferredRooms": ("Activity_Tag",)}
_HOME = {"ConstraintStudentsSetHomeRoom": ("Students",), "ConstraintStudentsSetHomeRooms": ("Students",),
         "ConstraintTeacherHomeRoom": ("Teacher",), "ConstraintTeacherHomeRooms": ("Teacher",)}
MIN_GAPS = ("ConstraintTeacherMinGapsBetweenBuildingChanges", "ConstraintTeachersMinGapsBetweenBuildingChanges")
MAX_DAILY = ("ConstraintTeacherMaxBuildingChangesPerDay", "ConstraintTeachersMaxBuildingChangesPerDay")
# Every building-change constraint: carried, met by construction or reported once the buildings are campuses.
BUILDING_CHANGES = frozenset({*MIN_GAPS, *MAX_DAILY, "ConstraintTeacherMaxBuildingChangesPerWeek",
                              "ConstraintTeachersMaxBuildingChangesPerWeek",
                              *(f"Constraint{who}{rule}" for who in ("StudentsSet", "Students")
                                for rule in ("MinGapsBetweenBuildingChanges", "MaxBuildingChangesPerDay",
                                             "MaxBuildingChangesPerWeek"))})


@dataclass
class Sites:
    """Where classes and teachers are: `buildings` empty means one campus, and `notes` say why."""

    buildings: list[str] = field(default_factory=list)  # the campuses, in the file's order
    class_building: dict[str, str] = field(default_factory=dict)  # class name -> building
    teacher_building: dict[str, str] = field(default_factory=dict)  # teacher code -> building
    travel_minutes: int = 0  # between any two campuses
    max_campuses_per_day: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def owned(self) -> frozenset[str]:
        """Constraint types this module reports on, so the generic count leaves them alone."""
        return BUILDING_CHANGES if self.buildings else frozenset()


@dataclass(frozen=True)
class _Lesson:
    """A carried FET activity with what room constraints match on."""

    id: str
    class_: str
    teacher: str  # FET name
    subject: str  # FET name
    tags: frozenset[str]
    periods: int


def read_sites(root: Element, classes: list[str], carried: dict[str, tuple[Key, int]],
               teacher_code: dict[str, str], period_minutes: int) -> Sites:
    """Campuses from the file's buildings when they separate the classes (module docstring);
    `period_minutes` is the bell's shortest period, the length of one free hour."""
    buildings = [_text(b, "Name") for b in root.iterfind("Buildings_List/Building")]
    if len(buildings) < 2:
        return Sites()
    rooms = _RoomRules(root)
    lessons = _lessons(root, carried)
    placed: dict[str, str] = {}
    for class_ in classes:
        where, why = rooms.building_of([x for x in lessons if x.class_ == class_])
        if why:
            return Sites(notes=[f"建筑 {len(buildings)} 栋：教室约束未把每个班级限定在一栋建筑内（班级 {class_}：{why}），"
                                "按一个校区导入。"])
        if where:
            placed[class_] = where
    used = [b for b in buildings if b in placed.values()]
    if len(used) < 2:
        return Sites(notes=[f"建筑 {len(buildings)} 栋：导入的课都在建筑 {used[0]} 内，按一个校区导入。" if used else
                            f"建筑 {len(buildings)} 栋：没有导入的课，按一个校区导入。"])
    sites = Sites(buildings=used, class_building={c: placed.get(c, used[0]) for c in classes})
    empty = [c for c in classes if c not in placed]
    if empty:
        sites.notes.append(f"{len(empty)} 个班级没有导入的课，放在第一个校区 {used[0]}。")
    load: dict[str, Counter[str]] = defaultdict(Counter)
    for x in lessons:
        load[teacher_code[x.teacher]][sites.class_building[x.class_]] += x.periods
    sites.teacher_building = {t: max(used, key=lambda b: load[t][b]) for t in teacher_code.values()}
    travellers = {t for t, at in load.items() if len(at) > 1}
    gap = _building_changes(root, sites, travellers, {code: name for name, code in teacher_code.items()})
    sites.travel_minutes = gap * period_minutes
    sites.notes.insert(0, f"建筑 {len(buildings)} 栋中 {len(used)} 栋有班级上课，每个班级的课都限定在其中一栋，"
                          f"按 {len(used)} 个校区导入：{'、'.join(used)}。")
    if gap:
        sites.notes.append(f"校区之间通勤按 FET 的换楼间隔 {gap} 节 × 最短一节 {period_minutes} 分钟 = "
                           f"{sites.travel_minutes} 分钟导入。")
    else:
        sites.notes.append(("FET 文件未要求换楼间隔（相邻两节即可换楼）" if travellers else "没有教师在两栋建筑上课")
                           + "，校区之间通勤按 0 分钟导入；如实际需要路程时间，请修改 travel_minutes。")
    if sites.max_campuses_per_day == 1:
        sites.notes.append("FET 要求跨楼上课的教师每天不换楼：每位教师每天只在一个校区上课。")
    return sites


def _lessons(root: Element, carried: dict[str, tuple[Key, int]]) -> list[_Lesson]:
    out = []
    for a in root.iterfind("Activities_List/Activity"):
        i = _text(a, "Id")
        if i in carried:
            (class_, _), periods = carried[i]
            out.append(_Lesson(i, class_, _text(a, "Teacher"), _text(a, "Subject"),
                               frozenset(t.text.strip() for t in a.findall("Activity_Tag") if t.text), periods))
    return out


class _RoomRules:
    """The file's room constraints, read once, and the buildings they leave a lesson."""

    def __init__(self, root: Element):
        self.building = {_text(r, "Name"): _text(r, "Building") for r in root.iterfind("Rooms_List/Room")}
        rules = [c for c in root.iterfind("Space_Constraints_List/*") if _active(c)]
        self.rules = [[({f: _text(c, f) for f in kinds[c.tag]}, _hard(c),
                        {(r.text or "").strip() for r in c if r.tag in ("Room", "Preferred_Room")})
                       for c in rules if c.tag in kinds] for kinds in (_PREFERRED, _HOME)]

    def building_of(self, lessons: list[_Lesson]) -> tuple[str | None, str | None]:
        """(the one building all of a class's lessons are held in, None) or (None, why not in
        Chinese); (None, None) for a class without lessons."""
        found: set[str] = set()
        for lesson in lessons:
            rooms = self._rooms(lesson)
            if isinstance(rooms, str):
                return None, rooms
            at = {self.building.get(r, "") for r in rooms}
            if not at:
                return None, "教室约束互相矛盾，没有可用的教室"
            if "" in at:
                return None, "可用的教室不属于任何建筑"
            found |= at
        if len(found) > 1:
            return None, f"课分在 {'、'.join(sorted(found))} 多栋建筑"
        return (found.pop() if found else None), None

    def _rooms(self, lesson: _Lesson) -> set[str] | str:
        """The rooms FET may give a lesson at weight 100%, or why it may use any room (Chinese).
        Preferred rooms come first, as in FET; home rooms count only where there are none."""
        facts = {"Activity_Id": lesson.id, "Subject": lesson.subject, "Students": lesson.class_,
                 "Teacher": lesson.teacher}
        for rules in self.rules:
            matching = [(hard, rooms) for fields, hard, rooms in rules
                        if all(v in lesson.tags if f == "Activity_Tag" else facts[f] == v for f, v in fields.items())]
            if matching:
                hard_sets = [rooms for hard, rooms in matching if hard]
                return set.intersection(*hard_sets) if hard_sets else "教室约束的权重低于 100%"
        return "有课未指定教室"


def _building_changes(root: Element, sites: Sites, travellers: set[str], name_of: dict[str, str]) -> int:
    """Free hours between campuses and campuses a day from FET's building-change constraints;
    the rest reported.

    A constraint binds only teachers who teach in two buildings (`travellers`); tongpan's travel
    is one figure for everybody, so the smallest gap any of them must keep is carried and a
    larger one for some teachers is reported."""
    found = [c for c in root.iterfind("Space_Constraints_List/*") if c.tag in BUILDING_CHANGES and _active(c)]

    def who(c: Element) -> set[str]:
        if "Students" in c.tag:
            return set()  # every class stays in its building: met by construction
        return travellers if "Teachers" in c.tag else {t for t in travellers if name_of[t] == _text(c, "Teacher")}

    def value(c: Element) -> int:
        number = next((x.text or "" for x in c if x.tag.startswith(("Min_Gaps", "Max_Building"))), "").strip()
        return int(number) if number.isdigit() else 0

    gaps = {t: max([value(c) for c in found if c.tag in MIN_GAPS and _hard(c) and t in who(c)], default=0)
            for t in travellers}
    gap = min(gaps.values(), default=0)
    stay = bool(travellers) and all(any(c.tag in MAX_DAILY and _hard(c) and value(c) == 0 and t in who(c)
                                        for c in found) for t in travellers)
    sites.max_campuses_per_day = 1 if stay else len(sites.buildings)
    for c in found:
        if not who(c):
            continue
        if not _hard(c):
            sites.skipped[f"{c.tag}（权重低于 100%）"] += 1
        elif c.tag in MIN_GAPS and value(c) > gap:
            sites.skipped[f"{c.tag}（多于其他教师的 {gap} 节：tongpan 的通勤时间对所有教师相同）"] += 1
        elif c.tag in MAX_DAILY and not stay:
            sites.skipped[f"{c.tag}（只有全体走教教师每天 0 次时按每天一个校区导入）"] += 1
        elif c.tag not in MIN_GAPS + MAX_DAILY:
            sites.skipped[c.tag] += 1
    return gap
