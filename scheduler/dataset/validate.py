"""Checks of a dataset beyond its shape: references, uniqueness and consistency.

All problems are collected, none raised, so an admin sees every error of a
file in one run. Runs on the parsed `Dataset`; paths point into the document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from scheduler.dataset.issues import DatasetInvalid, DatasetIssue, Path, from_validation_error, json_path
from scheduler.dataset.schema import Community, Dataset, minutes, unstorable
from scheduler.dataset.terms import term_calendar
from scheduler.school_calendar import CalendarError, school_days

LABELS = {
    "subjects": "学科", "bell_schedules": "作息表", "schools": "学校", "campuses": "校区",
    "communities": "教共体", "teachers": "教师", "classes": "班级", "terms": "学期",
    "coteaching": "同步课堂", "research_groups": "教研组",
}


def parse(document: Any, source: str) -> tuple[Dataset, list[DatasetIssue]]:
    """Parse and check a document; raise DatasetInvalid with every error, else return warnings.

    Entries are validated one by one, so a type error in one teacher does not hide
    a wrong reference in another: invalid entries are set aside, the rest is
    checked, and references to the set-aside codes are not reported twice.
    """
    structural, cleaned, kept, dropped = _validate_entries(document)
    try:
        dataset = Dataset.model_validate(cleaned)
    except ValidationError as exc:
        raise DatasetInvalid(source, structural + from_validation_error(exc)) from None
    issues = structural + [_original_path(i, kept) for i in check(dataset) if i.ref is None or i.ref not in dropped]
    if any(i.severity == "error" for i in issues):
        raise DatasetInvalid(source, issues)
    return dataset, issues


def _entry_model(name: str) -> type[BaseModel] | None:
    annotation = Dataset.model_fields[name].annotation
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return item if isinstance(item, type) and issubclass(item, BaseModel) else None
    return None


def _codes(node: Any) -> Iterator[str]:
    """Every code inside a set-aside entry (a school's campuses too): others may refer to them."""
    if isinstance(node, dict):
        if isinstance(node.get("code"), (str, int)):
            yield str(node["code"])
        for value in node.values():
            yield from _codes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _codes(value)


def _validate_entries(document: Any) -> tuple[list[DatasetIssue], Any, dict[str, list[int]], set[str]]:
    """Validate each list entry alone; return its errors, the document without the invalid entries,
    the original index of every kept entry per list, and the codes of the entries set aside."""
    if not isinstance(document, dict):
        return [], document, {}, set()
    issues: list[DatasetIssue] = []
    cleaned = dict(document)
    kept: dict[str, list[int]] = {}
    dropped: set[str] = set()
    for name in Dataset.model_fields:
        model, entries = _entry_model(name), document.get(name)
        if model is None or not isinstance(entries, list):
            continue
        kept[name], cleaned[name] = [], []
        for i, entry in enumerate(entries):
            try:
                model.model_validate(entry)
            except ValidationError as exc:
                issues.extend(DatasetIssue((name, i, *issue.path), issue.message)
                              for issue in from_validation_error(exc))
                dropped.update(_codes(entry))
                continue
            kept[name].append(i)
            cleaned[name].append(entry)
    return issues, cleaned, kept, dropped


def _original_path(issue: DatasetIssue, kept: dict[str, list[int]]) -> DatasetIssue:
    """Point an issue found in the cleaned document back at the entry's place in the file."""
    path = issue.path
    if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int) and path[0] in kept:
        return replace(issue, path=(path[0], kept[path[0]][path[1]], *path[2:]))
    return issue


def check(ds: Dataset) -> Iterator[DatasetIssue]:
    yield from _unknown_keys(ds, ())
    yield from _unique_codes(ds)
    yield from _terms(ds)
    yield from _bells(ds)
    yield from _campus_refs(ds)
    yield from _communities(ds)
    yield from _teachers(ds)
    yield from _classes_and_curriculum(ds)
    yield from _staffing(ds)
    yield from _coteaching(ds)
    yield from _research(ds)


def _error(path: Path, message: str) -> DatasetIssue:
    return DatasetIssue(path, message)


def _unstorable(value: Any, path: Path) -> Iterator[DatasetIssue]:
    """Text no database can hold (NUL, lone surrogates) anywhere inside a kept unknown value."""
    if isinstance(value, str):
        bad = unstorable(value)
        if bad is not None:
            yield _error(path, f"不能包含{bad}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable(key, path)
            yield from _unstorable(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _unstorable(item, path + (i,))


def _unknown_keys(model: BaseModel, path: Path) -> Iterator[DatasetIssue]:
    for key, value in (model.model_extra or {}).items():
        yield DatasetIssue(path + (key,), f"未知字段 {key!r}，已忽略（导出时原样保留）", "warning")
        yield from _unstorable(key, path + (key,))
        yield from _unstorable(value, path + (key,))
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = field.alias or name
        if isinstance(value, BaseModel):
            yield from _unknown_keys(value, path + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _unknown_keys(item, path + (key, i))


def _duplicates(items: Iterable[tuple[Path, str]], what: str) -> Iterator[DatasetIssue]:
    seen: dict[str, Path] = {}
    for path, key in items:
        if key in seen:
            yield _error(path, f"{what} {key} 重复（首次出现在 {json_path(seen[key])}）")
        else:
            seen[key] = path


def _campuses(ds: Dataset) -> Iterator[tuple[Path, Any]]:
    for s, school in enumerate(ds.schools):
        for c, campus in enumerate(school.campuses):
            yield ("schools", s, "campuses", c), campus


def _unique_codes(ds: Dataset) -> Iterator[DatasetIssue]:
    for key in ("terms", "subjects", "bell_schedules", "schools", "communities", "teachers",
                "classes", "coteaching", "research_groups"):
        yield from _duplicates(
            (((key, i, "code"), item.code) for i, item in enumerate(getattr(ds, key))),
            f"{LABELS[key]}代码")
    yield from _duplicates(((p + ("code",), c.code) for p, c in _campuses(ds)), "校区代码")
    yield from _duplicates(
        ((("travel_minutes", i), f"{t.from_}→{t.to}") for i, t in enumerate(ds.travel_minutes)),
        "路程")
    yield from _duplicates(
        ((("curriculum_overrides", i), f"{o.class_}/{o.subject}")
         for i, o in enumerate(ds.curriculum_overrides)), "班级课时调整")
    yield from _duplicates(
        ((("staffing", i), f"{s.class_}/{s.subject}") for i, s in enumerate(ds.staffing)),
        "任课安排")


def _terms(ds: Dataset) -> Iterator[DatasetIssue]:
    for i, term in enumerate(ds.terms):
        path: Path = ("terms", i)
        if term.start > term.end:
            yield _error(path + ("end",), f"学期结束日期 {term.end} 早于开始日期 {term.start}")
            continue
        for key in ("extra_days_off", "makeup_days", "extra_school_days"):
            for j, day in enumerate(getattr(term, key)):
                if not term.start <= day.date <= term.end:
                    yield _error(path + (key, j, "date"), f"日期 {day.date} 不在学期 {term.start}～{term.end} 内")
        try:
            school_days(term_calendar(term))
        except CalendarError as exc:
            yield _error(path, str(exc))


def _bells(ds: Dataset) -> Iterator[DatasetIssue]:
    for i, bell in enumerate(ds.bell_schedules):
        path: Path = ("bell_schedules", i)
        yield from _duplicates(((path + ("periods", j, "n"), str(p.n)) for j, p in enumerate(bell.periods)), "节次")
        yield from _duplicates(((path + ("days",), d) for d in bell.days), "上课日")
        previous = None
        for j, period in enumerate(bell.periods):
            where = path + ("periods", j)
            if minutes(period.start) >= minutes(period.end):
                yield _error(where + ("end",), f"第 {period.n} 节结束时间 {period.end} 不晚于开始时间 {period.start}")
            if previous is not None:
                if period.n <= previous.n:
                    yield _error(where + ("n",), f"节次应递增：第 {period.n} 节排在第 {previous.n} 节之后")
                elif minutes(period.start) < minutes(previous.end):
                    yield _error(where + ("start",),
                                 f"第 {period.n} 节 {period.start} 开始，与第 {previous.n} 节（至 {previous.end}）重叠")
            previous = period


def _missing(path: Path, what: str, code: str) -> DatasetIssue:
    return DatasetIssue(path, f"未知的{what}代码 {code!r}", ref=code)


def _campus_refs(ds: Dataset) -> Iterator[DatasetIssue]:
    bells = {b.code for b in ds.bell_schedules}
    campuses = {c.code for _, c in _campuses(ds)}
    for path, campus in _campuses(ds):
        if campus.bell_schedule not in bells:
            yield _missing(path + ("bell_schedule",), "作息表", campus.bell_schedule)
    for i, travel in enumerate(ds.travel_minutes):
        for key, code in (("from", travel.from_), ("to", travel.to)):
            if code not in campuses:
                yield _missing(("travel_minutes", i, key), "校区", code)
        if travel.from_ == travel.to:
            yield _error(("travel_minutes", i, "to"), "起点和终点是同一个校区")


def _communities(ds: Dataset) -> Iterator[DatasetIssue]:
    schools = {s.code for s in ds.schools}
    owner: dict[str, str] = {}
    for i, community in enumerate(ds.communities):
        path: Path = ("communities", i)
        listed = [(path + ("core_school",), community.core_school)] + [
            (path + ("members", j), m) for j, m in enumerate(community.members)]
        for where, code in listed:
            if code not in schools:
                yield _missing(where, "学校", code)
            elif code in owner:
                yield _error(where, f"学校 {code} 已属于教共体 {owner[code]}，一所学校只能属于一个教共体")
            else:
                owner[code] = community.code


def _teachers(ds: Dataset) -> Iterator[DatasetIssue]:
    school_campuses = {s.code: {c.code for c in s.campuses} for s in ds.schools}
    subjects = {s.code for s in ds.subjects}
    for i, teacher in enumerate(ds.teachers):
        path: Path = ("teachers", i)
        if teacher.school not in school_campuses:
            yield _missing(path + ("school",), "学校", teacher.school)
        elif teacher.campus not in school_campuses[teacher.school]:
            yield _error(path + ("campus",), f"校区 {teacher.campus!r} 不属于学校 {teacher.school}")
        for j, qual in enumerate(teacher.subjects):
            if qual.subject not in subjects:
                yield _missing(path + ("subjects", j, "subject"), "学科", qual.subject)
        yield from _rotation_keys(teacher, path, school_campuses)
    teachers = {t.code for t in ds.teachers}
    rules = ds.county.rotation_rules
    for j, exemption in enumerate(rules.exemptions if rules else []):
        if exemption.teacher not in teachers:
            yield _missing(("county", "rotation_rules", "exemptions", j, "teacher"), "教师", exemption.teacher)


def _rotation_keys(teacher: Any, path: Path, schools: dict[str, set[str]]) -> Iterator[DatasetIssue]:
    """The optional rotation keys: schools that exist, stints that end after they start."""
    for j, stint in enumerate(teacher.rotation or []):
        for key, code in (("school", stint.school), ("home", stint.home)):
            if code is not None and code not in schools:
                yield _missing(path + ("rotation", j, key), "学校", code)
        if stint.to <= stint.from_:
            yield _error(path + ("rotation", j, "to"), f"交流结束学年 {stint.to} 应晚于开始学年 {stint.from_}")
    for j, code in enumerate(teacher.preferences or []):
        if code not in schools:
            yield _missing(path + ("preferences", j), "学校", code)


def _classes_and_curriculum(ds: Dataset) -> Iterator[DatasetIssue]:
    campuses = {c.code for _, c in _campuses(ds)}
    subjects = {s.code for s in ds.subjects}
    classes = {c.code for c in ds.classes}
    for i, cls in enumerate(ds.classes):
        if cls.campus not in campuses:
            yield _missing(("classes", i, "campus"), "校区", cls.campus)
    defined: dict[tuple[int, str], int] = {}
    for i, line in enumerate(ds.curriculum):
        if line.subject not in subjects:
            yield _missing(("curriculum", i, "subject"), "学科", line.subject)
        for grade in line.grades:
            if (grade, line.subject) in defined:
                yield _error(("curriculum", i, "grades"),
                             f"{grade} 年级 {line.subject} 的周课时已在 curriculum[{defined[grade, line.subject]}] 中定义")
            defined[grade, line.subject] = i
    for i, override in enumerate(ds.curriculum_overrides):
        if override.class_ not in classes:
            yield _missing(("curriculum_overrides", i, "class"), "班级", override.class_)
        if override.subject not in subjects:
            yield _missing(("curriculum_overrides", i, "subject"), "学科", override.subject)
    for name, entries in (("curriculum", ds.curriculum), ("curriculum_overrides", ds.curriculum_overrides)):
        for i, entry in enumerate(entries):
            k = entry.double_periods or 0
            if 2 * k > entry.periods_per_week:
                yield _error((name, i, "double_periods"), f"每周连堂 {k} 次需要 {2 * k} 节课，"
                                                          f"超过每周 {entry.periods_per_week} 节")


DEFAULT_DOUBLE_MAX_BREAK = 30  # minutes: a double may straddle a 大课间, never the lunch break


def double_max_break(community: Community) -> int:
    """The longest break inside a double (连堂) of this community, in minutes."""
    limit = community.rules.double_max_break_minutes
    return DEFAULT_DOUBLE_MAX_BREAK if limit is None else limit


def weekly_doubles(ds: Dataset) -> dict[tuple[str, str], int]:
    """Doubles (连堂) per week of every (class, subject) that asks for any.

    An override states its own or keeps its grade's, as many as still fit its periods."""
    by_grade: dict[int, dict[str, int]] = defaultdict(dict)
    for line in ds.curriculum:
        for grade in line.grades:
            by_grade[grade][line.subject] = line.double_periods or 0
    doubles = {(c.code, s): k for c in ds.classes for s, k in by_grade[c.grade].items() if k}
    grade = {c.code: c.grade for c in ds.classes}
    for o in ds.curriculum_overrides:
        inherited = by_grade[grade.get(o.class_, 0)].get(o.subject, 0)
        k = o.double_periods if o.double_periods is not None else min(inherited, o.periods_per_week // 2)
        doubles.pop((o.class_, o.subject), None)
        if k:
            doubles[o.class_, o.subject] = k
    return doubles


def weekly_periods(ds: Dataset) -> dict[tuple[str, str], int]:
    """Periods per week of every (class, subject), curriculum plus overrides."""
    by_grade: dict[int, dict[str, int]] = defaultdict(dict)
    for line in ds.curriculum:
        for grade in line.grades:
            by_grade[grade][line.subject] = line.periods_per_week
    demand = {(c.code, s): n for c in ds.classes for s, n in by_grade[c.grade].items()}
    for override in ds.curriculum_overrides:
        demand[override.class_, override.subject] = override.periods_per_week
    return demand


def _qualified(teacher: Any, subject: str, grade: int) -> bool:
    return any(q.subject == subject and grade in q.grades for q in teacher.subjects)


def _staffing(ds: Dataset) -> Iterator[DatasetIssue]:
    teachers = {t.code: t for t in ds.teachers}
    classes = {c.code: c for c in ds.classes}
    subjects = {s.code for s in ds.subjects}
    demand = weekly_periods(ds)
    locked_load: dict[str, int] = defaultdict(int)
    locked_at: dict[str, list[Path]] = defaultdict(list)
    for i, staff in enumerate(ds.staffing):
        path: Path = ("staffing", i)
        teacher, cls = teachers.get(staff.teacher), classes.get(staff.class_)
        if cls is None:
            yield _missing(path + ("class",), "班级", staff.class_)
        if staff.subject not in subjects:
            yield _missing(path + ("subject",), "学科", staff.subject)
        if teacher is None:
            yield _missing(path + ("teacher",), "教师", staff.teacher)
        if teacher is None or cls is None or staff.subject not in subjects:
            continue
        if not _qualified(teacher, staff.subject, cls.grade):
            yield _error(path + ("teacher",),
                         f"教师 {teacher.code}（{teacher.name}）没有 {cls.grade} 年级 {staff.subject} 的任教资格")
        if staff.locked:
            locked_load[teacher.code] += demand.get((cls.code, staff.subject), 0)
            locked_at[teacher.code].append(path)
    for code, load in locked_load.items():
        teacher = teachers[code]
        if load > teacher.max_periods_per_week:
            yield _error(locked_at[code][-1] + ("teacher",),
                         f"锁定给教师 {code}（{teacher.name}）的课时每周 {load} 节，超过其周课时上限 {teacher.max_periods_per_week} 节")


def community_of_campus(ds: Dataset) -> dict[str, str]:
    """Campus code -> community code, for campuses of schools in a community."""
    community_of_school = {code: c.code for c in ds.communities for code in [c.core_school, *c.members]}
    return {campus.code: community_of_school[school.code]
            for school in ds.schools if school.code in community_of_school
            for campus in school.campuses}


def _coteaching(ds: Dataset) -> Iterator[DatasetIssue]:
    teachers = {t.code: t for t in ds.teachers}
    classes = {c.code: c for c in ds.classes}
    community = community_of_campus(ds)
    subjects = {s.code for s in ds.subjects}
    for i, link in enumerate(ds.coteaching):
        path: Path = ("coteaching", i)
        if link.subject not in subjects:
            yield _missing(path + ("subject",), "学科", link.subject)
        lead = classes.get(link.lead_class)
        if lead is None:
            yield _missing(path + ("lead_class",), "班级", link.lead_class)
        teacher = teachers.get(link.lead_teacher)
        if teacher is None:
            yield _missing(path + ("lead_teacher",), "教师", link.lead_teacher)
        elif lead is not None and not _qualified(teacher, link.subject, lead.grade):
            yield _error(path + ("lead_teacher",),
                         f"主讲教师 {teacher.code}（{teacher.name}）没有 {lead.grade} 年级 {link.subject} 的任教资格")
        yield from _duplicates(((path + ("remote_classes", j), c) for j, c in enumerate(link.remote_classes)), "班级")
        for j, code in enumerate(link.remote_classes):
            remote = classes.get(code)
            if remote is None:
                yield _missing(path + ("remote_classes", j), "班级", code)
            elif code == link.lead_class:
                yield _error(path + ("remote_classes", j), f"班级 {code} 是主讲班级，不能同时是远端班级")
            elif lead is not None and remote.grade != lead.grade:
                yield _error(path + ("remote_classes", j),
                             f"班级 {code} 是 {remote.grade} 年级，主讲班级 {lead.code} 是 {lead.grade} 年级；同步课堂须同年级")
            elif lead is not None and community.get(remote.campus) != community.get(lead.campus):
                yield _error(path + ("remote_classes", j), f"班级 {code} 与主讲班级 {lead.code} 不在同一个教共体")


def _research(ds: Dataset) -> Iterator[DatasetIssue]:
    communities = {c.code for c in ds.communities}
    campuses = {c.code for _, c in _campuses(ds)}
    subjects = {s.code for s in ds.subjects}
    teachers = {t.code: t for t in ds.teachers}
    community = community_of_campus(ds)
    for i, group in enumerate(ds.research_groups):
        path: Path = ("research_groups", i)
        if group.community not in communities:
            yield _missing(path + ("community",), "教共体", group.community)
        if group.subject not in subjects:
            yield _missing(path + ("subject",), "学科", group.subject)
        if group.host_campus is not None:
            if group.host_campus not in campuses:
                yield _missing(path + ("host_campus",), "校区", group.host_campus)
            elif community.get(group.host_campus) != group.community:
                yield _error(path + ("host_campus",), f"校区 {group.host_campus} 不属于教共体 {group.community}")
        if group.mode == "online" and group.host_campus is not None:
            yield DatasetIssue(path + ("host_campus",), "线上教研不使用承办校区，已忽略", "warning")
        if isinstance(group.teachers, list):
            for j, code in enumerate(group.teachers):
                if code not in teachers:
                    yield _missing(path + ("teachers", j), "教师", code)
                elif community.get(teachers[code].campus) != group.community:
                    yield _error(path + ("teachers", j), f"教师 {code} 不属于教共体 {group.community}")
