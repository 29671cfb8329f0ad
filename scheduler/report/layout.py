"""The report's tables as rows of cells: one layout for the workbook, the PDF and the dashboard.

Each table is a title, Chinese column headings and rows of plain values
(numbers stay numbers; shares are fractions and marked as such), so that every
output shows the same figures and a test can compare any of them with the
report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scheduler.report.model import Report, Target

Value = str | int | float | None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headings: tuple[str, ...]
    rows: list[tuple[Value, ...]]
    percent: frozenset[int] = frozenset()  # columns holding shares (0.8 = 80%)
    note: str = ""
    unit_column: int | None = None  # when set, a `percent` cell is a share only if this column says %

    def is_percent(self, row: tuple[Value, ...], column: int) -> bool:
        if column not in self.percent:
            return False
        return self.unit_column is None or row[self.unit_column] == "%"


def number(value: float, unit: str) -> str:
    """How a figure reads in text: shares as percentages, counts as whole numbers where whole."""
    if unit == "%":
        return f"{value * 100:.1f}%"
    return f"{value:g}" if value != int(value) else str(int(value))


def target_text(t: Target) -> tuple[str, str, str]:
    """(value, target, short by) as text."""
    return number(t.value, t.unit), number(t.target, t.unit), "" if t.met else number(t.short_by, t.unit)


def _targets(report: Report) -> Table:
    rows = [("未达标" if not t.met else "达标", t.scope_name, t.school_name or "", t.label, t.value, t.target,
             None if t.met else t.short_by, t.unit, t.advice) for t in report.targets]
    shares = {i for i in (4, 5, 6)}
    return Table("targets", "指标与目标（未达标的在前）",
                 ("状态", "范围", "学校/校区", "指标", "实际", "目标", "差额", "单位", "如何达标"), rows,
                 frozenset(shares), "差额为目标减实际；比例以百分数显示。", unit_column=7)


def _coteach(report: Report) -> Table:
    return Table("coteach", "同步课堂（按成员校）", ("教共体", "学校/校区", "学科数", "学科", "节数"),
                 [(r.community, r.unit_name, len(r.subjects), "、".join(r.subjects), r.lessons)
                  for r in report.coteach])


def _research(report: Report) -> Table:
    return Table("research", "网络研修与面对面教研（按成员校）",
                 ("教共体", "学校/校区", "网络研修次数", "面对面教研次数"),
                 [(r.community, r.unit_name, r.online, r.onsite) for r in report.research])


def _travel(report: Report) -> Table:
    return Table("travel", "走教教师（负担最重的在前）",
                 ("教师代码", "姓名", "教共体", "学期", "校区", "每周走教天数", "每周通勤分钟",
                  "本学期走教天数", "本学期通勤分钟"),
                 [(r.teacher, r.name, r.community, r.term, "、".join(r.campuses), r.days_per_week,
                   r.minutes_per_week, r.days, r.minutes) for r in report.travel])


def _pool(report: Report) -> Table:
    return Table("pool", "成员校由外校教师面授的课",
                 ("教共体", "学校/校区", "面授课节数", "外校教师面授节数", "占比", "同步课堂远端节数"),
                 [(r.community, r.unit_name, r.lessons, r.pool_lessons, r.share, r.coteach_remote)
                  for r in report.pool], frozenset({4}))


def _unmet(report: Report) -> Table:
    return Table("unmet", "未满足的课时（按学校和学科）",
                 ("教共体", "学期", "学校", "学科", "缺课班级数", "每周缺课节数"),
                 [(r.community, r.term, r.school_name, r.subject_name, r.classes, r.periods_per_week)
                  for r in report.unmet])


def _coverage(report: Report) -> Table:
    return Table("coverage", "教共体覆盖", ("类别", "学校数", "已纳入", "占比", "未纳入的学校"),
                 [(r.label, r.schools, r.covered, r.share, "、".join(r.uncovered)) for r in report.coverage],
                 frozenset({3}))


def _rotation(report: Report) -> Table:
    return Table("rotation", f"{report.school_year}学年交流轮岗（按派出学校）",
                 ("学校", "符合条件教师", "交流教师", "其中骨干", "交流比例", "骨干比例"),
                 [(r.school_name, r.eligible, r.rotating, r.backbone, r.share, r.backbone_share)
                  for r in report.rotation], frozenset({4, 5}))


TABLES: tuple[Callable[[Report], Table], ...] = (
    _targets, _coteach, _research, _travel, _pool, _unmet, _coverage, _rotation)


def tables(report: Report) -> list[Table]:
    return [make(report) for make in TABLES]


def heading_lines(report: Report) -> list[str]:
    missing = "、".join(f"{c}（{t}）" for c, t in report.missing_plans)
    lines = [f"统计期间：{report.period}（学期 {'、'.join(report.terms)}，{report.weeks} 个教学周）",
             f"生成日期：{report.generated.isoformat()}",
             f"未达标指标 {len(report.missed)} 项，共 {len(report.targets)} 项"]
    if missing:
        lines.append(f"尚未发布排课方案：{missing}")
    return lines


def cell_text(value: Any, percent: bool) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
