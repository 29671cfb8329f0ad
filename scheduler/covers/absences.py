"""Absences: a teacher away for days, a half day or some periods, and the dated occurrences that misses.

An absence is a record of fact; recording one changes no plan and no feed. It
lists what it affects (lessons, co-teaching as lead or assistant, research
meetings) so the office sees at once what needs a cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from scheduler.covers.days import DayPlans, minutes, school_day, terms_on
from scheduler.covers.models import Absence
from scheduler.dataset.schema import Dataset, Teacher

NOON = 12 * 60
HALF_NAMES = {"am": "上午", "pm": "下午"}
ROLE_NAMES = {"teach": "任课", "lead": "同步课堂主讲", "assist": "同步课堂助教", "attend": "参加教研"}


class AbsenceError(ValueError):
    """Bad input for an absence or disruption (Chinese, names the field); nothing is recorded."""


@dataclass(frozen=True)
class Affected:
    """One dated occurrence a teacher misses, seen from the teacher's side."""

    date: date
    community: str
    term: str
    follows: str
    entry: dict[str, Any]
    teacher: str
    role: str  # teach | lead | assist | attend
    campus: str  # where the teacher would have been (online for online participation)
    start: str
    end: str
    cause: str = "absence"  # absence | cut_off (a campus nobody can reach) | closed (a campus closed to pupils)

    def describe(self) -> str:
        what = self.entry["code"] if self.entry["kind"] != "lesson" else "、".join(self.entry["classes"])
        return (f"{self.date.isoformat()} {self.start}-{self.end} {ROLE_NAMES[self.role]} "
                f"{self.entry['subject']} {what}（{self.campus}）")


def community_of(ds: Dataset, school: str) -> str | None:
    return next((c.code for c in ds.communities if school == c.core_school or school in c.members), None)


def find_teacher(ds: Dataset, code: str) -> Teacher:
    teacher = next((t for t in ds.teachers if t.code == code), None)
    if teacher is None:
        raise AbsenceError(f"--teacher：没有教师 {code}")
    return teacher


def check_span(start: date, end: date | None, half: str | None, periods: list[int] | None) -> date:
    """The last date of a span; refuses an end before the start, or both a half day and periods."""
    end = end or start
    if end < start:
        raise AbsenceError(f"--to：结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
    if half is not None and half not in HALF_NAMES:
        raise AbsenceError(f"--half：应为 am（上午）或 pm（下午），而不是 {half}")
    if half is not None and periods:
        raise AbsenceError("--half 与 --periods 只能指定其一")
    if periods is not None and (not periods or any(p < 1 for p in periods)):
        raise AbsenceError("--periods：应为节次编号，如 3,4")
    return end


def period_times(ds: Dataset, campus: str, numbers: list[int]) -> list[tuple[int, int]]:
    """Clock minutes of the given periods in the campus's bell."""
    bell_code = next(c.bell_schedule for s in ds.schools for c in s.campuses if c.code == campus)
    bell = next(b for b in ds.bell_schedules if b.code == bell_code)
    return [(minutes(p.start), minutes(p.end)) for p in bell.periods if p.n in numbers]


def within(start: str, end: str, half: str | None, windows: list[tuple[int, int]] | None) -> bool:
    """Whether an occurrence at [start, end) falls in the absent part of the day."""
    s, e = minutes(start), minutes(end)
    if windows is not None:
        return any(s < we and ws < e for ws, we in windows)
    if half == "am":
        return s < NOON
    if half == "pm":
        return s >= NOON
    return True


def teacher_roles(entry: dict[str, Any], teacher: str) -> list[tuple[str, str, str, str]]:
    """(role, campus, start, end) of each part of an activity the teacher takes."""
    found = []
    if teacher in entry["teachers"]:
        role = {"lesson": "teach", "coteach": "lead", "research": "attend"}[entry["kind"]]
        found.append((role, entry["campus"], entry["start"], entry["end"]))
    for r in entry.get("remote", []):
        if r.get("assistant") == teacher:
            found.append(("assist", r["campus"], r["start"], r["end"]))
    return found


def dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def affected_for(session: Session, ds: Dataset, teacher: str, start: date, end: date, half: str | None,
                 periods: list[int] | None, days: DayPlans | None = None) -> list[Affected]:
    """Every dated occurrence of the published plans the teacher takes part in within the span."""
    t = find_teacher(ds, teacher)
    community = community_of(ds, t.school)
    if community is None:
        return []
    days = days or DayPlans(session, ds)
    windows = period_times(ds, t.campus, periods) if periods else None
    found: list[Affected] = []
    for day in dates(start, end):
        for term in terms_on(ds, day):
            sday = school_day(term, day)
            if sday is None:
                continue
            for entry in days.get(community, term, sday).activities:
                for role, campus, s, e in teacher_roles(entry, teacher):
                    if within(s, e, half, windows):
                        found.append(Affected(day, community, term.code, sday.follows, entry, teacher, role,
                                              campus, s, e))
    found.sort(key=lambda a: (a.date, a.start, a.entry["code"]))
    return found


def affected(session: Session, ds: Dataset, absence: Absence, days: DayPlans | None = None) -> list[Affected]:
    """What an absence affects; share `days` between the absences of one batch."""
    return affected_for(session, ds, absence.teacher_code, absence.start_date, absence.end_date, absence.half,
                        absence.periods, days)


def record_absence(session: Session, ds: Dataset, teacher: str, start: date, end: date | None = None, *,
                   half: str | None = None, periods: list[int] | None = None, reason: str, by: str = "",
                   now: datetime) -> Absence:
    """Validate and store an absence; raises AbsenceError (nothing stored) on bad input."""
    find_teacher(ds, teacher)
    last = check_span(start, end, half, periods)
    if not reason.strip():
        raise AbsenceError("--reason：请写明缺勤原因（病假、事假、培训、公差……）")
    if not terms_on(ds, start) and not terms_on(ds, last):
        raise AbsenceError(f"--from：{start.isoformat()} 不在任何学期内")
    absence = Absence(teacher_code=teacher, start_date=start, end_date=last, half=half,
                      periods=sorted(set(periods)) if periods else None, reason=reason.strip(), created_at=now,
                      created_by=by)
    session.add(absence)
    session.flush()
    return absence
