"""The policy report as a printable A4 PDF in Chinese, on the shared printing module.

The first pages are the targets, missed ones first with what would close them;
then a bar chart per per-pair target (each school's figure against its target
line) and the detail tables. Long lists are cut to their heaviest rows, with a
note that the workbook has them all.
"""

from __future__ import annotations

from scheduler.printing.pdf import GREY, Document
from scheduler.report.build import PAIR_KEYS, PAIR_LABELS
from scheduler.report.layout import Table, cell_text, heading_lines, tables
from scheduler.report.model import Report, Target

PDF_ROWS = {"travel": 30}
RED, GREEN, BLUE = (200, 70, 60), (70, 150, 90), (40, 90, 160)


def _table(doc: Document, table: Table, widths: list[float]) -> None:
    doc.heading(table.title, 13)
    rows = table.rows
    limit = PDF_ROWS.get(table.key)
    if limit is not None and len(rows) > limit:
        doc.note(f"共 {len(rows)} 行，此处列出前 {limit} 行；全部见 Excel 工作簿。", 8)
        rows = rows[:limit]
    if not rows:
        doc.note("（无）", 9)
        doc.ln(3)
        return
    text = [[cell_text(v, table.is_percent(r, i)) for i, v in enumerate(r)] for r in rows]
    scale = (doc.content_width - 0.01) / sum(widths)
    doc.table_of(list(table.headings), text, [w * scale for w in widths], size=7.5, align="LEFT")
    doc.ln(4)


def _chart(doc: Document, key: str, targets: list[Target]) -> None:
    """Each pair's figure as a bar against its target (the vertical line); red when short."""
    label, unit = PAIR_LABELS[key]
    doc.heading(f"{label}（按成员校，竖线为目标）", 12)
    name_width, bar_width, height = 62.0, doc.content_width - 62.0 - 22, 3.6
    top = max((max(t.value, t.target) for t in targets), default=1) or 1
    for t in targets:
        if doc.get_y() + height + 2 > doc.h - doc.b_margin:
            doc.add_page()
        y, x = doc.get_y(), doc.l_margin
        doc.set_font(doc.font_family, size=7)
        doc.set_xy(x, y)
        doc.cell(name_width, height, f"{t.scope_name}·{t.school_name}"[:30])
        doc.set_fill_color(*(GREEN if t.met else RED))
        if t.value:
            doc.rect(x + name_width, y + 0.4, bar_width * t.value / top, height - 0.8, style="F")
        line_x = x + name_width + bar_width * t.target / top
        doc.set_draw_color(*BLUE)
        doc.line(line_x, y - 0.3, line_x, y + height + 0.3)
        doc.set_draw_color(0, 0, 0)
        doc.set_xy(x + name_width + bar_width + 2, y)
        doc.cell(20, height, f"{t.value:g}/{t.target:g} {unit}")
        doc.set_y(y + height + 0.6)
    doc.set_font(doc.font_family, size=10)
    doc.ln(4)


WIDTHS = {
    "targets": [12, 22, 22, 30, 12, 12, 12, 8, 70],
    "coteach": [20, 40, 12, 40, 12],
    "research": [20, 50, 20, 20],
    "travel": [16, 14, 16, 12, 50, 14, 14, 14, 14],
    "pool": [20, 40, 16, 18, 12, 16],
    "unmet": [20, 14, 40, 24, 14, 16],
    "coverage": [30, 12, 12, 12, 80],
    "rotation": [50, 16, 16, 14, 14, 14],
}


def report_pdf(report: Report) -> bytes:
    doc = Document(f"{report.county_name} 教共体工作报告 {report.period}", landscape=True,
                   footer=f"tongpan 同盘 · {report.county_name} · {report.period} · 生成于 {report.generated}")
    doc.add_page()
    doc.heading(f"{report.county_name} 城乡教共体工作报告（{report.period}）", 18)
    for line in heading_lines(report):
        doc.note(line, 9)
    doc.ln(3)
    sections = tables(report)
    _table(doc, sections[0], WIDTHS["targets"])
    for key in PAIR_KEYS:
        pairs = [t for t in report.targets if t.key == key and t.school is not None]
        if pairs:
            doc.add_page()
            _chart(doc, key, sorted(pairs, key=lambda t: (t.scope, t.school or "")))
    for table in sections[1:]:
        doc.add_page()
        _table(doc, table, WIDTHS[table.key])
    doc.set_text_color(*GREY)
    return doc.to_bytes()
