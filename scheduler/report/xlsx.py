"""The policy report as an Excel workbook: a sheet per table of `scheduler.report.layout`.

Figures are written as numbers (shares as fractions with a percent format), so
the county office can sort, sum and chart them, and tests can read them back
and compare them with the report.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from scheduler.report.layout import Table, heading_lines, tables
from scheduler.report.model import Report

SHEET_NAMES = {"targets": "指标", "coteach": "同步课堂", "research": "教研", "travel": "走教",
               "pool": "外校面授", "unmet": "未满足课时", "coverage": "覆盖", "rotation": "交流轮岗"}
HEADER = PatternFill("solid", fgColor="DDE6F0")
MISSED = PatternFill("solid", fgColor="FCE4E4")
TITLE_ROWS = 2  # the table's title, then a blank line; headings follow


def _sheet(wb: Workbook, table: Table, first: bool, report: Report) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = SHEET_NAMES[table.key]
    ws.append([f"{report.county_name} {table.title}"])
    ws["A1"].font = Font(bold=True, size=13)
    notes = heading_lines(report) if first else ([table.note] if table.note else [])
    ws.append(["；".join(notes + ([table.note] if first and table.note else []))])
    ws.append(list(table.headings))
    for cell in ws[TITLE_ROWS + 1]:
        cell.fill, cell.font = HEADER, Font(bold=True)
    for row in table.rows:
        ws.append(list(row))
        for column, cell in enumerate(ws[ws.max_row]):
            if table.is_percent(row, column):
                cell.number_format = "0.0%"
            if table.key == "targets" and row[0] == "未达标":
                cell.fill = MISSED
    for column, heading in enumerate(table.headings, 1):
        longest = max([len(heading) * 2] + [len(str(r[column - 1] or "")) * 2 for r in table.rows[:200]])
        ws.column_dimensions[get_column_letter(column)].width = min(max(8, longest), 60)
    if table.key == "targets":
        for row in ws.iter_rows(min_row=TITLE_ROWS + 2):
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=TITLE_ROWS + 2, column=1)


def report_workbook(report: Report) -> bytes:
    wb = Workbook()
    for i, table in enumerate(tables(report)):
        _sheet(wb, table, i == 0, report)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
