"""FET's time constraints that tongpan carries over, one reader each; the rest are counted by type.

Read: teachers' and students' not-available times, break times on some days
only (every teacher and class unavailable then), min days between the
activities of one class-subject (hard at weight 100; below that tongpan's own
spread goal applies), preferred starting time(s) and time slots at weight 100
(the class-subject's allowed periods), teachers' max days per week at weight
100. Teachers' and students' max gaps are soft goals tongpan always pursues
(idle gaps), so they are counted as handled by that goal, not carried exactly.
Everything else, and every carried type at a weight it cannot honour, is
counted in the report under its FET name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

Slot = tuple[str, int]  # (weekday, period n)
Key = tuple[str, str]  # (class name, subject code)

_BASIC = {"ConstraintBasicCompulsoryTime", "ConstraintBasicCompulsorySpace"}
_GAPS = {"ConstraintTeacherMaxGapsPerWeek", "ConstraintTeachersMaxGapsPerWeek", "ConstraintTeacherMaxGapsPerDay",
         "ConstraintTeachersMaxGapsPerDay", "ConstraintStudentsSetMaxGapsPerWeek", "ConstraintStudentsMaxGapsPerWeek",
         "ConstraintStudentsSetMaxGapsPerDay", "ConstraintStudentsMaxGapsPerDay"}
SOFT_GAPS = "（按 tongpan 默认的减少空堂目标处理，未精确导入）"


@dataclass(frozen=True)
class Grid:
    """FET day and hour names to weekdays and the bell's period numbers."""

    day_of: dict[str, str]
    hour_of: dict[str, int]
    hours: tuple[int, ...]  # period numbers of the bell, in order

    def slot(self, day: str, hour: str) -> Slot | None:
        d, h = self.day_of.get(day), self.hour_of.get(hour)
        return (d, h) if d and h in self.hours else None

    def span(self, start: Slot, duration: int) -> list[Slot]:
        """The periods an activity of `duration` starting at `start` occupies (fewer at the day's end)."""
        i = self.hours.index(start[1])
        return [(start[0], n) for n in self.hours[i:i + duration]]


@dataclass
class Carried:
    """What the constraints add to the dataset, by FET names and dataset codes."""

    teacher_unavailable: dict[str, set[Slot]] = field(default_factory=lambda: defaultdict(set))
    class_unavailable: dict[str, set[Slot]] = field(default_factory=lambda: defaultdict(set))
    max_days: dict[str, int] = field(default_factory=dict)
    min_days: dict[Key, int] = field(default_factory=dict)
    allowed: dict[Key, set[Slot]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)


def _text(element: Element, tag: str, default: str = "") -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None and found.text else default


def _active(element: Element) -> bool:
    return _text(element, "Active", "true").lower() != "false"


def _hard(element: Element) -> bool:
    try:
        return float(_text(element, "Weight_Percentage", "100")) >= 100
    except ValueError:
        return False


def _constraints(root: Element, tag: str) -> Iterator[Element]:
    return (c for c in root.iterfind(f"Time_Constraints_List/{tag}") if _active(c))


def read_constraints(root: Element, grid: Grid, classes: set[str], teacher_code: dict[str, str],
                     activities: dict[str, tuple[Key, int]], partial_breaks: set[Slot],
                     owned: frozenset[str] = frozenset()) -> Carried:
    """Every carried constraint of the file; `activities` maps FET activity ids to (key, duration);
    types in `owned` are another reader's to carry or count (buildings as campuses)."""
    out = Carried()
    read: set[str] = set(_BASIC) | {"ConstraintBreakTimes"}
    _not_available(root, grid, "ConstraintTeacherNotAvailableTimes", "Teacher", teacher_code,
                   out.teacher_unavailable, out)
    _not_available(root, grid, "ConstraintStudentsSetNotAvailableTimes", "Students", {c: c for c in classes},
                   out.class_unavailable, out)
    for teacher in teacher_code.values():
        out.teacher_unavailable[teacher] |= partial_breaks
    for class_ in classes:
        out.class_unavailable[class_] |= partial_breaks
    _max_days(root, teacher_code, out)
    _min_days(root, activities, out)
    _allowed(root, grid, activities, out)
    read |= {"ConstraintTeacherNotAvailableTimes", "ConstraintStudentsSetNotAvailableTimes",
             "ConstraintTeacherMaxDaysPerWeek", "ConstraintMinDaysBetweenActivities",
             "ConstraintActivityPreferredStartingTime", "ConstraintActivityPreferredStartingTimes",
             "ConstraintActivityPreferredTimeSlots"}
    for section in ("Time_Constraints_List", "Space_Constraints_List"):
        for c in root.iterfind(f"{section}/*"):
            if c.tag not in read and c.tag not in owned and _active(c):
                out.skipped[c.tag + (SOFT_GAPS if c.tag in _GAPS else "")] += 1
    return out


def _not_available(root: Element, grid: Grid, tag: str, who_tag: str, codes: dict[str, str],
                   into: dict[str, set[Slot]], out: Carried) -> None:
    for c in _constraints(root, tag):
        who = codes.get(_text(c, who_tag))
        if who is None or not _hard(c):
            out.skipped[f"{tag}（{'权重低于 100%' if who else '不是单个教师或班级'}）"] += 1
            continue
        for t in c.iterfind("Not_Available_Time"):
            slot = grid.slot(_text(t, "Day"), _text(t, "Hour"))
            if slot:
                into[who].add(slot)


def _max_days(root: Element, teacher_code: dict[str, str], out: Carried) -> None:
    tag = "ConstraintTeacherMaxDaysPerWeek"
    for c in _constraints(root, tag):
        teacher = teacher_code.get(_text(c, "Teacher_Name"))
        days = _text(c, "Max_Days_Per_Week")
        if teacher is None or not _hard(c) or not days.isdigit():
            out.skipped[f"{tag}（权重低于 100% 或教师未导入）"] += 1
            continue
        out.max_days[teacher] = min(int(days), out.max_days.get(teacher, 7))


def _min_days(root: Element, activities: dict[str, tuple[Key, int]], out: Carried) -> None:
    """Carried when the constraint holds all carried activities of exactly one class-subject."""
    tag = "ConstraintMinDaysBetweenActivities"
    per_key = Counter(key for key, _ in activities.values())
    for c in _constraints(root, tag):
        ids = [i.text.strip() for i in c.findall("Activity_Id") if i.text]
        keys = {activities[i][0] for i in ids if i in activities}
        days = _text(c, "MinDays")
        if len(keys) != 1 or len(ids) != per_key[next(iter(keys))] or not days.isdigit() or int(days) < 1:
            out.skipped[f"{tag}（不是一个班级一门学科的全部活动）"] += 1
            continue
        if not _hard(c):
            out.skipped[f"{tag}（权重低于 100%，按 tongpan 默认的分散目标处理）"] += 1
            continue
        key = keys.pop()
        out.min_days[key] = max(int(days), out.min_days.get(key, 0))


def _allowed(root: Element, grid: Grid, activities: dict[str, tuple[Key, int]], out: Carried) -> None:
    """Preferred times of every carried activity of a class-subject, joined into its allowed periods."""
    wished: dict[str, set[Slot]] = defaultdict(set)
    # tag -> (child holding one time, or None when the constraint itself holds it; day tag; hour tag;
    #         whether the times are occupied slots rather than starts)
    tags = {"ConstraintActivityPreferredStartingTime": (None, "Preferred_Day", "Preferred_Hour", False),
            "ConstraintActivityPreferredStartingTimes": ("Preferred_Starting_Time", "Preferred_Starting_Day",
                                                         "Preferred_Starting_Hour", False),
            "ConstraintActivityPreferredTimeSlots": ("Preferred_Time_Slot", "Preferred_Day", "Preferred_Hour", True)}
    for tag, (child, day_tag, hour_tag, occupied) in tags.items():
        for c in _constraints(root, tag):
            activity = _text(c, "Activity_Id")
            if activity not in activities or not _hard(c):
                out.skipped[f"{tag}（权重低于 100% 或活动未导入）"] += 1
                continue
            duration = 1 if occupied else activities[activity][1]
            for p in ([c] if child is None else c.findall(child)):
                slot = grid.slot(_text(p, day_tag), _text(p, hour_tag))
                if slot:
                    wished[activity] |= set(grid.span(slot, duration))
    by_key: dict[Key, list[str]] = defaultdict(list)
    for activity, (key, _) in activities.items():
        by_key[key].append(activity)
    for key, ids in by_key.items():
        if any(i in wished for i in ids):
            if all(i in wished for i in ids):
                out.allowed[key] = set().union(*(wished[i] for i in ids))
            else:
                out.skipped["ConstraintActivityPreferred…（只限定了该班级学科的部分活动）"] += 1
