"""课表 grids: a plan version's weekly activities arranged for one class, teacher or campus.

Every reader of a timetable (the web pages, the printed PDFs, the Excel export)
takes its grid from here, so they show the same thing. A class grid has its
campus's own bell periods down and the school days across. A teacher may teach
at several campuses that ring different bells, so a teacher's rows are the
clock-time slots of the home campus's bell plus any other slot the teacher
teaches in, in time order, each cell saying where it is; a campus change within
a day shows the travel minutes before the cell it leads to.

The directory of names and bells is read straight from the tables of one
community (not through the whole county's Dataset): a page must stay fast for
a 150-class community in a county of forty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models as m
from scheduler.dataset.travel import TravelTimes

DAY_NAMES = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六", "sun": "周日"}
DAYS = tuple(DAY_NAMES)
ONLINE = "online"
MODEL_NAMES = {"fusion": "融合型", "co_construction": "共建型", "collaboration": "协作型"}


@dataclass(frozen=True)
class Bell:
    days: tuple[str, ...]
    periods: tuple[tuple[int, str, str], ...]  # (n, start, end)


@dataclass(frozen=True)
class CampusInfo:
    code: str
    name: str
    school: str
    bell: str


@dataclass(frozen=True)
class ClassInfo:
    code: str
    name: str
    campus: str
    grade: int


@dataclass(frozen=True)
class TeacherInfo:
    code: str
    name: str
    school: str
    campus: str


@dataclass
class Directory:
    """Names, bells and travel of one community, read once per request."""

    community: str
    community_name: str
    model: str
    schools: dict[str, str]  # code -> name, core school first
    campuses: dict[str, CampusInfo]
    bells: dict[str, Bell]
    classes: dict[str, ClassInfo]
    teachers: dict[str, TeacherInfo]
    subjects: dict[str, str]
    groups: dict[str, str]
    travel: TravelTimes

    def subject(self, code: str) -> str:
        """The short name a timetable shows: `艺术·音乐` reads `音乐`."""
        return self.subjects.get(code, code).rsplit("·", 1)[-1]

    def place(self, campus: str) -> str:
        return "线上" if campus == ONLINE else (self.campuses[campus].name if campus in self.campuses else campus)

    def teacher_name(self, code: str) -> str:
        return self.teachers[code].name if code in self.teachers else code

    def class_name(self, code: str) -> str:
        """A class as people name it across campuses: `三(1)班（武康小学本部）`."""
        info = self.classes.get(code)
        return f"{info.name}（{self.place(info.campus)}）" if info else code

    def bell_of(self, campus: str) -> Bell:
        return self.bells[self.campuses[campus].bell]


def community_schools(session: Session, community: str) -> list[str]:
    """The core school, then the members in their listed order."""
    row = session.get(m.Community, community)
    if row is None:
        return []
    members = session.scalars(select(m.CommunityMember.school_code).where(
        m.CommunityMember.community_code == community).order_by(m.CommunityMember.position))
    return [row.core_school_code, *[s for s in members if s != row.core_school_code]]


def load_directory(session: Session, community: str) -> Directory | None:
    """The community's directory, or None when there is no such community."""
    row = session.get(m.Community, community)
    if row is None:
        return None
    school_codes = community_schools(session, community)
    names = dict(session.execute(select(m.School.code, m.School.name).where(m.School.code.in_(school_codes))).all())
    # Column selects, not ORM objects: no JSON `extra` to decode for hundreds of teachers per page.
    campus_rows = session.execute(select(m.Campus.code, m.Campus.name, m.Campus.school_code, m.Campus.position,
                                         m.Campus.bell_schedule_code, m.Campus.lat, m.Campus.lon)
                                  .where(m.Campus.school_code.in_(school_codes))).all()
    order = {code: i for i, code in enumerate(school_codes)}
    campus_rows = sorted(campus_rows, key=lambda c: (order[c.school_code], c.position))
    campuses = {c.code: CampusInfo(c.code, c.name, c.school_code, c.bell_schedule_code) for c in campus_rows}
    bell_codes = {c.bell for c in campuses.values()}
    periods: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for code, n, start, end in session.execute(
            select(m.Period.bell_schedule_code, m.Period.n, m.Period.start, m.Period.end)
            .where(m.Period.bell_schedule_code.in_(bell_codes)).order_by(m.Period.bell_schedule_code, m.Period.n)):
        periods[code].append((n, start, end))
    bells = {code: Bell(tuple(d for d in DAYS if d in days), tuple(periods[code]))
             for code, days in session.execute(select(m.BellSchedule.code, m.BellSchedule.days)
                                               .where(m.BellSchedule.code.in_(bell_codes)))}
    classes = {c.code: ClassInfo(c.code, c.name, c.campus_code, c.grade) for c in session.execute(
        select(m.SchoolClass.code, m.SchoolClass.name, m.SchoolClass.campus_code, m.SchoolClass.grade)
        .where(m.SchoolClass.campus_code.in_(campuses)).order_by(m.SchoolClass.grade, m.SchoolClass.code))}
    teachers = {t.code: TeacherInfo(t.code, t.name, t.school_code, t.campus_code) for t in session.execute(
        select(m.Teacher.code, m.Teacher.name, m.Teacher.school_code, m.Teacher.campus_code)
        .where(m.Teacher.school_code.in_(school_codes)).order_by(m.Teacher.code))}
    subjects = dict(session.execute(select(m.Subject.code, m.Subject.name)).all())
    groups = dict(session.execute(select(m.ResearchGroup.code, m.ResearchGroup.name).where(
        m.ResearchGroup.community_code == community)).all())
    given = [tuple(t) for t in session.execute(
        select(m.Travel.from_campus_code, m.Travel.to_campus_code, m.Travel.minutes).where(
            m.Travel.from_campus_code.in_(campuses) | m.Travel.to_campus_code.in_(campuses)))]
    points = {c.code: (c.lat, c.lon) for c in campus_rows if c.lat is not None and c.lon is not None}
    return Directory(community, row.name, row.model, {s: names.get(s, s) for s in school_codes}, campuses, bells,
                     classes, teachers, subjects, groups, TravelTimes(given, points))


def stored_plan(plan: m.PlanVersion) -> dict[str, Any]:
    """A version's activities and unmet demand as stored, for the grids.

    They went through the typed plan module when stored; reading them through it
    again (`plans.plan_document`) costs 0.1-0.3 s for a 150-class community,
    more than a page may take, and the grids read only the spec's fields.
    """
    return {"community": plan.community_code, "term": plan.term_code, "version": plan.version,
            "status": plan.status, "activities": plan.activities, "unmet": plan.unmet}


@dataclass(frozen=True)
class Appearance:
    """One owner's side of an activity: where and when that owner is in it, and in what role."""

    kind: str  # lesson, coteach, research
    code: str
    subject: str
    day: str
    start: str
    end: str
    campus: str
    role: str  # 任课, 主讲, 远程, 助教, 教研
    classes: tuple[str, ...]  # the activity's classes, lead first
    teachers: tuple[str, ...]  # the teachers in this side: the lesson's, the lead, the assistant, the members
    lead_campus: str | None = None  # for a remote side: where the lead teaches
    double: str | None = None  # first or second period of a double (连堂)


def appearances(activities: Iterable[dict[str, Any]]) -> tuple[dict[str, list[Appearance]], dict[str, list[Appearance]]]:
    """Each activity as each class and each teacher sees it: (by class, by teacher)."""
    by_class: dict[str, list[Appearance]] = defaultdict(list)
    by_teacher: dict[str, list[Appearance]] = defaultdict(list)
    for a in activities:
        kind, classes = a["kind"], tuple(a.get("classes", ()))
        base = dict(kind=kind, code=a["code"], subject=a.get("subject", ""), day=a["day"], classes=classes,
                    double=a.get("double"))
        if kind == "lesson":
            side = Appearance(**base, start=a["start"], end=a["end"], campus=a["campus"], role="任课",
                              teachers=tuple(a.get("teachers", ())))
            for c in classes:
                by_class[c].append(side)
            for t in side.teachers:
                by_teacher[t].append(side)
        elif kind == "coteach":
            lead = Appearance(**base, start=a["start"], end=a["end"], campus=a["campus"], role="主讲",
                              teachers=tuple(a.get("teachers", ())[:1]))
            if classes:
                by_class[classes[0]].append(lead)
            for t in lead.teachers:
                by_teacher[t].append(lead)
            for r in a.get("remote", ()):
                assistant = (r["assistant"],) if r.get("assistant") else ()
                remote = Appearance(**base, start=r["start"], end=r["end"], campus=r["campus"], role="远程",
                                    teachers=lead.teachers + assistant, lead_campus=a["campus"])
                by_class[r["class"]].append(remote)
                for t in assistant:
                    by_teacher[t].append(Appearance(**{**remote.__dict__, "role": "助教"}))
        elif kind == "research":
            side = Appearance(**base, start=a["start"], end=a["end"], campus=a["campus"], role="教研",
                              teachers=tuple(a.get("teachers", ())))
            for t in side.teachers:
                by_teacher[t].append(side)
    return by_class, by_teacher


@dataclass(frozen=True)
class Row:
    """A row of a grid: a bell period of the owner's campus, or another clock-time slot."""

    start: str
    end: str
    n: int | None = None  # the period number on the home bell
    campus: str | None = None  # set when the slot is not on the home bell

    @property
    def label(self) -> str:
        return f"第{self.n}节" if self.n is not None else "其他时段"


@dataclass(frozen=True)
class Cell:
    """What a grid shows in one place: an appearance, and the travel that leads to it."""

    item: Appearance
    title: str  # subject short name, or the research group
    detail: str  # teacher(s), or the classes joined, and the campus when it is not the home one
    mark: str  # "", 连堂, 同步课堂·主讲, 同步课堂·远程, 同步课堂·助教 (·连堂), 联合教研
    travel: str = ""  # 自 X 前来，路程 N 分钟（间隔 M 分钟）


@dataclass
class Grid:
    kind: str  # class, teacher
    code: str
    title: str
    subtitle: str
    home_campus: str
    days: tuple[str, ...]
    rows: list[Row]
    cells: dict[tuple[str, int], list[Cell]] = field(default_factory=dict)  # (day, row index)
    unmet: list[dict[str, Any]] = field(default_factory=list)  # {subject, periods, reason}
    bell_note: str = ""

    def at(self, day: str, index: int) -> list[Cell]:
        return self.cells.get((day, index), [])

    @property
    def day_names(self) -> list[str]:
        return [DAY_NAMES[d] for d in self.days]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _mark(item: Appearance) -> str:
    double = "连堂" if item.double else ""
    if item.kind == "coteach":
        return "·".join(filter(None, (f"同步课堂·{item.role}", double)))
    return "联合教研" if item.kind == "research" else double


def _title(d: Directory, item: Appearance) -> str:
    if item.kind == "research":
        name = d.groups.get(item.code, item.code)
        return name.removesuffix("联合教研") or name
    return d.subject(item.subject)


def _class_detail(d: Directory, item: Appearance, class_code: str) -> str:
    teachers = "、".join(d.teacher_name(t) for t in item.teachers)
    if item.role == "主讲":
        return f"{teachers}；远程：" + "、".join(d.class_name(c) for c in item.classes[1:])
    if item.role == "远程":
        return f"{teachers}（主讲在{d.place(item.lead_campus or '')}）"
    return teachers


def _teacher_detail(d: Directory, item: Appearance, home: str) -> str:
    if item.kind == "research":
        text = f"{len(item.teachers)} 人"
    elif item.role == "助教":
        text = "、".join(d.class_name(c) for c in item.classes if d.classes.get(c) and d.classes[c].campus == item.campus)
    else:
        text = d.class_name(item.classes[0]) if item.classes else ""
        if item.role == "主讲" and len(item.classes) > 1:
            text += f" 等 {len(item.classes)} 班"
    if item.campus != home:
        text += f" @{d.place(item.campus)} {item.start}–{item.end}"
    return text


def _bell_rows(bell: Bell) -> list[Row]:
    return [Row(start, end, n) for n, start, end in bell.periods]


def _place_rows(rows: list[Row], items: list[Appearance]) -> list[Row]:
    """The home bell's rows plus one per other (start, end, campus) slot, in clock order."""
    known = {(r.start, r.end) for r in rows}
    extra = {(i.start, i.end, i.campus) for i in items if (i.start, i.end) not in known}
    extra_rows = [Row(start, end, None, campus) for start, end, campus in extra]
    return sorted(rows + extra_rows, key=lambda r: (_minutes(r.start), r.n is None, _minutes(r.end), r.campus or ""))


def _row_index(rows: list[Row], item: Appearance) -> int:
    for i, r in enumerate(rows):
        if (r.start, r.end) == (item.start, item.end) and (r.n is not None or r.campus == item.campus):
            return i
    raise LookupError(item)  # _place_rows made a row for every appearance


def _unmet_for(d: Directory, unmet: Iterable[dict[str, Any]], classes: set[str]) -> list[dict[str, Any]]:
    return [{"class": u["class"], "class_name": d.class_name(u["class"]), "subject": d.subject(u["subject"]),
             "periods": u["periods"], "reason": u.get("reason", "")} for u in unmet if u.get("class") in classes]


def _bell_note(d: Directory, campus: str) -> str:
    bell = d.bell_of(campus)
    return "；".join(f"第{n}节 {start}–{end}" for n, start, end in bell.periods)


def class_grid(d: Directory, plan: dict[str, Any], class_code: str,
               by_class: dict[str, list[Appearance]] | None = None) -> Grid:
    """A class's week: its campus's bell periods down, its school days across."""
    info = d.classes[class_code]
    bell = d.bell_of(info.campus)
    if by_class is None:  # one class: look only at the activities that name it
        by_class = appearances(a for a in plan["activities"] if class_code in a.get("classes", ()))[0]
    items = by_class.get(class_code, [])
    rows = _place_rows(_bell_rows(bell), items)
    grid = Grid("class", class_code, f"{info.name}（{d.place(info.campus)}）课表", d.community_name,
                info.campus, bell.days, rows, unmet=_unmet_for(d, plan.get("unmet", ()), {class_code}),
                bell_note=_bell_note(d, info.campus))
    for item in items:
        grid.cells.setdefault((item.day, _row_index(rows, item)), []).append(
            Cell(item, _title(d, item), _class_detail(d, item, class_code), _mark(item)))
    return grid


def _travel_notes(d: Directory, items: list[Appearance]) -> dict[Appearance, str]:
    """Before each in-person appearance at another campus than the one before it that day: the way there."""
    notes: dict[Appearance, str] = {}
    by_day: dict[str, list[Appearance]] = defaultdict(list)
    for item in items:
        if item.campus != ONLINE:
            by_day[item.day].append(item)
    for day_items in by_day.values():
        day_items.sort(key=lambda i: _minutes(i.start))
        for before, after in zip(day_items, day_items[1:]):
            if before.campus != after.campus:
                minutes = d.travel.minutes(before.campus, after.campus)
                gap = _minutes(after.start) - _minutes(before.end)
                way = f"路程 {minutes} 分钟" if minutes is not None else "路程未知"
                short = "，不够" if minutes is None or gap < minutes else ""
                notes[after] = f"自{d.place(before.campus)}前来，{way}（间隔 {gap} 分钟{short}）"
    return notes


def teacher_grid(d: Directory, plan: dict[str, Any], teacher_code: str,
                 by_teacher: dict[str, list[Appearance]] | None = None) -> Grid:
    """A teacher's week across campuses: the home bell's periods plus every other slot, in clock order."""
    info = d.teachers[teacher_code]
    if by_teacher is None:  # one teacher: look only at the activities that name them
        by_teacher = appearances(a for a in plan["activities"] if teacher_code in a.get("teachers", ()) or any(
            r.get("assistant") == teacher_code for r in a.get("remote", ())))[1]
    items = by_teacher.get(teacher_code, [])
    bell = d.bell_of(info.campus)
    days = tuple(day for day in DAYS if day in bell.days or any(i.day == day for i in items))
    rows = _place_rows(_bell_rows(bell), items)
    grid = Grid("teacher", teacher_code, f"{info.name}的课表", f"{d.place(info.campus)} · {d.community_name}",
                info.campus, days, rows, bell_note=_bell_note(d, info.campus))
    travel = _travel_notes(d, items)
    for item in items:
        grid.cells.setdefault((item.day, _row_index(rows, item)), []).append(
            Cell(item, _title(d, item), _teacher_detail(d, item, info.campus), _mark(item), travel.get(item, "")))
    return grid


@dataclass
class CampusTable:
    """A campus's 总课表: one row per class, one column per day and period, the subject in each."""

    code: str
    title: str
    days: tuple[str, ...]
    periods: tuple[tuple[int, str, str], ...]
    classes: list[ClassInfo]
    cells: dict[tuple[str, str, int], Cell]  # (class, day, period n)
    unmet: list[dict[str, Any]]

    @property
    def day_names(self) -> list[str]:
        return [DAY_NAMES[d] for d in self.days]


def campus_table(d: Directory, plan: dict[str, Any], campus: str,
                 by_class: dict[str, list[Appearance]] | None = None) -> CampusTable:
    bell = d.bell_of(campus)
    by_class = by_class if by_class is not None else appearances(plan["activities"])[0]
    classes = [c for c in d.classes.values() if c.campus == campus]
    starts = {start: n for n, start, _ in bell.periods}
    cells: dict[tuple[str, str, int], Cell] = {}
    for c in classes:
        for item in by_class.get(c.code, []):
            if item.start in starts:
                cells[(c.code, item.day, starts[item.start])] = Cell(
                    item, _title(d, item), "、".join(d.teacher_name(t) for t in item.teachers[:1]), _mark(item))
    return CampusTable(campus, f"{d.place(campus)} 总课表", bell.days, bell.periods, classes, cells,
                       _unmet_for(d, plan.get("unmet", ()), {c.code for c in classes}))


def campus_class_grids(d: Directory, plan: dict[str, Any], campus: str) -> list[Grid]:
    """Every class grid of a campus, in grade and code order (the campus's printed timetables)."""
    by_class = appearances(plan["activities"])[0]
    return [class_grid(d, plan, c.code, by_class) for c in d.classes.values() if c.campus == campus]
