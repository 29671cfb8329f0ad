"""The cover ledger (代课台账): per teacher and month, covers given by way and lessons missed by reason.

Read from confirmed covers only, so what payroll counts is exactly what
teachers saw in their calendars. A cover counts for every teacher it put in a
room (the substitute; the online lead and the local assistant); a lesson
missed counts for the teacher it was taken from, by the reason recorded with
the absence or the disruption.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.covers.candidates import MODE_NAMES
from scheduler.covers.models import Absence, Cover, Disruption
from scheduler.dataset.schema import Dataset

GIVEN_MODES = ("in_person", "study", "online", "assist", "to_online", "swap")
MISSED_MODES = ("in_person", "study", "online", "cancel", "assist")  # a swap or an online lesson of her own is taught


class LedgerError(ValueError):
    """A month that cannot be read (Chinese message)."""


def month_span(month: str) -> tuple[date, date]:
    """`2026-11` -> the first day of that month and of the next."""
    try:
        year, number = (int(p) for p in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise LedgerError(f"--month：应为年-月，如 2026-11，而不是 {month}") from None
    return first, date(year + number // 12, number % 12 + 1, 1)


@dataclass
class LedgerRow:
    teacher: str
    name: str
    school: str
    given: Counter[str] = field(default_factory=Counter)  # mode -> covers given
    missed: Counter[str] = field(default_factory=Counter)  # reason -> lessons missed

    @property
    def given_total(self) -> int:
        return sum(v for k, v in self.given.items() if k != "swap")  # a swap is no extra lesson

    @property
    def missed_total(self) -> int:
        return sum(self.missed.values())


def confirmed_in(session: Session, first: date, after: date) -> list[Cover]:
    return list(session.scalars(select(Cover).where(Cover.state == "confirmed", Cover.date >= first,
                                                    Cover.date < after).order_by(Cover.date, Cover.start, Cover.id)))


def reasons(session: Session, covers: list[Cover]) -> dict[int, str]:
    """Cover id -> the reason its lesson was missed (the absence's or the disruption's)."""
    absences = {a.id: a.reason for a in session.scalars(select(Absence).where(
        Absence.id.in_({c.absence_id for c in covers if c.absence_id})))}
    disruptions = {d.id: d.reason for d in session.scalars(select(Disruption).where(
        Disruption.id.in_({c.disruption_id for c in covers if c.disruption_id})))}
    return {c.id: absences.get(c.absence_id or 0) or disruptions.get(c.disruption_id or 0) or "其他"
            for c in covers}


def ledger(session: Session, ds: Dataset, month: str) -> tuple[list[LedgerRow], list[Cover], dict[int, str]]:
    """Per teacher (those with anything to count), sorted by school and code; and the covers themselves."""
    first, after = month_span(month)
    covers = confirmed_in(session, first, after)
    why = reasons(session, covers)
    teachers = {t.code: t for t in ds.teachers}
    rows: dict[str, LedgerRow] = {}

    def row(code: str) -> LedgerRow:
        if code not in rows:
            t = teachers.get(code)
            rows[code] = LedgerRow(code, t.name if t else code, t.school if t else "")
        return rows[code]

    for c in covers:
        for teacher in c.counted:
            row(teacher).given[c.mode] += 1
        if c.mode == "swap" and c.teacher_code:
            row(c.teacher_code).given["swap"] += 1
        if c.absent_code and c.mode in MISSED_MODES and c.kind != "research":
            row(c.absent_code).missed[why[c.id]] += 1
    return sorted(rows.values(), key=lambda r: (r.school, r.teacher)), covers, why


HEADER = PatternFill("solid", fgColor="DDEBF7")


def write_workbook(ds: Dataset, month: str, rows: list[LedgerRow], covers: list[Cover], why: dict[int, str],
                   path: Path) -> None:
    """The payroll workbook: 代课台账 (one row per teacher) and 明细 (one row per cover)."""
    schools = {s.code: s.name for s in ds.schools}
    names = {t.code: t.name for t in ds.teachers}
    book = Workbook()
    sheet = book.active
    sheet.title = "代课台账"
    all_reasons = sorted({r for row in rows for r in row.missed})
    head = ["教师代码", "姓名", "学校", *(MODE_NAMES[m] for m in GIVEN_MODES), "代课合计",
            *(f"缺课：{r}" for r in all_reasons), "缺课合计"]
    sheet.append([f"{month} 代课台账"])
    sheet.append(head)
    for row in rows:
        sheet.append([row.teacher, row.name, schools.get(row.school, row.school),
                      *(row.given.get(m, 0) for m in GIVEN_MODES), row.given_total,
                      *(row.missed.get(r, 0) for r in all_reasons), row.missed_total])
    detail = book.create_sheet("明细")
    detail.append(["日期", "时间", "课程", "缺课教师", "方式", "代课教师", "助教", "原因", "说明"])
    for c in covers:
        helpers = [t for t in c.counted if t != c.teacher_code]
        detail.append([c.date, c.start, c.activity_code,
                       f"{names.get(c.absent_code or '', c.absent_code or '')}（{c.absent_code}）" if c.absent_code else "",
                       MODE_NAMES.get(c.mode, c.mode),
                       f"{names.get(c.teacher_code or '', '')}（{c.teacher_code}）" if c.teacher_code else "",
                       "、".join(helpers), why[c.id], c.reason])
    for ws in (sheet, detail):
        header_row = 2 if ws is sheet else 1
        for cell in ws[header_row]:
            cell.font, cell.fill = Font(bold=True), HEADER
        for column in ws.columns:
            letter = column[0].column_letter
            ws.column_dimensions[letter].width = max(10, min(40, max(len(str(c.value or "")) for c in column) * 2))
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in detail["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    book.save(path)
