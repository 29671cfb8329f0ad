"""Reading a `tongpan-plan/1` document into checked, typed activities.

Everything a plan says is validated here, at the boundary: an entry with a
missing or mistyped field, a bad time or an unknown code becomes one rule-0
violation and is left out of every other check. The rule modules can then
index the dataset by any code they meet without guarding against garbage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scheduler.check.base import DAY_NAMES, KIND_NAMES, MALFORMED, ONLINE, Violation, place, span
from scheduler.check.scope import Scope
from scheduler.dataset.schema import WEEKDAYS, minutes

PLAN_FORMAT = "tongpan-plan/1"
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


@dataclass(frozen=True)
class Remote:
    """A class joining a co-teaching lesson from its own campus, at its own bell's times."""

    class_: str
    campus: str
    start: int
    end: int
    assistant: str | None


@dataclass(frozen=True)
class Activity:
    kind: str
    code: str
    subject: str
    day: str
    start: int
    end: int
    campus: str
    classes: tuple[str, ...]  # a co-teaching lesson's lead class first
    teachers: tuple[str, ...]  # a co-teaching lesson's lead teacher first
    remote: tuple[Remote, ...] = ()
    double: str | None = None  # `first` or `second` of a double (连堂)

    @property
    def label(self) -> str:
        when = f"{DAY_NAMES[self.day]} {span(self.start, self.end)}"
        return f"{KIND_NAMES[self.kind]} {self.code}（{when}，{place(self.campus)}）"

    @property
    def people(self) -> tuple[str, ...]:
        """Every teacher taking part, co-teaching assistants included, each once."""
        assistants = tuple(r.assistant for r in self.remote if r.assistant is not None)
        return tuple(dict.fromkeys(self.teachers + assistants))


@dataclass(frozen=True)
class Unmet:
    class_: str
    subject: str
    periods: int


@dataclass(frozen=True)
class Plan:
    activities: tuple[Activity, ...]
    unmet: tuple[Unmet, ...]
    problems: tuple[Violation, ...]


class _Bad(Exception):
    """A field that makes one plan entry unusable; its message is shown to the admin."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise _Bad(f"{key} 应为非空文本，实际为 {_show(value)}")
    return value


def _interval(entry: dict[str, Any]) -> tuple[int, int]:
    times = []
    for key in ("start", "end"):
        value = entry.get(key)
        if not isinstance(value, str) or not _HHMM.fullmatch(value):
            raise _Bad(f"{key} 应为 HH:MM 时间，实际为 {_show(value)}")
        times.append(minutes(value))
    start, end = times
    if end <= start:
        raise _Bad(f"结束时间 {entry['end']} 不晚于开始时间 {entry['start']}")
    return start, end


def _codes(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _Bad(f"{key} 应为代码列表，实际为 {_show(value)}")
    if len(set(value)) != len(value):
        raise _Bad(f"{key} 中有重复的代码")
    return tuple(value)


def _known(code: str, known: Any, what: str) -> str:
    if code not in known:
        raise _Bad(f"未知的{what}代码 {code}")
    return code


def _campus(entry: dict[str, Any], scope: Scope, online: bool) -> str:
    campus = _text(entry, "campus")
    if campus == ONLINE and online:
        return campus
    return _known(campus, scope.campus_school, "校区")


def _remote(entry: Any, scope: Scope) -> Remote:
    if not isinstance(entry, dict):
        raise _Bad(f"remote 的每一项应为对象，实际为 {_show(entry)}")
    class_ = _known(_text(entry, "class"), scope.classes, "班级")
    campus = _campus(entry, scope, online=False)
    start, end = _interval(entry)
    assistant = entry.get("assistant")
    if assistant is not None:
        if not isinstance(assistant, str):
            raise _Bad(f"助教应为教师代码，实际为 {_show(assistant)}")
        _known(assistant, scope.teachers, "教师")
    return Remote(class_, campus, start, end, assistant)


def _activity(entry: Any, scope: Scope) -> Activity:
    if not isinstance(entry, dict):
        raise _Bad(f"应为对象，实际为 {_show(entry)}")
    kind = entry.get("kind")
    if not isinstance(kind, str) or kind not in KIND_NAMES:
        raise _Bad(f"kind 应为 lesson、coteach 或 research，实际为 {_show(kind)}")
    code = _text(entry, "code")
    subject = _known(_text(entry, "subject"), scope.subjects, "学科")
    day = _text(entry, "day")
    if day not in WEEKDAYS:
        raise _Bad(f"day 应为 mon…sun，实际为 {_show(day)}")
    start, end = _interval(entry)
    # A co-teaching lesson led online (a cover: the lead teaches from wherever she is) has no lead class.
    campus = _campus(entry, scope, online=kind in ("research", "coteach"))
    classes = tuple(_known(c, scope.classes, "班级") for c in _codes(entry, "classes"))
    teachers = tuple(_known(t, scope.teachers, "教师") for t in _codes(entry, "teachers"))
    remote_entries = entry.get("remote", [])
    if kind != "coteach" and remote_entries:
        raise _Bad("只有同步课堂（coteach）可以有 remote")
    if kind == "lesson" and (len(classes) != 1 or len(teachers) != 1):
        raise _Bad("一节课应恰好有一个班级和一位教师")
    if kind == "research":
        _known(code, scope.groups, "教研组")
        if classes:
            raise _Bad("教研活动不应列出班级")
    remote: tuple[Remote, ...] = ()
    if kind == "coteach":
        if not isinstance(remote_entries, list) or not remote_entries:
            raise _Bad("同步课堂的 remote 应为非空列表")
        remote = tuple(_remote(r, scope) for r in remote_entries)
        if not classes or not teachers:
            raise _Bad("同步课堂应列出主讲班级和主讲教师")
        if campus == ONLINE:
            if sorted(classes) != sorted(r.class_ for r in remote):
                raise _Bad("线上主讲的同步课堂没有主讲班级：classes 应与 remote 中的班级一一对应")
            classes = ()
        elif sorted(classes[1:]) != sorted(r.class_ for r in remote):
            raise _Bad("classes 除第一个（主讲班级）外应与 remote 中的班级一一对应")
        if not set(teachers[1:]) <= {r.assistant for r in remote}:
            raise _Bad("teachers 除第一个（主讲教师）外只能是远端助教")
    double = entry.get("double")
    if double is not None and (kind == "research" or double not in ("first", "second")):
        raise _Bad(f"double 只能是课或同步课堂的 first 或 second，实际为 {_show(double)}")
    return Activity(kind, code, subject, day, start, end, campus, classes, teachers, remote, double)


def _unmet(entry: Any, scope: Scope) -> Unmet:
    if not isinstance(entry, dict):
        raise _Bad(f"应为对象，实际为 {_show(entry)}")
    class_ = _known(_text(entry, "class"), scope.classes, "班级")
    subject = _known(_text(entry, "subject"), scope.subjects, "学科")
    periods = entry.get("periods")
    if not isinstance(periods, int) or isinstance(periods, bool) or periods < 0:
        raise _Bad(f"periods 应为非负整数，实际为 {_show(periods)}")
    return Unmet(class_, subject, periods)


def _entries(plan: dict[str, Any], key: str, problems: list[Violation]) -> list[Any]:
    value = plan.get(key, [])
    if isinstance(value, list):
        return value
    problems.append(Violation(MALFORMED, f"计划的 {key} 应为列表，实际为 {_show(value)}，已忽略"))
    return []


def _header(plan: dict[str, Any], scope: Scope, term: str) -> list[Violation]:
    problems = []
    if "format" in plan and plan["format"] != PLAN_FORMAT:
        problems.append(Violation(MALFORMED, f"计划格式应为 {PLAN_FORMAT}，实际为 {_show(plan['format'])}"))
    community = scope.community.code
    if "community" in plan and plan["community"] != community:
        problems.append(Violation(MALFORMED, f"计划属于教共体 {_show(plan['community'])}，不是 {community}"))
    if term not in scope.terms:
        problems.append(Violation(MALFORMED, f"数据集中没有学期 {term}"))
    if "term" in plan and plan["term"] != term:
        problems.append(Violation(MALFORMED, f"计划属于学期 {_show(plan['term'])}，不是 {term}"))
    return problems


def parse_plan(plan: Any, scope: Scope, term: str) -> Plan:
    """The usable activities and unmet entries of a plan, and a rule-0 violation for each unusable one."""
    if not isinstance(plan, dict):
        return Plan((), (), (Violation(MALFORMED, f"计划应为 JSON 对象，实际为 {_show(plan)}"),))
    problems = _header(plan, scope, term)
    activities, unmet = [], []
    for i, entry in enumerate(_entries(plan, "activities", problems), 1):
        try:
            activities.append(_activity(entry, scope))
        except _Bad as bad:
            code = entry.get("code") if isinstance(entry, dict) else None
            named = f"（{code}）" if isinstance(code, str) else ""
            problems.append(Violation(MALFORMED, f"第 {i} 个活动{named}：{bad}，已跳过该活动",
                                      (code,) if isinstance(code, str) else ()))
    for i, entry in enumerate(_entries(plan, "unmet", problems), 1):
        try:
            unmet.append(_unmet(entry, scope))
        except _Bad as bad:
            problems.append(Violation(MALFORMED, f"unmet 第 {i} 项：{bad}，已跳过"))
    return Plan(tuple(activities), tuple(unmet), tuple(problems))
