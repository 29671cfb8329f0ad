"""Timetable files people pass around: a PDF per class, teacher and campus, and an Excel workbook.

The web workplace's download buttons and `tongpan export pdf` / `tongpan
export xlsx` call the same functions, so a printed file is the same wherever it
came from. Each PDF carries a QR code of its owner's subscribe page once the
community's feeds exist (after its first publication).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from sqlalchemy.orm import Session

from calendars.config import FeedConfig
from calendars.tokens import community_addresses
from scheduler import models as m
from scheduler.plans import PlanNotFound, find_version, published_version
from scheduler.printing.timetables import cell_text, timetable_pdf
from scheduler.timetable import (Directory, Grid, appearances, campus_class_grids, class_grid, load_directory,
                                 stored_plan, teacher_grid)


@dataclass
class Printable:
    """One community's plan version with everything its printed timetables need."""

    directory: Directory
    term: str
    term_name: str
    plan: dict[str, Any]
    pages: dict[tuple[str, str], str]  # (kind, code) -> subscribe page address

    @property
    def subtitle(self) -> str:
        return f"{self.term_name} · 第 {self.plan['version']} 版"

    @property
    def footer(self) -> str:
        return (f"同盘 tongpan · {self.directory.community_name} · {self.term_name} 第 {self.plan['version']} 版 · "
                "课表以日历订阅为准")

    def qr_url(self, grid: Grid) -> str | None:
        return self.pages.get((grid.kind, grid.code))


def load_printable(session: Session, community: str, term: str, version: int | None, public_url: str) -> Printable:
    """The version asked for, else the published one, else the latest; LookupError (Chinese) if none."""
    directory = load_directory(session, community)
    if directory is None:
        raise LookupError(f"没有教共体 {community}")
    stored_term = session.get(m.Term, term)
    if stored_term is None:
        raise LookupError(f"没有学期 {term}")
    plan = published_version(session, community, term) if version is None else None
    if plan is None:
        try:
            plan = find_version(session, community, term, version)
        except PlanNotFound as exc:
            raise LookupError(str(exc)) from None
    pages = {(a.kind, a.code): a.page(public_url)
             for a in community_addresses(session, community, FeedConfig.from_env())}
    return Printable(directory, term, stored_term.name, stored_plan(plan), pages)


def _pdf(p: Printable, grids: list[Grid], title: str) -> bytes:
    return timetable_pdf(grids, title=title, subtitle=p.subtitle, footer=p.footer, qr_url=p.qr_url)


def class_pdf(p: Printable, code: str) -> bytes:
    grid = class_grid(p.directory, p.plan, code)
    return _pdf(p, [grid], grid.title)


def teacher_pdf(p: Printable, code: str) -> bytes:
    grid = teacher_grid(p.directory, p.plan, code)
    return _pdf(p, [grid], grid.title)


def campus_pdf(p: Printable, code: str) -> bytes:
    """Every class of the campus, one A4 page each, in one file."""
    return _pdf(p, campus_class_grids(p.directory, p.plan, code), f"{p.directory.place(code)} 班级课表")


def pdf_name(kind: str, code: str) -> str:
    return f"{kind}-{code}.pdf"


def write_pdfs(p: Printable, out_dir: Path) -> list[Path]:
    """A file per class, teacher and campus of the community: `class-{code}.pdf`, `teacher-…`, `campus-…`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    by_class, by_teacher = appearances(p.plan["activities"])
    for code in p.directory.classes:
        grid = class_grid(p.directory, p.plan, code, by_class)
        written.append(_write(out_dir / pdf_name("class", code), _pdf(p, [grid], grid.title)))
    for code in p.directory.teachers:
        grid = teacher_grid(p.directory, p.plan, code, by_teacher)
        written.append(_write(out_dir / pdf_name("teacher", code), _pdf(p, [grid], grid.title)))
    for code in p.directory.campuses:
        written.append(_write(out_dir / pdf_name("campus", code), campus_pdf(p, code)))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


_THIN = Side(style="thin", color="A0A0A0")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="ECF0F5")


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
    title, n = clean, 2
    while title in used:
        suffix = f"~{n}"
        title, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def write_xlsx(p: Printable, path: Path) -> int:
    """The class timetables as one workbook, one sheet per class (schools pass 课表 around in Excel)."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    by_class, _ = appearances(p.plan["activities"])
    for code, info in p.directory.classes.items():
        grid = class_grid(p.directory, p.plan, code, by_class)
        ws = book.create_sheet(_sheet_title(f"{p.directory.place(info.campus)}{info.name}", used))
        ws.append([grid.title])
        ws.append([p.subtitle])
        ws.append(["节次", "时间", *grid.day_names])
        for i, row in enumerate(grid.rows):
            ws.append([row.label, f"{row.start}-{row.end}", *(cell_text(grid.at(day, i)) for day in grid.days)])
        for u in grid.unmet:
            ws.append([f"未能安排：{u['subject']} {u['periods']} 节", u["reason"]])
        ws["A1"].font = Font(size=14, bold=True)
        for line in ws.iter_rows(min_row=3, max_row=3 + len(grid.rows)):
            for cell in line:
                cell.border, cell.alignment = _BOX, Alignment(wrap_text=True, vertical="top")
                if cell.row == 3:
                    cell.fill = _HEAD
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 9, 12
        for letter in "CDEFGHI"[:len(grid.days)]:
            ws.column_dimensions[letter].width = 22
    book.save(path)
    return len(p.directory.classes)
