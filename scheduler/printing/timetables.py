"""Printed 课表: one A4 page per class or teacher grid, with the bell times and a subscribe QR code.

The same grids the web pages show (`scheduler.timetable`) are laid out here, so
a wall timetable and the screen never disagree. A campus's file is all its
classes, one page each. The QR code's address comes from the caller (the feed
layer knows the subscribe pages); without one the corner stays empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scheduler.printing.pdf import Document
from scheduler.timetable import Cell, Grid

QR_SIZE = 26  # mm


def cell_text(cells: list[Cell]) -> str:
    """A cell as lines of text (travel, subject, mark, detail), for print and spreadsheets."""
    lines: list[str] = []
    for c in cells:
        if c.travel:
            lines.append(f"↓ {c.travel}")
        lines.append(c.title)
        if c.mark:
            lines.append(f"【{c.mark}】")
        if c.detail:
            lines.append(c.detail)
    return "\n".join(lines)


def _row_label(grid: Grid, index: int) -> str:
    row = grid.rows[index]
    return f"{row.label}\n{row.start}–{row.end}"


def add_grid_page(doc: Document, grid: Grid, *, subtitle: str, qr_url: str | None) -> None:
    """One page: heading, the grid with each row's clock times, unmet demand, QR code top right."""
    doc.add_page()
    top = doc.get_y()
    if qr_url:
        doc.qr(qr_url, doc.w - doc.r_margin - QR_SIZE, top - 2, QR_SIZE)
    text_width = doc.content_width - (QR_SIZE + 4 if qr_url else 0)
    doc.heading(grid.title, 18, width=text_width)
    doc.note(f"{grid.subtitle}　{subtitle}", 10, width=text_width)
    doc.note(f"作息时间：{grid.bell_note}", 8, width=text_width)
    if qr_url:
        doc.set_xy(doc.w - doc.r_margin - QR_SIZE - 2, top + QR_SIZE - 2)
        doc.set_font(doc.font_family, size=7)
        doc.cell(QR_SIZE + 4, 4, "扫码订阅到手机日历", align="C")
    doc.set_y(max(doc.get_y(), top + QR_SIZE + 4) + 2)
    first = 24.0
    day_width = (doc.content_width - first) / max(len(grid.days), 1)
    size = 9 if grid.kind == "class" else 7.5
    rows = [[_row_label(grid, i), *(cell_text(grid.at(day, i)) for day in grid.days)]
            for i in range(len(grid.rows))]
    doc.table_of(["节次", *grid.day_names], rows, [first, *[day_width] * len(grid.days)], size=size,
                 line_height=size * 0.5)
    if grid.unmet:
        doc.ln(3)
        doc.note("未能安排的课：", 9, grey=False)
        for u in grid.unmet:
            doc.note(f"· {u['subject']} {u['periods']} 节：{u['reason']}", 8)


def timetable_pdf(grids: Iterable[Grid], *, title: str, subtitle: str, footer: str,
                  qr_url: Callable[[Grid], str | None] = lambda grid: None) -> bytes:
    """The grids as one PDF, a page each."""
    doc = Document(title, footer=footer)
    for grid in grids:
        add_grid_page(doc, grid, subtitle=subtitle, qr_url=qr_url(grid))
    return doc.to_bytes()
