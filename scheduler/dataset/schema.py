"""Pydantic models of the `tongpan-dataset/1` document (see shared/spec/dataset.md).

Every model allows unknown keys: the spec says they are ignored with a warning
but never dropped from an export of the same version, so they ride along in
`model_extra` and end up in the database's `extra` columns.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

FORMAT = "tongpan-dataset/1"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_CODE = re.compile(r"^[A-Za-z0-9._-]+$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


# A line break inside a name is an Excel Alt+Enter cell (`汪莉莉⏎（代课）`): the user meant a space.
_LINE_BREAK = re.compile(r"\s*(?:\r\n|[\r\n\v\f\t\x85\u2028\u2029])\s*")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(value: str) -> str | None:
    """How to name the first character a stored text may not hold (a control character or a lone
    surrogate, which no database or calendar can carry), or None."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    label = {"\x00": "空字符 NUL", "\r": "回车符 CR", "\n": "换行符 LF", "\t": "制表符 TAB"}.get(char)
    if label is None:
        label = "无效的 Unicode 代理字符" if unicodedata.category(char) == "Cs" else "控制字符"
    return f"{label}（U+{ord(char):04X}）"


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def unstorable(value: str) -> str | None:
    """The NUL or lone surrogate in a text (PostgreSQL and UTF-8 cannot hold them), named; or None.
    Unknown keys are kept as they are, but not these."""
    return forbidden_character(value) if _UNSTORABLE.search(value) else None


def _name(value: str) -> str:
    """Names and free text shown to people and written into calendars: line breaks and tabs become one
    space; any other control character is refused."""
    value = _LINE_BREAK.sub(" ", value).strip()
    bad = forbidden_character(value)
    if bad is not None:
        raise ValueError(f"不能包含{bad}")
    return value


def _code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise ValueError("代码只能包含字母、数字、-、_、.，且不能为空")
    return value


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("时间格式应为 HH:MM（如 08:40）")
    return value


def _iso_date(value: Any) -> Any:
    """Accept only ISO `YYYY-MM-DD` strings (and dates), never numbers or datetimes."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("不是有效的日期") from None
    raise ValueError("日期格式应为 YYYY-MM-DD")


def _url(value: str) -> str:
    """A link a phone can open: http(s), no spaces (腾讯会议, 钉钉, 希沃 rooms all have one)."""
    if not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", value):
        raise ValueError("会议链接应以 http:// 或 https:// 开头，且不含空格")
    return value


TEMPLATE_FIELDS = ("county", "community", "activity", "key")


def _url_template(value: str) -> str:
    """A meeting-link template: a URL with only the placeholders feeds fill in."""
    try:
        filled = value.format(**{name: "x" for name in TEMPLATE_FIELDS})
    except (KeyError, IndexError, ValueError):
        raise ValueError("会议链接模板只能使用 {county}、{community}、{activity}、{key} 这几个占位符") from None
    _url(filled)
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"未知的时区 {value!r}（例如 Asia/Shanghai）") from None
    return value


Code = Annotated[str, AfterValidator(_code)]
Url = Annotated[str, AfterValidator(_url)]
Name = Annotated[str, AfterValidator(_name)]
HHMM = Annotated[str, AfterValidator(_hhmm)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Grade = Annotated[int, Field(ge=1, le=9)]
NonNegative = Annotated[int, Field(ge=0)]


class Entry(BaseModel):
    """Base of every object in the document: unknown keys are kept, not rejected."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, str_strip_whitespace=True)


Share = Annotated[float, Field(ge=0, le=1)]


class CountyTargets(Entry):
    """County-level policy goals the report measures against (shares are fractions)."""

    deep_share: Share = 0.8  # fusion + co-construction communities among all


class Exemption(Entry):
    teacher: Code
    reason: Name


class RotationRules(Entry):
    """The annual rotation (交流轮岗) settings, defaulting to the national rule (教师〔2014〕4号)."""

    eligible_years: Annotated[int, Field(ge=1)] = 6  # years at one school that make a teacher eligible
    share: Share = 0.1  # of the eligible teachers of a sending school, rotating each year
    backbone_share: Share = 0.2  # of 骨干 among those rotating
    term_years: Annotated[int, Field(ge=1)] = 3  # a rotation lasts this many school years
    across_communities: bool = False  # may a teacher go to a member school of another community
    exemptions: list[Exemption] = []


class FeedSettings(Entry):
    """How the county's calendar feeds read (see docs/decisions.md, Calendar feeds).

    `meeting_url`: the link template of online events whose co-teaching link or
    research group has no `meeting_url` of its own (`{county}`, `{community}`,
    `{activity}`, `{key}`); without one such events say 线上（会议链接由学校提供）.
    `travel_events`: a 【路程】 event before each change of campus in teachers' feeds.
    """

    meeting_url: Annotated[str, AfterValidator(_url_template)] | None = None
    travel_events: bool = True


class County(Entry):
    code: Code
    name: Name
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"
    targets: CountyTargets | None = None
    rotation_rules: RotationRules | None = None
    feeds: FeedSettings | None = None

    @property
    def feed_settings(self) -> FeedSettings:
        return self.feeds or FeedSettings()

    @property
    def goals(self) -> CountyTargets:
        return self.targets or CountyTargets()

    @property
    def rotation(self) -> RotationRules:
        return self.rotation_rules or RotationRules()


class DayOff(Entry):
    date: IsoDate
    reason: Name = ""


class FollowedDay(Entry):
    date: IsoDate
    follows: Weekday
    reason: Name = ""


class StatutoryOverrides(Entry):
    holidays: list[IsoDate] = []
    workdays: list[IsoDate] = []


class Term(Entry):
    code: Code
    name: Name
    start: IsoDate
    end: IsoDate
    statutory_calendar: Literal["cn", "none"] = "cn"
    extra_days_off: list[DayOff] = []
    makeup_days: list[FollowedDay] = []
    extra_school_days: list[FollowedDay] = []
    statutory_overrides: StatutoryOverrides | None = None


class Subject(Entry):
    code: Code
    name: Name


class Period(Entry):
    n: Annotated[int, Field(ge=1)]
    start: HHMM
    end: HHMM


class BellSchedule(Entry):
    code: Code
    days: list[Weekday] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    periods: Annotated[list[Period], Field(min_length=1)]


Area = Literal["urban", "town", "rural"]


class Campus(Entry):
    code: Code
    name: Name
    lat: float | None = None
    lon: float | None = None
    bell_schedule: Code
    area: Area | None = None
    small: bool | None = None
    boarding: bool | None = None
    address: Name | None = None


class School(Entry):
    code: Code
    name: Name
    area: Area
    small: bool = False
    boarding: bool = False
    weak: bool = False
    campuses: Annotated[list[Campus], Field(min_length=1)]


class Travel(Entry):
    from_: Code = Field(alias="from")
    to: Code
    minutes: NonNegative


class Targets(Entry):
    coteach_subjects: NonNegative = 2
    coteach_lessons: NonNegative = 20
    online_research: NonNegative = 8
    onsite_research: NonNegative = 4
    period: Literal["school_year", "term"] = "school_year"


class Rules(Entry):
    max_campuses_per_day: Annotated[int, Field(ge=1)] = 2
    coteach_start_tolerance_minutes: NonNegative = 10
    # The longest break the two periods of a double (连堂) may straddle: 大课间 yes, lunch no.
    double_max_break_minutes: NonNegative | None = None


class Community(Entry):
    code: Code
    name: Name
    model: Literal["fusion", "co_construction", "collaboration"]
    core_school: Code
    members: list[Code] = []
    targets: Targets = Field(default_factory=Targets)
    rules: Rules = Field(default_factory=Rules)


class Qualification(Entry):
    subject: Code
    grades: Annotated[list[Grade], Field(min_length=1)]


class Unavailable(Entry):
    day: Weekday
    periods: list[Annotated[int, Field(ge=1)]] | None = None


class RotationStint(Entry):
    """A rotation a teacher served or serves: at `school` from school year `from` until `to` (exclusive).

    School years are named by the calendar year they start in (2027 = 2027学年);
    `home` is the school the teacher came from and returns to.
    """

    school: Code
    from_: int = Field(alias="from")
    to: int
    home: Code | None = None


class Teacher(Entry):
    code: Code
    name: Name
    school: Code
    campus: Code
    subjects: list[Qualification] = []
    max_periods_per_week: NonNegative
    backbone: bool = False
    can_travel: bool = True
    exchange: bool = False
    unavailable: list[Unavailable] = []
    max_days_per_week: Annotated[int, Field(ge=1, le=7)] | None = None  # days with lessons (FET's limit)
    school_since: int | None = None  # the (calendar) year the teacher joined their school
    rotation: list[RotationStint] | None = None
    preferences: list[Code] | None = None  # member schools the teacher would rotate to, first choice first


class SchoolClass(Entry):
    code: Code
    name: Name
    campus: Code
    grade: Grade
    students: NonNegative | None = None
    unavailable: list[Unavailable] | None = None  # periods of the class's bell it has no lessons in


class CurriculumLine(Entry):
    grades: Annotated[list[Grade], Field(min_length=1)]
    subject: Code
    periods_per_week: NonNegative
    double_periods: NonNegative | None = None  # pairs of consecutive periods (连堂) among them


class CurriculumOverride(Entry):
    class_: Code = Field(alias="class")
    subject: Code
    periods_per_week: NonNegative
    double_periods: NonNegative | None = None  # absent: the grade's doubles, as many as still fit
    allowed: list[Unavailable] | None = None  # the only periods its lessons may be in (day, periods)
    min_days_apart: Annotated[int, Field(ge=1, le=6)] | None = None  # lessons (a double as one) on days this far apart


class Staffing(Entry):
    class_: Code = Field(alias="class")
    subject: Code
    teacher: Code
    locked: bool = True


class Coteaching(Entry):
    code: Code
    subject: Code
    lead_teacher: Code
    lead_class: Code
    remote_classes: Annotated[list[Code], Field(min_length=1)]
    lessons_per_week: Annotated[int, Field(ge=1)] = 1
    meeting_url: Url | None = None


class PreferredTime(Entry):
    day: Weekday
    after: HHMM | None = None
    before: HHMM | None = None


class ResearchGroup(Entry):
    code: Code
    name: Name
    community: Code
    subject: Code
    grades: list[Grade] = []
    mode: Literal["online", "onsite"]
    minutes: Annotated[int, Field(ge=1)]
    per_week: Annotated[int, Field(ge=1)] = 1
    host_campus: Code | None = None
    preferred: list[PreferredTime] = []
    teachers: Literal["auto"] | list[Code] = "auto"
    meeting_url: Url | None = None


class Dataset(Entry):
    format: Literal["tongpan-dataset/1"]
    county: County
    terms: list[Term] = []
    subjects: list[Subject] = []
    bell_schedules: list[BellSchedule] = []
    schools: list[School] = []
    travel_minutes: list[Travel] = []
    communities: list[Community] = []
    teachers: list[Teacher] = []
    classes: list[SchoolClass] = []
    curriculum: list[CurriculumLine] = []
    curriculum_overrides: list[CurriculumOverride] = []
    staffing: list[Staffing] = []
    coteaching: list[Coteaching] = []
    research_groups: list[ResearchGroup] = []


def dump(entry: BaseModel) -> dict[str, Any]:
    """The canonical JSON form of an entry: aliases, ISO dates, absent optionals left out."""
    return entry.model_dump(mode="json", by_alias=True, exclude_none=True)


def minutes(hhmm: str) -> int:
    """Minutes since midnight of a validated `HH:MM` time."""
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)
