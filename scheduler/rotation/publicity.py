"""The proposal as an Excel list for 公示 (public notice), and reading an edited list back.

The county publishes the list before the moves take effect; admins may strike
or change a line. `tongpan rotation apply` reads this workbook (or the JSON
proposal) so that what was published is what is applied.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from scheduler.rotation.propose import Proposal

LIST_SHEET = "交流轮岗公示"
LIST_HEADINGS = ("序号", "姓名", "教师代码", "派出学校", "交流学校", "交流校区代码", "任教学科", "在校年限",
                 "骨干教师", "交流期限", "入选理由")
QUOTA_HEADINGS = ("派出学校", "符合条件教师", "交流名额", "已安排", "骨干名额", "已安排骨干", "是否达标", "原因")
OTHERS_HEADINGS = ("教师代码", "姓名", "学校", "是否符合条件", "在校年限", "未入选原因")
HEADER = PatternFill("solid", fgColor="DDE6F0")


class PublicityError(ValueError):
    """A 公示 list or proposal file that cannot be read (a Chinese message naming the place)."""


def _sheet(ws: Any, title: str, headings: tuple[str, ...], rows: list[tuple[Any, ...]], widths: list[int]) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(headings))
    for cell in ws[2]:
        cell.fill, cell.font = HEADER, Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for row in ws.iter_rows(min_row=3):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"


def publicity_workbook(p: Proposal, county_name: str, subjects: dict[str, str],
                       teacher_subjects: dict[str, list[str]]) -> bytes:
    wb = Workbook()
    span = f"{p.year}—{p.year + p.term_years} 学年"
    rows = [(i, m.name, m.teacher, m.home_name, m.destination.name, m.destination.campus,
             "、".join(subjects.get(s, s) for s in teacher_subjects.get(m.teacher, [])), m.years,
             "是" if m.backbone else "否", span, m.reason) for i, m in enumerate(p.moves, 1)]
    _sheet(wb.active, f"{county_name} {p.year} 学年教师交流轮岗名单（公示）", LIST_HEADINGS, rows,
           [6, 10, 10, 18, 26, 14, 14, 8, 8, 14, 60])
    wb.active.title = LIST_SHEET
    quotas = [(q.name, q.eligible, q.quota, q.chosen, q.backbone_quota, q.backbone_chosen, "是" if q.met else "否",
               q.reason) for q in p.quotas]
    _sheet(wb.create_sheet("名额"), f"{p.year} 学年各派出学校交流名额", QUOTA_HEADINGS, quotas,
           [20, 12, 10, 8, 10, 10, 8, 60])
    others = [(n.teacher, n.name, n.school, "是" if n.eligible else "否", n.years, n.reason) for n in p.non_choices]
    _sheet(wb.create_sheet("未入选"), "派出学校未入选教师及原因", OTHERS_HEADINGS, others, [10, 10, 10, 12, 8, 60])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def read_moves(path: Path) -> tuple[int | None, list[dict[str, Any]]]:
    """(year or None, moves as {"teacher", "campus"}) from a JSON proposal or an edited 公示 workbook."""
    import json

    if path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return int(document["year"]), [{"teacher": m["teacher"], "campus": m["campus"]}
                                           for m in document["moves"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PublicityError(f"{path}：不是 tongpan rotation propose 写出的方案（{exc}）") from None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise PublicityError(f"{path}：无法读取 Excel 文件（{exc}）") from None
    if LIST_SHEET not in wb.sheetnames:
        raise PublicityError(f"{path}：没有工作表「{LIST_SHEET}」")
    rows = list(wb[LIST_SHEET].iter_rows(min_row=2, values_only=True))
    headings = [str(h or "") for h in rows[0]] if rows else []
    try:
        teacher, campus = headings.index("教师代码"), headings.index("交流校区代码")
    except ValueError:
        raise PublicityError(f"{path}：工作表「{LIST_SHEET}」第 2 行应有「教师代码」和「交流校区代码」列") from None
    moves = []
    for number, row in enumerate(rows[1:], 3):
        if not any(row):
            continue
        if not row[teacher] or not row[campus]:
            raise PublicityError(f"{path}：工作表「{LIST_SHEET}」第 {number} 行缺少教师代码或交流校区代码")
        moves.append({"teacher": str(row[teacher]).strip(), "campus": str(row[campus]).strip()})
    return None, moves
