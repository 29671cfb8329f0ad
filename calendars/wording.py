"""What an event says in Chinese: its title (SUMMARY), place (LOCATION) and description.

A title must tell apart what a teacher's calendar shows side by side: the same
class name at two schools (`音乐 · 五(1)班 · 新市小学` when the teacher teaches
at more than one campus), and the classes of a co-teaching lesson by their
school (`【同步课堂】英语 · 武康五(1)班 → 莫干山五(1)班`). The description
gives what a teacher needs on the way: period and clock time, the campus
address where known, who takes part, the reader's own role in shared
activities, and the meeting link. Nothing repeats what the event already says
(LOCATION names the campus; a teacher's own lesson needs no 任课教师 line), since
every byte counts against the feed size limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calendars.occurrences import Activity, Directory, Segment

KIND_LABELS = {"coteach": "【同步课堂】", "research": "【联合教研】", "travel": "【路程】"}
ROLE_NAMES = {"teach": "任课", "lead": "主讲", "assist": "助教", "attend": "参加"}
NO_LINK = "线上（会议链接由学校提供）"  # an online event without a meeting link of its own or a county template
_SCHOOL_SUFFIX = re.compile(r"(九年一贯制学校|中心小学|实验小学|小学|初级中学|实验中学|中学|学校)$")


def short_school(name: str) -> str:
    """`武康小学` → `武康`, the way teachers name a school in front of a class (`武康五(1)班`)."""
    return _SCHOOL_SUFFIX.sub("", name) or name


def summary(d: Directory, a: Activity, multi_campus: bool) -> str:
    """The title, after a dated override's label (【代课】…); `multi_campus`: a teacher of this lesson
    teaches at more than one campus."""
    return a.label + _title(d, a, multi_campus)


def _title(d: Directory, a: Activity, multi_campus: bool) -> str:
    if a.kind == "research":
        return KIND_LABELS["research"] + d.group_title(a.code)
    if a.kind == "coteach":
        sides = [f"{d.short_place(s.campus)}{d.classes.get(c, c)}" for s in a.segments for c in s.classes]
        if not a.segments[0].classes:  # an online cover: the lead teaches no class of her own
            return f"{KIND_LABELS['coteach']}{d.subject(a.subject)} · {'、'.join(sides)}"
        return f"{KIND_LABELS['coteach']}{d.subject(a.subject)} · {sides[0]} → {'、'.join(sides[1:])}"
    title = f"{d.subject(a.subject)} · {'、'.join(d.classes.get(c, c) for c in a.classes)}"
    return f"{title} · {d.place(a.segments[0].campus)}" if multi_campus else title


def location(d: Directory, campuses: Sequence[str], url: str | None) -> str:
    """The campus names where the feed's owner is; online events without a link say so."""
    return "、".join(NO_LINK if c == "online" and not url else d.place(c) for c in campuses)


def when(d: Directory, a: Activity, segment: Segment) -> str:
    """`第 3 节 10:40–11:20` for a lesson on its campus bell; the clock time for research meetings,
    which are not periods even when they start with one."""
    n = d.period(segment.campus, segment.start) if a.kind != "research" else None
    times = f"{segment.start}–{segment.end}"
    return f"第 {n} 节 {times}" if n is not None else times


def where(d: Directory, campus: str) -> list[str]:
    """The campus address, where the dataset has one (LOCATION already names the campus)."""
    address = d.addresses.get(campus)
    return [f"地址：{d.place(campus)}，{address}"] if address else []


def description(d: Directory, a: Activity, shown: Segment, role: str | None, url: str | None,
                online: bool) -> str:
    """Who, when and where, for the person reading the event in their calendar app."""
    def who(t: str) -> str:
        return d.teachers.get(t, t)

    lines = [when(d, a, shown), *where(d, shown.campus)]
    if a.kind == "lesson":
        if role != "teach":  # a teacher's own lesson needs no 任课教师 line
            lines.append(f"任课教师：{'、'.join(who(t) for t in a.teacher_codes)}")
    elif a.kind == "coteach":
        lines += [f"{ROLE_NAMES[r]}：{who(t)}（{'、'.join(d.classes.get(c, c) for c in s.classes)}，"
                  f"{d.place(s.campus)}）" for s in a.segments for t, r in s.roles]
    else:
        lines += [f"教研组：{d.groups.get(a.code, a.code)}",
                  f"参加教师：{'、'.join(who(t) for t in a.teacher_codes)}"]
    if role and role != "teach":  # 主讲 / 助教 / 参加: what the reader does in a shared activity
        lines.append(f"我的角色：{ROLE_NAMES[role]}")
    if online:
        lines.append(f"线上会议：{url}" if url else NO_LINK)
    return "\n".join(lines)
