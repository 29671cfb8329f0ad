"""The Excel workbook's layout: which sheet and column holds which part of a `tongpan-dataset/1` document.

One sheet per list of the document, one row per object. Nested lists that an
admin would rather fill row by row get sheets of their own and are joined back
by code: campuses (校区) to schools, bell periods (作息表) to their bell, a
term's special days (学期调整日) to the term. Short nested lists stay in one
cell with a small syntax (任教学科 `YW:1-3; SX:4,5`). Reader, writer, template
and the notes sheet are all driven by the table at the bottom of this module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from scheduler.dataset import schema as s
from scheduler.dataset.issues import Path
from scheduler.dataset.xlsx_cells import (
    GRADES, WEEKDAY_LIST, Boolean, Choice, ClockTime, Code, Codec, Codes, Integer, IsoDate,
    Members, Number, Preferred, Qualifications, RotationHistory, Unavailable, Weekday,
)


@dataclass(frozen=True)
class Column:
    """`key` is the JSON key in the row's object (dotted when nested), of its group for
    role "group", or a code that joins the row to its parent for role "link"."""

    key: str
    title: str
    codec: Codec
    note: str = ""
    role: Literal["field", "group", "link"] = "field"


@dataclass
class Row:
    """One sheet row split by role: the object it describes, its group's fields, its links."""

    item: dict[str, Any]
    group: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)


class RowError(Exception):
    """A row that cannot be put into the document; `key` names the column at fault."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class Placement(ABC):
    """Where a sheet's rows live in the document, both ways."""

    top: str | None  # the document key a whole sheet stands for, if any

    @abstractmethod
    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        """Put a row into the document; return its path and its group's path.

        `previous` is the group path of the sheet's row above, for sheets where a
        blank group code continues the group above (merged cells read that way).
        """

    @abstractmethod
    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        """The document's objects for this sheet, in document order."""

    @abstractmethod
    def location(self, column: Column) -> str:
        """Where a column's value lives in the JSON document, for the notes sheet."""

    def unfilled(self, document: dict[str, Any]) -> Iterator[tuple[Path, str]]:
        """Parents that this sheet must give rows to but did not: their list's path and code."""
        return iter(())


@dataclass(frozen=True)
class Single(Placement):
    """One object, one row: the county."""

    top: str

    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        if self.top in document:
            raise RowError(None, "此工作表只能填写一行")
        document[self.top] = row.item
        return (self.top,), None

    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        if self.top in document:
            yield Row(document[self.top])

    def location(self, column: Column) -> str:
        return f"{self.top}.{column.key}"


@dataclass(frozen=True)
class TopList(Placement):
    top: str

    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        items = document.setdefault(self.top, [])
        items.append(row.item)
        return (self.top, len(items) - 1), None

    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        for item in document.get(self.top, []):
            yield Row(item)

    def location(self, column: Column) -> str:
        return f"{self.top}[].{column.key}"


@dataclass(frozen=True)
class Grouped(Placement):
    """Rows are the group's children (periods); rows with the same code form one group (bell)."""

    top: str
    child: str
    noun: str

    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        groups: list[dict[str, Any]] = document.setdefault(self.top, [])
        code = row.group.get("code")
        if code is None:
            if previous is None:
                raise RowError("code", "不能为空")
            index = int(previous[1])
        else:
            index = next((i for i, g in enumerate(groups) if g["code"] == code), len(groups))
            if index == len(groups):
                groups.append({"code": code, self.child: []})
        group = groups[index]
        for key, value in row.group.items():
            if group.setdefault(key, value) != value:
                raise RowError(key, f"与同一{self.noun}前面的行填写的不一致")
        group[self.child].append(row.item)
        return (self.top, index, self.child, len(group[self.child]) - 1), (self.top, index)

    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        for group in document.get(self.top, []):
            fields = {k: v for k, v in group.items() if k != self.child}
            for item in group.get(self.child, []):
                yield Row(item, fields)

    def location(self, column: Column) -> str:
        inner = "" if column.role == "group" else f"{self.child}[]."
        return f"{self.top}[].{inner}{column.key}"


@dataclass(frozen=True)
class CountyList(Placement):
    """Rows of a list inside the county object (the rotation exemptions), one row each."""

    path: tuple[str, ...]  # inside `county`, e.g. ("rotation_rules", "exemptions")
    top: ClassVar[None] = None

    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        if "county" not in document:
            raise RowError(None, "请先在工作表「县」中填写本县")
        holder = document["county"]
        for key in self.path[:-1]:
            holder = holder.setdefault(key, {})
        items = holder.setdefault(self.path[-1], [])
        items.append(row.item)
        return ("county", *self.path, len(items) - 1), None

    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        holder: Any = document.get("county", {})
        for key in self.path:
            holder = holder.get(key) or {} if isinstance(holder, dict) else {}
        for item in holder or []:
            yield Row(item)

    def location(self, column: Column) -> str:
        return f"county.{'.'.join(self.path)}[].{column.key}"


@dataclass(frozen=True)
class _Joined(Placement, ABC):
    """Rows that belong inside a parent object of another sheet, joined by the parent's code."""

    top: ClassVar[None] = None
    parent: str
    parent_title: str
    link: str

    def _parent(self, document: dict[str, Any], row: Row) -> tuple[int, dict[str, Any]]:
        code = row.links.get(self.link)
        if code is None:
            raise RowError(self.link, "不能为空")
        found = next(((i, p) for i, p in enumerate(document.get(self.parent, [])) if p.get("code") == code), None)
        if found is None:
            raise RowError(self.link, f"工作表「{self.parent_title}」中没有代码为 {code} 的行")
        return found


@dataclass(frozen=True)
class Children(_Joined):
    """Objects of one list inside the parent: campuses of a school."""

    child: str
    parent_model: type[BaseModel]

    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        index, parent = self._parent(document, row)
        items = parent.setdefault(self.child, [])
        items.append(row.item)
        return (self.parent, index, self.child, len(items) - 1), None

    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        for parent in document.get(self.parent, []):
            for item in parent.get(self.child, []):
                yield Row(item, links={self.link: parent["code"]})

    def unfilled(self, document: dict[str, Any]) -> Iterator[tuple[Path, str]]:
        if self.parent_model.model_fields[self.child].is_required():
            for index, parent in enumerate(document.get(self.parent, [])):
                if self.child not in parent:
                    yield (self.parent, index, self.child), parent.get("code", "")

    def location(self, column: Column) -> str:
        inner = "" if column.role == "link" else f"{self.child}[]."
        return f"{self.parent}[].{inner}{'code' if column.role == 'link' else column.key}"


# A term's lists of special days, by the 类型 that selects them on the 学期调整日 sheet.
TERM_DAY_KINDS = {
    "extra_days_off": "停课日",
    "makeup_days": "调休上课日",
    "extra_school_days": "增加上课日",
    "statutory_overrides.holidays": "法定节假日",
    "statutory_overrides.workdays": "法定调休上班日",
}
# These lists hold bare dates, not objects.
DATE_LISTS = ("statutory_overrides.holidays", "statutory_overrides.workdays")


@dataclass(frozen=True)
class TermDays(_Joined):
    """A term's special days: the row's 类型 picks which of the term's day lists it joins."""

    kind: str

    def place(self, document: dict[str, Any], row: Row, previous: Path | None) -> tuple[Path, Path | None]:
        index, parent = self._parent(document, row)
        kind = row.links.get(self.kind)
        if kind is None:
            raise RowError(self.kind, "不能为空")
        *outer, last = kind.split(".")
        holder = parent
        for key in outer:
            holder = holder.setdefault(key, {})
        items = holder.setdefault(last, [])
        items.append(row.item.get("date") if kind in DATE_LISTS else row.item)
        return (self.parent, index, *outer, last, len(items) - 1), None

    def rows(self, document: dict[str, Any]) -> Iterator[Row]:
        for term in document.get(self.parent, []):
            for kind in TERM_DAY_KINDS:
                *outer, last = kind.split(".")
                holder = term
                for key in outer:
                    holder = holder.get(key) or {}
                for item in holder.get(last, []):
                    yield Row(item if isinstance(item, dict) else {"date": item},
                              links={self.link: term["code"], self.kind: kind})

    def location(self, column: Column) -> str:
        if column.key == self.kind:
            return " / ".join(f"{self.parent}[].{kind}" for kind in TERM_DAY_KINDS)
        if column.role == "link":
            return f"{self.parent}[].code"
        return f"{self.parent}[].<类型>[].{column.key}"


@dataclass(frozen=True)
class Sheet:
    title: str
    placement: Placement
    model: type[BaseModel]  # the object a row describes: required fields, defaults, unknown keys
    columns: tuple[Column, ...]
    note: str
    group_model: type[BaseModel] | None = None

    def schema_field(self, column: Column) -> tuple[bool, Any]:
        """Whether the schema requires a column's value, else its default (None if it has none)."""
        if column.role == "link":
            return True, None
        model: Any = self.group_model if column.role == "group" else self.model
        required, default = True, None
        for part in column.key.split("."):
            info = _field(model, part)
            if info is None:
                return False, None
            required = required and info.is_required()
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            model = info.annotation
        return required, default

    def known_keys(self) -> set[str]:
        """Keys of a row's object that are not unknown extras."""
        return {name if info.alias is None else info.alias for name, info in self.model.model_fields.items()} | {
            c.key.split(".")[0] for c in self.columns if c.role == "field"}


def _field(model: Any, key: str) -> FieldInfo | None:
    """The schema field a key names; an optional nested object (`FeedSettings | None`) is looked into."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        model = next((m for m in get_args(model) if isinstance(m, type) and issubclass(m, BaseModel)), None)
        if model is None:
            return None
    return next((info for name, info in model.model_fields.items() if (info.alias or name) == key), None)


# --------------------------------------------------------------------------
# The table

TEXT = Codec()
CODE = Code()
INT = Integer()
BOOL = Boolean()
DATE = IsoDate()
TIME = ClockTime()
AREA = Choice({"urban": "城区", "town": "镇区", "rural": "乡村"})


def _code(note: str = "全县唯一，导入时按代码更新") -> Column:
    return Column("code", "代码", CODE, note)


def _name(title: str = "名称") -> Column:
    return Column("name", title, TEXT)


SHEETS: tuple[Sheet, ...] = (
    Sheet("县", Single("county"), s.County, (
        Column("code", "代码", CODE, "行政区划代码，如 330521"),
        _name(),
        Column("timezone", "时区", TEXT, "一般不用改"),
        Column("feeds.meeting_url", "会议链接模板", TEXT,
               "本县线上会议平台的链接模板，可用 {community}、{activity}、{key}；同步课堂或教研组自己填了会议链接时以其为准；"
               "不填则线上活动显示「线上（会议链接由学校提供）」"),
        Column("feeds.travel_events", "日历显示路程", BOOL, "「是」：教师日历在换校区前显示【路程】提醒（默认）"),
        Column("targets.deep_share", "目标：融合型和共建型教共体占比", Number(), "如 0.8 表示 80%；不填为 0.8"),
        Column("rotation_rules.eligible_years", "交流：同校任教满几年可交流", INT, "不填为 6"),
        Column("rotation_rules.share", "交流：每年交流比例", Number(), "占符合条件教师的比例，如 0.1；不填为 0.1"),
        Column("rotation_rules.backbone_share", "交流：骨干教师比例", Number(), "占交流教师的比例，如 0.2；不填为 0.2"),
        Column("rotation_rules.term_years", "交流：每轮年限", INT, "不填为 3"),
        Column("rotation_rules.across_communities", "交流：可到其他教共体", BOOL, "不填为「否」"),
    ), "本县基本信息，只填一行。交流轮岗的豁免教师填在「交流豁免」表。"),
    Sheet("学期", TopList("terms"), s.Term, (
        _code("如 2026-1"),
        _name(),
        Column("start", "开始日期", DATE),
        Column("end", "结束日期", DATE),
        Column("statutory_calendar", "节假日日历", Choice({"cn": "国家法定", "none": "仅按调整日"}),
               "「国家法定」自动取国家公布的节假日和调休；「仅按调整日」只认「学期调整日」表里列出的日子"),
    ), "每个学期一行。学期内的停课日、调休上课日等填在「学期调整日」表。"),
    Sheet("学期调整日", TermDays("terms", "学期", "term", "kind"), s.DayOff, (
        Column("term", "学期", CODE, "学期代码", "link"),
        Column("kind", "类型", Choice(TERM_DAY_KINDS),
               "停课日：学校自行放假；调休上课日：法定调休上班日按哪天课表上课；增加上课日：学校自行加的上课日；"
               "法定节假日、法定调休上班日：补充或更正国家日历（国家日历尚未公布的年份必须填写）", "link"),
        Column("date", "日期", DATE),
        Column("follows", "按星期几", Weekday(), "调休上课日、增加上课日必填：这一天按星期几的课表上课"),
        Column("reason", "原因", TEXT, "如 秋假、运动会；法定节假日、法定调休上班日不填"),
    ), "学期内的特殊日子，每天一行。"),
    Sheet("学科", TopList("subjects"), s.Subject, (_code("如 YW"), _name()), "每个学科一行。"),
    Sheet("作息表", Grouped("bell_schedules", "periods", "作息表"), s.Period, (
        Column("code", "作息表代码", CODE, "同一作息表的各节填同一代码；留空表示与上一行相同", "group"),
        Column("days", "适用星期", WEEKDAY_LIST, "同一作息表只需在第一行填写", "group"),
        Column("n", "节次", INT, "第几节，从 1 开始递增"),
        Column("start", "开始", TIME),
        Column("end", "结束", TIME),
    ), "每个作息表的每一节一行。", s.BellSchedule),
    Sheet("学校", TopList("schools"), s.School, (
        _code(),
        _name(),
        Column("area", "地区类型", AREA),
        Column("small", "小规模学校", BOOL, "学生不足 100 人"),
        Column("boarding", "寄宿制", BOOL),
        Column("weak", "薄弱学校", BOOL),
    ), "每所学校一行；学校的校区填在「校区」表，每所学校至少一个校区。"),
    Sheet("校区", Children("schools", "学校", "school", "campuses", s.School), s.Campus, (
        Column("school", "所属学校", CODE, "学校代码", "link"),
        _code(),
        _name(),
        Column("lat", "纬度", Number(), "用于估算没有填写通勤时间的两校区之间的路程"),
        Column("lon", "经度", Number()),
        Column("bell_schedule", "作息表", CODE, "作息表代码"),
        Column("area", "地区类型", AREA, "与所属学校不同时填写（如融合后的乡村校区）"),
        Column("small", "小规模学校", BOOL, "与所属学校不同时填写"),
        Column("boarding", "寄宿制", BOOL, "与所属学校不同时填写"),
        Column("address", "地址", TEXT, "显示在日历事件的说明里，方便走教教师导航"),
    ), "每个校区一行。"),
    Sheet("通勤时间", TopList("travel_minutes"), s.Travel, (
        Column("from", "起点校区", CODE, "校区代码"),
        Column("to", "终点校区", CODE, "校区代码"),
        Column("minutes", "分钟", INT),
    ), "两校区之间的单程时间，每对一行；只填一个方向即视为往返相同。未填的按经纬度估算。"),
    Sheet("教共体", TopList("communities"), s.Community, (
        _code(),
        _name(),
        Column("model", "类型", Choice({"fusion": "融合型", "co_construction": "共建型",
                                        "collaboration": "协作型"})),
        Column("core_school", "核心学校", CODE, "学校代码"),
        Column("members", "成员学校", Codes(), "学校代码，多个用逗号分隔；不含核心学校"),
        Column("targets.coteach_subjects", "目标：同步课堂学科数", INT),
        Column("targets.coteach_lessons", "目标：同步课堂节数", INT),
        Column("targets.online_research", "目标：线上教研次数", INT),
        Column("targets.onsite_research", "目标：线下教研次数", INT),
        Column("targets.period", "目标统计周期", Choice({"school_year": "学年", "term": "学期"})),
        Column("rules.max_campuses_per_day", "每天最多去几个校区", INT, "一位教师一天内上课的校区数上限"),
        Column("rules.coteach_start_tolerance_minutes", "同步课堂开课时差（分钟）", INT,
               "同步课堂各班开始时间最多相差几分钟"),
        Column("rules.double_max_break_minutes", "连堂可跨课间（分钟）", INT,
               "连堂的两节之间最长可隔几分钟；默认 30（可跨大课间，不跨午休）"),
    ), "每个教共体一行。一所学校只能属于一个教共体。"),
    Sheet("教师", TopList("teachers"), s.Teacher, (
        _code("全县唯一的教师代码（如 T0001），导入时按代码更新"),
        _name("姓名"),
        Column("school", "所属学校", CODE, "学校代码"),
        Column("campus", "所属校区", CODE, "校区代码"),
        Column("subjects", "任教学科", Qualifications(), "能教的学科和年级"),
        Column("max_periods_per_week", "周课时上限", INT, "含同步课堂主讲和助教，不含教研"),
        Column("backbone", "骨干教师", BOOL),
        Column("can_travel", "可跨校区上课", BOOL, "「否」表示只在本校区上课（教研活动除外）"),
        Column("exchange", "交流教师", BOOL, "共建型教共体的交流/支教教师，可到成员学校上课"),
        Column("unavailable", "不可排课时间", Unavailable()),
        Column("max_days_per_week", "每周上课天数上限", INT, "可不填；如 4 表示每周最多 4 天有课"),
        Column("school_since", "入校年份", INT, "到本校任教的年份，用于判断交流轮岗条件"),
        Column("rotation", "交流经历", RotationHistory(), "学年按开始的年份记，结束学年不含"),
        Column("preferences", "交流志愿学校", Codes(), "学校代码，按志愿先后，逗号分隔"),
    ), "每位教师一行。"),
    Sheet("交流豁免", CountyList(("rotation_rules", "exemptions")), s.Exemption, (
        Column("teacher", "教师", CODE, "教师代码"),
        Column("reason", "原因", TEXT, "如 孕期、临近退休"),
    ), "本年度不参加交流轮岗的教师及原因，每人一行。"),
    Sheet("班级", TopList("classes"), s.SchoolClass, (
        _code("如 DQ-MX-A-3-1"),
        _name(),
        Column("campus", "所属校区", CODE, "校区代码"),
        Column("grade", "年级", INT, "1–9"),
        Column("students", "学生数", INT),
        Column("unavailable", "不可排课时间", Unavailable(), "该班不上课的节次，可不填"),
    ), "每个班级一行。"),
    Sheet("课程计划", TopList("curriculum"), s.CurriculumLine, (
        Column("grades", "年级", GRADES),
        Column("subject", "学科", CODE, "学科代码"),
        Column("periods_per_week", "周课时", INT),
        Column("double_periods", "每周连堂次数", INT, "其中连续两节的次数（连堂），可不填"),
    ), "各年级各学科每周节数。"),
    Sheet("课程调整", TopList("curriculum_overrides"), s.CurriculumOverride, (
        Column("class", "班级", CODE, "班级代码"),
        Column("subject", "学科", CODE, "学科代码"),
        Column("periods_per_week", "周课时", INT),
        Column("double_periods", "每周连堂次数", INT, "不填则沿用课程计划中的连堂次数"),
        Column("allowed", "只排在这些时段", Unavailable(), "可不填；填写后该班该学科只排在这些节次"),
        Column("min_days_apart", "每次课至少相隔天数", INT, "可不填；如 2 表示每天最多一次，且两次课至少隔一天"),
    ), "个别班级与课程计划不同的周课时。"),
    Sheet("任课安排", TopList("staffing"), s.Staffing, (
        Column("class", "班级", CODE, "班级代码"),
        Column("subject", "学科", CODE, "学科代码"),
        Column("teacher", "教师", CODE, "教师代码"),
        Column("locked", "锁定", BOOL, "「否」表示只是优先考虑，排课时可以调整"),
    ), "已确定的任课教师；未列出的由排课程序安排。"),
    Sheet("同步课堂", TopList("coteaching"), s.Coteaching, (
        _code(),
        Column("subject", "学科", CODE, "学科代码"),
        Column("lead_teacher", "主讲教师", CODE, "教师代码"),
        Column("lead_class", "主讲班级", CODE, "班级代码"),
        Column("remote_classes", "远端班级", Codes(), "班级代码，多个用逗号分隔；须与主讲班级同年级、同一教共体"),
        Column("lessons_per_week", "每周节数", INT),
        Column("meeting_url", "会议链接", TEXT, "腾讯会议、钉钉、希沃等的固定会议室链接；不填用本县模板"),
    ), "希望开设的同步课堂；排课程序还可能按目标补充。"),
    Sheet("联合教研", TopList("research_groups"), s.ResearchGroup, (
        _code(),
        _name(),
        Column("community", "教共体", CODE, "教共体代码"),
        Column("subject", "学科", CODE, "学科代码"),
        Column("grades", "年级", GRADES, "不填表示不限年级"),
        Column("mode", "形式", Choice({"online": "线上", "onsite": "线下"})),
        Column("minutes", "时长（分钟）", INT),
        Column("per_week", "每周次数", INT),
        Column("host_campus", "承办校区", CODE, "线下教研的校区代码；不填由排课程序选择"),
        Column("preferred", "希望时间", Preferred(), "只是意愿，不是硬性要求"),
        Column("teachers", "参加教师", Members(),
               "「自动」表示教共体内能教该学科（任一所列年级）的全部教师"),
        Column("meeting_url", "会议链接", TEXT, "线上教研的固定会议室链接；不填用本县模板"),
    ), "每个教研组一行。"),
)

NOTES_TITLE = "说明"

GENERAL_NOTES = (
    "本工作簿与 JSON 格式 tongpan-dataset/1 内容相同，用 tongpan import 文件.xlsx 导入。",
    "每张工作表第 1 行是列名，请勿修改；从第 2 行起每行一条记录，空行会被跳过。列的顺序可以调整。",
    "代码只能包含字母、数字、-、_、.，在同一张表内不能重复；其他表用代码引用它。重新导入时按代码更新。",
    "代码、年级等列已设为「文本」格式，避免 Excel 把 2026-1、1-3 当作日期；如果列格式被改动，请改回「文本」。",
    "日期可填 Excel 日期或 2026-09-01；时间可填 Excel 时间或 08:40；是/否 列填「是」或「否」。",
    "不认识的列会原样保留，导入时给出提示。",
)
TEMPLATE_NOTE = "模板中的灰色数据是一套完整的示例，请改写或删除后再填写本县的数据。"

EXAMPLE: dict[str, Any] = {
    "format": s.FORMAT,
    "county": {"code": "330521", "name": "德清县", "timezone": "Asia/Shanghai",
               "feeds": {"meeting_url": "https://meeting.tencent.com/dm/{key}", "travel_events": True}},
    "terms": [{
        "code": "2026-1", "name": "2026学年第一学期", "start": "2026-09-01", "end": "2027-01-22",
        "statutory_calendar": "cn",
        "extra_days_off": [{"date": "2026-11-12", "reason": "秋假"}],
        "makeup_days": [{"date": "2026-10-10", "follows": "wed"}],
        "extra_school_days": [{"date": "2026-11-21", "follows": "fri", "reason": "运动会补课"}],
        "statutory_overrides": {"holidays": ["2027-01-01"], "workdays": []},
    }],
    "subjects": [
        {"code": "YW", "name": "语文"}, {"code": "SX", "name": "数学"},
        {"code": "YY", "name": "英语"}, {"code": "KX", "name": "科学"},
        {"code": "YS", "name": "艺术·音乐"}, {"code": "MS", "name": "艺术·美术"},
    ],
    "bell_schedules": [{
        "code": "primary", "days": ["mon", "tue", "wed", "thu", "fri"],
        "periods": [
            {"n": 1, "start": "08:40", "end": "09:20"}, {"n": 2, "start": "09:30", "end": "10:10"},
            {"n": 3, "start": "10:40", "end": "11:20"}, {"n": 4, "start": "11:30", "end": "12:10"},
            {"n": 5, "start": "13:30", "end": "14:10"}, {"n": 6, "start": "14:20", "end": "15:00"},
            {"n": 7, "start": "15:15", "end": "15:55"},
        ],
    }],
    "schools": [
        {"code": "DQ-WK", "name": "武康小学", "area": "urban", "small": False, "boarding": False, "weak": False,
         "campuses": [{"code": "DQ-WK-A", "name": "武康小学本部", "lat": 30.545, "lon": 119.955,
                       "bell_schedule": "primary", "address": "德清县武康街道永安街 1 号"}]},
        {"code": "DQ-MX", "name": "莫干山小学", "area": "rural", "small": True, "boarding": False, "weak": True,
         "campuses": [{"code": "DQ-MX-A", "name": "莫干山小学本部", "lat": 30.603, "lon": 119.872,
                       "bell_schedule": "primary"}]},
    ],
    "travel_minutes": [{"from": "DQ-WK-A", "to": "DQ-MX-A", "minutes": 25}],
    "communities": [{
        "code": "DQ-C01", "name": "武康小学教共体", "model": "fusion",
        "core_school": "DQ-WK", "members": ["DQ-MX"],
        "targets": {"coteach_subjects": 2, "coteach_lessons": 20, "online_research": 8, "onsite_research": 4,
                    "period": "school_year"},
        "rules": {"max_campuses_per_day": 2, "coteach_start_tolerance_minutes": 10},
    }],
    "teachers": [
        {"code": "T0001", "name": "王丽", "school": "DQ-WK", "campus": "DQ-WK-A",
         "subjects": [{"subject": "YS", "grades": [1, 2, 3, 4, 5, 6]}],
         "max_periods_per_week": 16, "backbone": True, "can_travel": True, "exchange": False,
         "unavailable": [{"day": "wed", "periods": [5, 6, 7]}], "school_since": 2015,
         "rotation": [{"school": "DQ-MX", "from": 2019, "to": 2022, "home": "DQ-WK"}], "preferences": ["DQ-MX"]},
        {"code": "T0102", "name": "李明", "school": "DQ-MX", "campus": "DQ-MX-A",
         "subjects": [{"subject": "YW", "grades": [3, 4]}, {"subject": "SX", "grades": [1, 2, 3]}],
         "max_periods_per_week": 14, "backbone": False, "can_travel": False, "exchange": False,
         "unavailable": [{"day": "fri"}]},
    ],
    "classes": [
        {"code": "DQ-WK-A-3-2", "name": "三(2)班", "campus": "DQ-WK-A", "grade": 3, "students": 42},
        {"code": "DQ-MX-A-3-1", "name": "三(1)班", "campus": "DQ-MX-A", "grade": 3, "students": 18},
    ],
    "curriculum": [
        {"grades": [3, 4], "subject": "YW", "periods_per_week": 7},
        {"grades": [3, 4], "subject": "YS", "periods_per_week": 2},
    ],
    "curriculum_overrides": [{"class": "DQ-MX-A-3-1", "subject": "YS", "periods_per_week": 1}],
    "staffing": [{"class": "DQ-MX-A-3-1", "subject": "YW", "teacher": "T0102", "locked": True}],
    "coteaching": [{
        "code": "CT-YS-3", "subject": "YS", "lead_teacher": "T0001", "lead_class": "DQ-WK-A-3-2",
        "remote_classes": ["DQ-MX-A-3-1"], "lessons_per_week": 1,
        "meeting_url": "https://meeting.tencent.com/dm/8XyZ2026wk",
    }],
    "research_groups": [{
        "code": "RG-SX-low", "name": "低段数学联合教研", "community": "DQ-C01", "subject": "SX",
        "grades": [1, 2, 3], "mode": "online", "minutes": 80, "per_week": 1, "host_campus": None,
        "preferred": [{"day": "wed", "after": "13:30", "before": "17:00"}], "teachers": "auto",
    }],
}
"""The template's example rows: the spec's example, completed so that it is a valid dataset."""
