"""Read a FET 5/6 file into a `tongpan-dataset/1` document, listing whatever is not carried over.

FET describes one school's week: named days and hours, teachers, subjects, a
tree of students sets (years → groups → subgroups) and activities (a teacher, a
subject, students, a duration), constrained by a long list of constraint types.
tongpan's dataset describes classes that need weekly periods of subjects from
qualified teachers, so the conversion keeps what maps one to one and counts the
rest in a Chinese report instead of dropping it silently:

- a class is a year without groups, or each group of a year that has them;
- an activity with one teacher and one class becomes periods of that
  class-subject, its teacher locked; split activities (`Activity_Group_Id`)
  simply add up to the weekly periods;
- subgroups, several teachers or students sets in one activity, inactive
  activities and every constraint type below that is not read are reported.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from scheduler.dataset.schema import FORMAT, WEEKDAYS
from scheduler.fet.buildings import Sites, read_sites
from scheduler.fet.constraints import Grid, Key, Slot, read_constraints
from scheduler.fet.names import clock_span, weekday

DEFAULT_START = 8 * 60  # clock times for hours whose names give none
DEFAULT_LENGTH = 45
DEFAULT_BREAK = 10
SHORT_BREAK = 5  # between hours whose names give only their start times
MAX_FILE_BYTES = 64 * 1024 * 1024


class FetError(ValueError):
    """A file that is not a FET file tongpan can read; the message is for the admin, in Chinese."""


@dataclass
class Conversion:
    """The dataset made from a FET file and what the file holds that the dataset does not."""

    dataset: dict[str, Any]
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """Chinese lines for the admin: what was carried over, then each kind left out with its count."""
        ds = self.dataset
        lines = [f"已导入：{len(ds['classes'])} 个班级，{len(ds['teachers'])} 位教师，"
                 f"{len(ds['subjects'])} 个学科，每周 {sum(o['periods_per_week'] for o in ds['curriculum_overrides'])} 节课。"]
        lines += self.notes
        if self.skipped:
            lines.append("未导入的内容（类型：数量）：")
            lines += [f"  {kind}：{count}" for kind, count in sorted(self.skipped.items())]
        else:
            lines.append("文件中的全部内容均已导入。")
        return "\n".join(lines)


def read_fet(path: Path, *, county: str = "fet", term: str = "fet-1", today: date | None = None) -> Conversion:
    """Convert one FET file; raises `FetError` naming what makes it unreadable."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FetError(f"文件 {path.name} 超过 {MAX_FILE_BYTES // 1024 // 1024} MB，不像是 FET 文件")
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as exc:
        raise FetError(f"文件 {path.name} 不是有效的 XML：{exc}") from None
    except Exception as exc:  # defusedxml refuses entity tricks with its own exception types
        raise FetError(f"文件 {path.name} 含有不允许的 XML 结构：{type(exc).__name__}") from None
    if root.tag != "fet":
        raise FetError(f"文件 {path.name} 的根元素是 <{root.tag}>，不是 <fet>")
    mode = _text(root, "Mode", "Official")
    if mode != "Official":
        raise FetError(f"文件 {path.name} 使用 FET 的 {mode} 模式（上下午分开或分块排课），只能导入普通（Official）模式的文件")
    return _Reader(root, county, term, today or date.today()).convert()


def _text(element: Element | None, tag: str, default: str = "") -> str:
    found = element.find(tag) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else default


def _active(element: Element) -> bool:
    return _text(element, "Active", "true").lower() != "false"


def _codes(names: list[str], prefix: str) -> dict[str, str]:
    """Stable dataset codes for FET names: the name itself where it is a valid code, else prefix+number."""
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for i, name in enumerate(names, 1):
        slug = re.sub(r"[^A-Za-z0-9._-]", "", name.replace(" ", "_"))
        code = slug if slug and slug == name.replace(" ", "_") else f"{prefix}{i:03d}"
        while code in taken:
            code = f"{code}_{i}"
        taken.add(code)
        codes[name] = code
    return codes


class _Reader:
    def __init__(self, root: Element, county: str, term: str, today: date):
        self.root, self.county, self.term, self.today = root, county, term, today
        self.skipped: Counter[str] = Counter()
        self.notes: list[str] = []

    def _names(self, path: str, kind: str) -> list[str]:
        """The list's names, each once: FET keeps " Ma 13" and "Ma 13 " apart, the trimmed names
        (as activities are read) are one, so they import as one entity and the report says so."""
        names = [_text(e, "Name") for e in self.root.iterfind(path)]
        once = list(dict.fromkeys(names))
        merged = sorted({n for n in names if names.count(n) > 1})
        if merged:
            self.notes.append(f"名称只差首尾空格的{kind}按同一个导入：{'、'.join(merged)}。")
        return once

    def convert(self) -> Conversion:
        days = self._days()
        hours = self._hours()
        breaks, partial_breaks = self._breaks(days, hours)
        kept = [p for p in hours if p["n"] not in breaks]
        periods = [{k: p[k] for k in ("n", "start", "end")} for p in kept]
        # FET pairs any two consecutive hours that are no break into a double, whatever the clock says.
        adjacent = [_minutes(b["start"]) - _minutes(a["end"]) for a, b in zip(hours, hours[1:])
                    if a["n"] not in breaks and b["n"] not in breaks]
        if any(p["made_up"] for p in kept):
            self.notes.append(f"节次名称未写明时间的，按 {_hhmm(DEFAULT_START)} 起每节 {DEFAULT_LENGTH} 分钟、"
                              f"课间 {DEFAULT_BREAK} 分钟推算。")
        subjects = self._names("Subjects_List/Subject", "学科")
        teachers = self._names("Teachers_List/Teacher", "教师")
        classes = self._classes()
        subject_code, teacher_code = _codes(subjects, "S"), _codes(teachers, "T")
        class_code = _codes(list(classes), "C")
        demand, doubles, staffing, carried = self._activities(classes, subject_code, teacher_code)
        grid = Grid({name: d for d, name in days}, {h["fet_name"]: h["n"] for h in hours},
                    tuple(p["n"] for p in kept))
        sites = read_sites(self.root, list(classes), carried, teacher_code,
                           min(_minutes(p["end"]) - _minutes(p["start"]) for p in kept))
        read = read_constraints(self.root, grid, set(classes), teacher_code, carried, partial_breaks, sites.owned)
        self.skipped.update(read.skipped)
        self.skipped.update(sites.skipped)
        self.notes += sites.notes
        school = "FET"
        campuses, campus_of = _campuses(school, sites)
        overrides = []
        for (c, s), n in sorted(demand.items()):
            entry: dict[str, Any] = {"class": class_code[c], "subject": s, "periods_per_week": n}
            if doubles[c, s]:
                entry["double_periods"] = doubles[c, s]
            if (c, s) in read.allowed:
                entry["allowed"] = _day_entries(read.allowed[c, s])
            if (c, s) in read.min_days:
                entry["min_days_apart"] = read.min_days[c, s]
            overrides.append(entry)
        rules: dict[str, Any] = {"max_campuses_per_day": sites.max_campuses_per_day} if sites.buildings else {}
        if adjacent and any(doubles.values()):
            rules["double_max_break_minutes"] = max(adjacent)
        ds: dict[str, Any] = {
            "format": FORMAT,
            "county": {"code": self.county, "name": _text(self.root, "Institution_Name", "FET") or "FET",
                       "timezone": "Asia/Shanghai"},
            "terms": [self._term()],
            "subjects": [{"code": subject_code[s], "name": s} for s in subjects],
            "bell_schedules": [{"code": "fet", "days": [d for d, _ in days], "periods": periods}],
            "schools": [{"code": school, "name": _text(self.root, "Institution_Name", "FET") or "FET",
                         "area": "urban", "campuses": campuses}],
            "travel_minutes": [{"from": a["code"], "to": b["code"], "minutes": sites.travel_minutes}
                               for i, a in enumerate(campuses) for b in campuses[i + 1:]],
            "communities": [{"code": f"{school}-C", "name": "FET 导入", "model": "fusion",
                             "core_school": school, "members": [], **({"rules": rules} if rules else {})}],
            "teachers": [],
            "classes": [{"code": class_code[name], "name": name, "campus": campus_of(sites.class_building.get(name)),
                         "grade": grade,
                         **({"students": n} if n is not None else {}),
                         **({"unavailable": _day_entries(read.class_unavailable[name])}
                            if read.class_unavailable.get(name) else {})}
                        for name, (grade, n) in classes.items()],
            "curriculum": [],
            "curriculum_overrides": overrides,
            "staffing": [{"class": class_code[c], "subject": s, "teacher": t, "locked": True}
                         for (c, s), t in sorted(staffing.items())],
        }
        load: Counter[str] = Counter()
        grades: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for (c, s), t in staffing.items():
            load[t] += demand[c, s]
            grades[t][s].add(classes[c][0])
        for name in teachers:
            code = teacher_code[name]
            teacher: dict[str, Any] = {
                "code": code, "name": name, "school": school, "campus": campus_of(sites.teacher_building.get(code)),
                "subjects": [{"subject": s, "grades": sorted(g)} for s, g in sorted(grades[code].items())],
                "max_periods_per_week": load[code],
                "unavailable": _day_entries(read.teacher_unavailable.get(code, set())),
            }
            if code in read.max_days:
                teacher["max_days_per_week"] = read.max_days[code]
            ds["teachers"].append(teacher)
        return Conversion(ds, self.skipped, self.notes)

    # -- time grid ---------------------------------------------------------------

    def _days(self) -> list[tuple[str, str]]:
        names = [_text(d, "Name") for d in self.root.iterfind("Days_List/Day")]
        if not names:
            raise FetError("文件没有列出任何一天（Days_List）")
        days: list[tuple[str, str]] = []
        for name in names:
            day = weekday(name)
            if day is None:
                raise FetError(f"无法识别日名 “{name}”：tongpan 按名称对应星期几（如 Monday、星期一、الاثنين），"
                               "块状排课等非星期的“天”无法导入")
            if day in (d for d, _ in days):
                raise FetError(f"日名 “{name}” 与前面的某一天同为星期 {day}，无法区分")
            days.append((day, name))
        return days

    def _hours(self) -> list[dict[str, Any]]:
        names = [_text(h, "Name") for h in self.root.iterfind("Hours_List/Hour")]
        if not names:
            raise FetError("文件没有列出任何节次（Hours_List）")
        spans = [clock_span(n) for n in names]
        starts = [_single_time(n) for n in names]
        periods: list[dict[str, Any]] = []
        clock = DEFAULT_START
        for i, name in enumerate(names):
            if spans[i] is not None:
                start, end = spans[i]
            elif starts[i] is not None and all(starts):
                # Start times only: each hour lasts until just before the next one starts.
                start = starts[i]
                lengths = [_minutes(b) - _minutes(a) - SHORT_BREAK for a, b in zip(starts, starts[1:])]
                nxt = _minutes(starts[i + 1]) - SHORT_BREAK if i + 1 < len(names) else \
                    _minutes(start) + (sorted(lengths)[len(lengths) // 2] if lengths else DEFAULT_LENGTH)
                end = _hhmm(min(max(nxt, _minutes(start) + 1), 24 * 60 - 1))
            else:
                start, end = _hhmm(clock), _hhmm(clock + DEFAULT_LENGTH)
            made_up = spans[i] is None and not all(starts)
            if periods and _minutes(start) < _minutes(periods[-1]["end"]):
                start = _hhmm(_minutes(periods[-1]["end"]) + DEFAULT_BREAK)
                end = _hhmm(_minutes(start) + DEFAULT_LENGTH)
                made_up = True
            periods.append({"n": i + 1, "start": start, "end": end, "fet_name": name, "made_up": made_up})
            clock = _minutes(end) + DEFAULT_BREAK
        return periods

    def _breaks(self, days: list[tuple[str, str]], hours: list[dict[str, Any]]) -> tuple[set[int], set[Slot]]:
        """Hours that are a break on every day leave the bell; a break on some days only makes that
        period unavailable to every teacher and class."""
        day_of = {name: d for d, name in days}
        hour_of = {h["fet_name"]: h["n"] for h in hours}
        at: dict[int, set[str]] = defaultdict(set)
        for c in self.root.iterfind("Time_Constraints_List/ConstraintBreakTimes"):
            if not _active(c):
                continue
            for b in c.iterfind("Break_Time"):
                day, hour = day_of.get(_text(b, "Day")), hour_of.get(_text(b, "Hour"))
                if day and hour:
                    at[hour].add(day)
        whole = {h for h, ds in at.items() if len(ds) == len(days)}
        if len(whole) == len(hours):
            raise FetError("每一节都是休息时间，没有可上课的节次")
        return whole, {(d, h) for h, ds in at.items() if h not in whole for d in ds}

    def _term(self) -> dict[str, Any]:
        """A term around today's school term; FET files know no dates, the admin adjusts it later."""
        first = date(self.today.year if self.today.month >= 7 else self.today.year - 1, 9, 1)
        return {"code": self.term, "name": "FET 导入学期", "start": first.isoformat(),
                "end": date(first.year + 1, 1, 20).isoformat(), "statutory_calendar": "none"}

    # -- students and activities ---------------------------------------------------

    def _classes(self) -> dict[str, tuple[int, int | None]]:
        """Class name → (grade, students); grades come from the first digit 1–9 of the year's name."""
        classes: dict[str, tuple[int, int | None]] = {}
        for year in self.root.iterfind("Students_List/Year"):
            name = _text(year, "Name")
            digits = re.search(r"[1-9]", name)
            grade = int(digits.group()) if digits else 7
            groups = year.findall("Group")
            for unit in groups or [year]:
                count = _text(unit, "Number_of_Students")
                classes[_text(unit, "Name")] = (grade, int(count) if count.isdigit() else None)
                if unit is not year and unit.findall("Subgroup"):
                    self.skipped["学生子组（Subgroup，按所属班级排课）"] += len(unit.findall("Subgroup"))
        if not classes:
            raise FetError("文件没有列出任何学生（Students_List）")
        return classes

    def _activities(self, classes: dict[str, tuple[int, int | None]], subject_code: dict[str, str],
                    teacher_code: dict[str, str]) -> tuple[Counter[Key], Counter[Key], dict[Key, str],
                                                           dict[str, tuple[Key, int]]]:
        """Weekly periods, doubles (an activity of duration 2) and the teacher of each class-subject,
        and the (class-subject, duration) of each activity id carried over."""
        demand: Counter[Key] = Counter()
        doubles: Counter[Key] = Counter()
        staffing: dict[Key, str] = {}
        carried: dict[str, tuple[Key, int]] = {}
        for a in self.root.iterfind("Activities_List/Activity"):
            teachers = [t.text.strip() for t in a.findall("Teacher") if t.text]
            students = [s.text.strip() for s in a.findall("Students") if s.text]
            subject = _text(a, "Subject")
            duration = int(_text(a, "Duration", "1") or 1)
            if not _active(a):
                self.skipped["停用的活动"] += 1
            elif len(teachers) != 1:
                self.skipped["教师人数不是一人的活动（无教师或多位教师合上）"] += 1
            elif len(students) != 1 or students[0] not in classes:
                self.skipped["学生不是单个班级的活动（多班合上、整个年级或子组）"] += 1
            elif subject not in subject_code or teachers[0] not in teacher_code:
                self.skipped["引用了未列出的学科或教师的活动"] += 1
            else:
                key = (students[0], subject_code[subject])
                teacher = teacher_code[teachers[0]]
                if staffing.setdefault(key, teacher) != teacher:
                    self.skipped["同一班级同一学科由不同教师任教的活动"] += 1
                    continue
                demand[key] += duration
                carried[_text(a, "Id")] = (key, duration)
                if duration == 2:
                    doubles[key] += 1
                elif duration > 2:
                    self.skipped[f"时长为 {duration} 的活动（按 {duration} 个单节导入）"] += 1
        return demand, doubles, staffing, carried


def _campuses(school: str, sites: Sites) -> tuple[list[dict[str, Any]], Callable[[str | None], str]]:
    """The school's campuses, one per building that `sites` made a campus, else one campus
    (本部), and the campus code of a building name (None: the only campus)."""
    if not sites.buildings:
        return [{"code": f"{school}-A", "name": "本部", "bell_schedule": "fet"}], lambda _: f"{school}-A"
    code = _codes(sites.buildings, "B")
    return ([{"code": code[b], "name": b, "bell_schedule": "fet"} for b in sites.buildings],
            lambda building: code[building or sites.buildings[0]])


def _day_entries(slots: set[Slot]) -> list[dict[str, Any]]:
    """(day, period) pairs as the dataset's `{"day", "periods"}` entries, in weekday order."""
    by_day: dict[str, set[int]] = defaultdict(set)
    for day, n in slots:
        by_day[day].add(n)
    return [{"day": d, "periods": sorted(by_day[d])} for d in WEEKDAYS if d in by_day]


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _single_time(name: str) -> str | None:
    match = re.fullmatch(r"\s*([01]?\d|2[0-3])\s*[:.h]\s*([0-5]\d)\s*", name)
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None
