"""The dated school days of a term.

Lessons are planned per weekday, but teachers' calendars need dates: statutory
holidays (chinesecalendar, or the dataset's own overrides for a year the
package does not know) are off, statutory make-up workdays (调休上班日) are
school days that borrow some weekday's timetable, and schools add days off and
school days of their own. Every refusal is a CalendarError in Chinese that
tells the timetable office what to add to the dataset.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# A festival's make-up workdays and in-lieu rest days lie at most a few weeks
# apart (16 days in 2004-2026), while two occurrences of one festival are
# about a year apart; any gap in between separates them safely.
_FESTIVAL_GAP = timedelta(days=45)


@dataclass(frozen=True)
class DatedNote:
    date: date
    reason: str = ""


@dataclass(frozen=True)
class FollowedDay:
    date: date
    follows: str
    reason: str = ""


@dataclass(frozen=True)
class TermCalendar:
    code: str
    start: date
    end: date
    statutory_calendar: str = "cn"
    extra_days_off: tuple[DatedNote, ...] = ()
    makeup_days: tuple[FollowedDay, ...] = ()
    extra_school_days: tuple[FollowedDay, ...] = ()
    override_holidays: tuple[date, ...] = ()
    override_workdays: tuple[date, ...] = ()


@dataclass(frozen=True)
class SchoolDay:
    date: date
    follows: str
    kind: str  # "regular", "makeup" or "extra"


class CalendarError(ValueError):
    """A term whose school days cannot be determined without more data.

    Subclasses ValueError so dataset validation can report it as bad input.
    """


@cache
def known_statutory_years() -> range:
    """Years chinesecalendar can answer for; outside them it raises NotImplementedError."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@cache
def _default_pairing() -> dict[date, date]:
    """Each package make-up workday mapped to the in-lieu rest day it works off.

    The State Council notices do not say which rest day a make-up workday
    pays for; pairing a festival's workdays and rest days in date order is
    the rule DESIGN.md fixes. A festival with more workdays than rest days
    leaves the last workdays unpaired, and the term must then name them.
    """
    marks: dict[str, list[tuple[date, bool]]] = defaultdict(list)
    for day, festival in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            marks[festival].append((day, True))
    for day, festival in chinese_calendar.in_lieu_days.items():
        marks[festival].append((day, False))

    pairing: dict[date, date] = {}

    def pair(group: list[tuple[date, bool]]) -> None:
        workdays = [day for day, is_workday in group if is_workday]
        rest_days = [day for day, is_workday in group if not is_workday]
        pairing.update(zip(workdays, rest_days))

    for festival_marks in marks.values():
        festival_marks.sort()
        group: list[tuple[date, bool]] = []
        for mark in festival_marks:
            if group and mark[0] - group[-1][0] > _FESTIVAL_GAP:
                pair(group)
                group = []
            group.append(mark)
        pair(group)
    return pairing


class _Statutory:
    """A term's statutory holidays and make-up workdays, package and overrides merged.

    An override always beats the package, so a dataset can correct a date
    the package has wrong as well as supply a year it lacks.
    """

    def __init__(self, term: TermCalendar) -> None:
        self.holidays = frozenset(term.override_holidays)
        self.workdays = frozenset(term.override_workdays)
        self.package = term.statutory_calendar == "cn"

    def _in_package(self, day: date) -> bool:
        return self.package and day.year in known_statutory_years()

    def is_holiday(self, day: date) -> bool:
        if day in self.workdays:
            return False
        if day in self.holidays:
            return True
        return self._in_package(day) and day in chinese_calendar.holidays

    def is_makeup(self, day: date) -> bool:
        """Weekday workdays are ordinary school days; only weekend ones borrow a timetable."""
        if day.weekday() < 5 or day in self.holidays:
            return False
        return day in self.workdays or (self._in_package(day) and day in chinese_calendar.workdays)

    def default_follows(self, day: date) -> str | None:
        if not self._in_package(day):
            return None
        rest_day = _default_pairing().get(day)
        return None if rest_day is None else WEEKDAYS[rest_day.weekday()]


def _check_term(term: TermCalendar) -> None:
    code = term.code
    if term.start > term.end:
        raise CalendarError(f"学期 {code} 的结束日期 {term.end} 早于开始日期 {term.start}")
    if term.statutory_calendar not in ("cn", "none"):
        raise CalendarError(
            f"学期 {code} 的 statutory_calendar 为 {term.statutory_calendar!r}，应为 \"cn\" 或 \"none\"")
    for field in ("makeup_days", "extra_school_days"):
        seen: set[date] = set()
        for entry in getattr(term, field):
            if entry.follows not in WEEKDAYS:
                raise CalendarError(
                    f"学期 {code} 的 {field} 中 {entry.date} 的 follows 为 {entry.follows!r}，"
                    f"应为 {'、'.join(WEEKDAYS)} 之一")
            if entry.date in seen:
                raise CalendarError(f"学期 {code} 的 {field} 重复列出 {entry.date}，请只保留一条")
            seen.add(entry.date)
    both = sorted(set(term.override_holidays) & set(term.override_workdays))
    if both:
        raise CalendarError(
            f"学期 {code} 的 statutory_overrides 把 {both[0]} 同时列入 holidays 和 workdays，请只保留其一")
    if term.statutory_calendar == "cn":
        supplied = {day.year for day in term.override_holidays}
        for year in range(term.start.year, term.end.year + 1):
            if year not in known_statutory_years() and year not in supplied:
                raise CalendarError(
                    f"学期 {code} 跨入 {year} 年，但 chinesecalendar 没有 {year} 年的法定节假日数据；"
                    f"请在该学期的 statutory_overrides 中列出 {year} 年的 holidays 和 workdays，"
                    f"例如 {{\"holidays\": [\"{year}-01-01\", …], \"workdays\": […]}}")


def school_days(term: TermCalendar) -> list[SchoolDay]:
    """Every day of the term that has lessons, and whose weekly timetable it uses.

    Entries dated outside the term are skipped here; dataset validation
    reports them with their path. A day off wins over everything, so a day
    off needs no other entry to be consistent.
    """
    _check_term(term)
    code = term.code
    statutory = _Statutory(term)
    days_off = {note.date for note in term.extra_days_off}
    makeup_follows = {entry.date: entry.follows for entry in term.makeup_days}
    extra_follows = {entry.date: entry.follows for entry in term.extra_school_days}

    result: list[SchoolDay] = []
    day = term.start
    while day <= term.end:
        label = f"{day}（{_WEEKDAY_NAMES[day.weekday()]}）"
        if day in days_off:
            pass
        elif statutory.is_holiday(day):
            if day in extra_follows:
                raise CalendarError(
                    f"学期 {code} 的 extra_school_days 中 {label}是法定节假日，不能安排上课；请删除该条")
            if day in makeup_follows:
                raise CalendarError(
                    f"学期 {code} 的 makeup_days 中 {label}是法定节假日，不是调休上班日；请删除该条")
        elif statutory.is_makeup(day):
            if day in extra_follows:
                raise CalendarError(
                    f"学期 {code} 的 extra_school_days 中 {label}已是法定调休上班日；"
                    f"请删除该条，改在 makeup_days 中写明它按哪一天的课表上课")
            follows = makeup_follows.get(day) or statutory.default_follows(day)
            if follows is None:
                raise CalendarError(
                    f"学期 {code} 中 {label}是法定调休上班日，但无法确定它按星期几的课表上课；"
                    f"请在该学期的 makeup_days 中加入 {{\"date\": \"{day}\", \"follows\": \"…\"}}"
                    f"（follows 填 mon～fri 之一）")
            result.append(SchoolDay(day, follows, "makeup"))
        elif day.weekday() < 5:
            for field, listed in (("extra_school_days", extra_follows), ("makeup_days", makeup_follows)):
                if day in listed:
                    raise CalendarError(
                        f"学期 {code} 的 {field} 中 {label}本来就是上课日，不是增加或调休的上课日；请删除该条")
            result.append(SchoolDay(day, WEEKDAYS[day.weekday()], "regular"))
        elif day in makeup_follows:
            raise CalendarError(
                f"学期 {code} 的 makeup_days 中 {label}不是法定调休上班日；"
                f"学校自行增加的上课日请列入 extra_school_days")
        elif day in extra_follows:
            result.append(SchoolDay(day, extra_follows[day], "extra"))
        day += timedelta(days=1)
    return result
