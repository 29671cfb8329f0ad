"""Excel workbooks of a dataset: the template schools fill in, its import, and an export.

The workbook is another spelling of the JSON document (layout in xlsx_layout),
so import reads it into the same `tongpan-dataset/1` dict and leaves the
checking to `validate.parse`. What only the workbook can get wrong (a cell
that does not read in its column's format, a campus of an unknown school) is
reported here, together with the document's shape errors, so an admin sees
every error of the file in one run. Every place is named by sheet, row and
column, the way the admin will look for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from scheduler.dataset.issues import DatasetInvalid, DatasetIssue, from_validation_error
from scheduler.dataset.issues import Path as JsonPath
from scheduler.dataset.schema import FORMAT, Dataset
from scheduler.dataset.xlsx_bounds import MAX_COLUMNS, MAX_ROWS, size_problem, valued_cells_only
from scheduler.dataset.xlsx_cells import CellError, CellValue
from scheduler.dataset.xlsx_layout import (
    EXAMPLE, GENERAL_NOTES, NOTES_TITLE, SHEETS, TEMPLATE_NOTE, Column, Row, RowError, Sheet,
)

__all__ = ["Place", "WorkbookLocator", "read_workbook", "write_template", "write_workbook"]


@dataclass(frozen=True)
class Place:
    sheet: str
    row: int | None = None
    column: str | None = None  # the header as written in the file
    letter: str | None = None  # None: the sheet has no such column

    def __str__(self) -> str:
        text = f"工作表「{self.sheet}」"
        if self.row is not None:
            text += f"第 {self.row} 行"
        if self.column is not None:
            text += f"「{self.column}」列"
            if self.row is not None:
                text += f"（{self.letter}{self.row}）" if self.letter else "（表中没有此列）"
        return text


class WorkbookLocator:
    """Names the cell behind a JSON path, or the nearest known ancestor's row or sheet.

    Problems that have no place in the document (a row joined to an unknown
    parent) use a path of their own, `(sheet title, row, column key)`.
    """

    def __init__(self) -> None:
        self.places: dict[JsonPath, Place] = {}
        self.notes: list[str] = []  # what the reader left out on purpose (the template's example rows)

    def __call__(self, path: JsonPath) -> str:
        place = self.place(path)
        return str(place) if place is not None else "（工作簿）"

    def place(self, path: JsonPath) -> Place | None:
        """The sheet, row and column of a path (or of its nearest placed ancestor), for tables of errors."""
        for end in range(len(path), 0, -1):
            if (place := self.places.get(path[:end])) is not None:
                return place
        return None


# --------------------------------------------------------------------------
# Reading


def read_workbook(path: Path) -> tuple[dict[str, Any], WorkbookLocator]:
    """Workbook -> a tongpan-dataset/1 document and a locator of its JSON paths.

    Raises DatasetInvalid with every unreadable cell and every shape error of
    the document; reference and consistency checks are left to `parse`.
    """
    source = str(path)
    too_large = size_problem(path)
    if too_large is not None:
        raise DatasetInvalid(source, [DatasetIssue((), f"工作簿过大：{too_large}")])
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError):
        raise DatasetInvalid(source, [DatasetIssue((), "不是有效的 Excel 工作簿（.xlsx）")]) from None
    reader = _Reader()
    try:
        with valued_cells_only():
            for sheet in SHEETS:
                reader.read(sheet, book[sheet.title] if sheet.title in book.sheetnames else None)
    finally:
        book.close()
    for sheet in SHEETS:
        reader.unfilled(sheet)
    if reader.issues:
        raise DatasetInvalid(source, reader.issues + reader.shape_issues(), reader.locate)
    return reader.document, reader.locate


@dataclass(frozen=True)
class _Header:
    index: int
    column: Column | str  # a str is an unknown column, kept under its header
    label: str  # as written in the file
    letter: str


def _same(value: Any) -> Any:
    """A cell value compared with what the template wrote: a date comes back as midnight datetime."""
    if isinstance(value, datetime) and value.time() == time():
        return value.date()
    return value


@cache
def _example_rows(title: str) -> list[dict[str, Any]]:
    """The template's example rows of a sheet as column key -> the value the template writes."""
    from scheduler.dataset.xlsx_layout import EXAMPLE

    sheet = next(s for s in SHEETS if s.title == title)
    return [{c.key: _same(_clean(c.codec.write(_get(row, c)))) for c in sheet.columns}
            for row in sheet.placement.rows(EXAMPLE)]


def _untouched_example(row: Sequence[Any], cells: list[tuple[_Header, Any]], examples: list[dict[str, Any]]) -> bool:
    """A row the school left as the template wrote it: grey italic and every value the example's."""
    first = next((c for c in row if c.value is not None), None)
    font = getattr(first, "font", None)
    color = getattr(getattr(font, "color", None), "rgb", None)
    if not (font is not None and font.i and isinstance(color, str) and color[-6:].upper() == "808080"):
        return False
    found = {h.column.key: _same(v) for h, v in cells if isinstance(h.column, Column)}
    return any(all(found.get(k) == v for k, v in example.items()) and set(found) <= set(example)
               for example in examples)


def _clean(value: Any) -> CellValue | None:
    """A cell's value with blanks as None; exotic values (durations) as their text."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None or isinstance(value, (int, float, date, time)):
        return value
    return str(value)


def _plain(value: CellValue) -> Any:
    """An unknown column's value as JSON: the database keeps it as such."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _related(a: JsonPath, b: JsonPath) -> bool:
    return a[:len(b)] == b or b[:len(a)] == a


def _field_path(column: Column, row_path: JsonPath, group_path: JsonPath | None) -> JsonPath:
    base = group_path if column.role == "group" and group_path is not None else row_path
    return base + tuple(column.key.split("."))


class _Reader:
    def __init__(self) -> None:
        self.document: dict[str, Any] = {"format": FORMAT}
        self.issues: list[DatasetIssue] = []
        self.locate = WorkbookLocator()

    def shape_issues(self) -> list[DatasetIssue]:
        """The document's shape errors, less those that only echo an unreadable cell."""
        try:
            Dataset.model_validate(self.document)
        except ValidationError as exc:
            return [issue for issue in from_validation_error(exc)
                    if not any(_related(issue.path, known.path) for known in self.issues)]
        return []

    def unfilled(self, sheet: Sheet) -> None:
        """A parent without the rows it needs here (a school without campuses) is this sheet's error."""
        for path, code in sheet.placement.unfilled(self.document):
            link = next(c.title for c in sheet.columns if c.role == "link")
            self.issues.append(DatasetIssue(
                path, f"没有{sheet.title}：请在工作表「{sheet.title}」中添加「{link}」为 {code} 的行"))

    def _issue(self, place: Place, path: JsonPath, message: str) -> None:
        self.locate.places.setdefault(path, place)
        self.issues.append(DatasetIssue(path, message))

    def read(self, sheet: Sheet, ws: Worksheet | None) -> None:
        top = sheet.placement.top
        if top is not None:
            self.locate.places[(top,)] = Place(sheet.title)
        if ws is None:
            if top is not None and Dataset.model_fields[top].is_required():
                self._issue(Place(sheet.title), (top,), f"缺少工作表「{sheet.title}」")
            return
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # a wrong <dimension> tag must not cut the sheet short
        header = next(ws.iter_rows(max_row=1, values_only=True), ())
        if sum(value is not None for value in header) > MAX_COLUMNS:
            self._issue(Place(sheet.title, 1), (sheet.title, 1), f"列数超过上限 {MAX_COLUMNS}")
            return
        headers = self._headers(sheet, header)
        last = max((h.index for h in headers.values()), default=0) + 1
        previous: JsonPath | None = None
        examples = _example_rows(sheet.title)
        skipped = []
        # Cells, not bare values: the template's untouched example rows are known by their grey italic font.
        for number, row in enumerate(ws.iter_rows(min_row=2, max_col=last), start=2):
            if number > MAX_ROWS:
                self._issue(Place(sheet.title, number), (sheet.title, number),
                            f"行数超过上限 {MAX_ROWS}（含带格式的空行）：请删除多余的行")
                return
            values = [c.value for c in row]
            cells = [(h, _clean(values[h.index]) if h.index < len(values) else None) for h in headers.values()]
            if not any(value is not None for _, value in cells):
                continue
            if _untouched_example(row, cells, examples):
                skipped.append(number)
                continue
            previous = self._row(sheet, headers, number, cells, previous)
        if skipped:
            self.locate.notes.append(f"工作表「{sheet.title}」第 {'、'.join(map(str, skipped))} 行是模板中未修改的示例数据"
                                     "（灰色斜体），未导入")

    def _headers(self, sheet: Sheet, values: Sequence[Any]) -> dict[str, _Header]:
        """Columns by key, found by header: the Chinese title or the JSON key, maybe with `*` or an aside.

        An unknown column is kept under its header as its key.
        """
        names = {name: c for c in sheet.columns for name in (c.title, c.key)}
        reserved = sheet.known_keys()  # fields filled from other sheets (a school's campuses)
        headers: dict[str, _Header] = {}
        for index, value in enumerate(values):
            label = str(value).strip() if value is not None else ""
            if not label:
                continue
            core = label.rstrip("*＊ ")
            candidates = [name for name in (core, *re.split(r"[\s()（）]+", core)) if name]
            column = next((names[n] for n in [*candidates, *map(str.lower, candidates)] if n in names), label)
            key = column.key if isinstance(column, Column) else column
            letter = get_column_letter(index + 1)
            if key in reserved and not isinstance(column, Column):
                self._issue(Place(sheet.title, 1, label, letter), (sheet.title, 1, label),
                            "此字段由其他工作表填写，不能作为本表的列")
                continue
            if key in headers:
                self._issue(Place(sheet.title, 1, label, letter), (sheet.title, 1, label),
                            f"与「{headers[key].label}」列重复")
                continue
            headers[key] = _Header(index, column, label, letter)
        return headers

    def _row(self, sheet: Sheet, headers: dict[str, _Header], number: int,
             cells: list[tuple[_Header, CellValue | None]], previous: JsonPath | None) -> JsonPath | None:
        """Read one row into the document; return its group path for the next row."""
        row = Row({})
        failed: dict[str, str] = {}  # column key -> why its cell does not read
        present: set[str] = set()
        for header, value in cells:
            if value is None:
                continue
            if isinstance(header.column, str):
                row.item[header.column] = _plain(value)
                continue
            present.add(header.column.key)
            try:
                _put(row, header.column, header.column.codec.read(value))
            except CellError as exc:
                failed[header.column.key] = str(exc)

        def place(key: str | None) -> Place:
            if key in headers:
                return Place(sheet.title, number, headers[key].label, headers[key].letter)
            return Place(sheet.title, number, next((c.title for c in sheet.columns if c.key == key), None))

        try:
            row_path, group_path = sheet.placement.place(self.document, row, previous)
        except RowError as exc:
            if exc.key not in failed:
                self._issue(place(exc.key), (sheet.title, number) + ((exc.key,) if exc.key else ()), exc.message)
            for key, message in failed.items():
                self._issue(place(key), (sheet.title, number, key), message)
            return previous

        places = self.locate.places
        places.setdefault(row_path, Place(sheet.title, number))
        if group_path is not None:
            places.setdefault(group_path, Place(sheet.title, number))
        for column in sheet.columns:
            if column.role == "field" or (column.role == "group" and column.key in present):
                places.setdefault(_field_path(column, row_path, group_path), place(column.key))
        for key in row.item.keys() - {c.key.split(".")[0] for c in sheet.columns}:
            places.setdefault(row_path + (key,), place(key))
        for column in sheet.columns:
            if column.key in failed:
                self.issues.append(DatasetIssue(_field_path(column, row_path, group_path), failed[column.key]))
        return group_path


def _put(row: Row, column: Column, value: Any) -> None:
    if column.role == "link":
        row.links[column.key] = value
    elif column.role == "group":
        row.group[column.key] = value
    else:
        *outer, last = column.key.split(".")
        holder = row.item
        for key in outer:
            holder = holder.setdefault(key, {})
        holder[last] = value


def _get(row: Row, column: Column) -> Any:
    holder: Any = row.links if column.role == "link" else row.group if column.role == "group" else row.item
    for key in column.key.split("."):
        holder = holder.get(key) if isinstance(holder, dict) else None
    return holder


# --------------------------------------------------------------------------
# Writing

_BOLD = Font(bold=True)
_EXAMPLE_FONT = Font(italic=True, color="808080")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_LAST_ROW = 1048576


def write_workbook(document: dict[str, Any], path: Path) -> None:
    """A dataset document -> workbook, with the notes sheet; unknown keys of a row become extra columns."""
    _write(document, path, example=False)


def write_template(path: Path) -> None:
    """The workbook schools fill in: headers, example rows (grey, a valid dataset) and notes."""
    _write(EXAMPLE, path, example=True)


def _write(document: dict[str, Any], path: Path, *, example: bool) -> None:
    book = Workbook()
    _write_notes(book.active, (TEMPLATE_NOTE,) if example else ())
    for sheet in SHEETS:
        _write_sheet(book.create_sheet(sheet.title), sheet, list(sheet.placement.rows(document)), example)
    book.save(path)


def _width(values: Iterable[Any]) -> float:
    """A column width that fits its longest value (CJK characters count double), capped."""
    longest = max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(v)) for v in values if v is not None),
                  default=0)
    return min(max(longest + 2, 8), 50)


def _set(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row, column, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    return cell


def _write_sheet(ws: Worksheet, sheet: Sheet, rows: list[Row], example: bool) -> None:
    known = sheet.known_keys()
    extras = list(dict.fromkeys(key for row in rows for key in row.item if key not in known))
    for index, column in enumerate((*sheet.columns, *extras), start=1):
        letter = get_column_letter(index)
        if isinstance(column, Column):
            title, codec = column.title, column.codec
            values = [codec.write(_get(row, column)) for row in rows]
            header = _set(ws, 1, index, title)
            header.comment = Comment(f"{sheet.placement.location(column)}\n{codec.hint}", "tongpan")
            header.fill = _REQUIRED_FILL if sheet.schema_field(column)[0] else _HEADER_FILL
            ws.column_dimensions[letter].number_format = codec.number_format
            if codec.choices:
                validation = DataValidation("list", f'"{",".join(codec.choices)}"', allow_blank=True,
                                            showErrorMessage=True, errorStyle="warning",
                                            error=f"应为{codec.hint}之一")
                validation.add(f"{letter}2:{letter}{_LAST_ROW}")
                ws.add_data_validation(validation)
        else:
            title = column
            values = [_extra_cell(row.item.get(column)) for row in rows]
            header = _set(ws, 1, index, title)
            header.fill = _HEADER_FILL
        header.font = _BOLD
        for number, value in enumerate(values, start=2):
            cell = _set(ws, number, index, value)
            if isinstance(column, Column):
                cell.number_format = column.codec.number_format
            if example:
                cell.font = _EXAMPLE_FONT
        ws.column_dimensions[letter].width = _width([title, *values])
    ws.freeze_panes = "A2"


def _extra_cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def _write_notes(ws: Worksheet, first: tuple[str, ...]) -> None:
    ws.title = NOTES_TITLE
    ws.append([f"tongpan 数据工作簿填写说明（{FORMAT}）"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in (*first, *GENERAL_NOTES):
        ws.append([line])
    ws.append([])
    ws.append(["工作表", "列名", "必填", "格式", "说明", "JSON 字段"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for sheet in SHEETS:
        ws.append([sheet.title, "", "", "", sheet.note])
        for cell in ws[ws.max_row]:
            cell.font = _BOLD
        for column in sheet.columns:
            required, default = sheet.schema_field(column)
            note = column.note
            if default not in (None, [], {}, ""):
                note = "；".join(filter(None, (note, f"不填为「{column.codec.write(default)}」")))
            ws.append(["", column.title, "是" if required else "", column.codec.hint, note,
                       sheet.placement.location(column)])
    for letter, width in zip("ABCDEF", (12, 26, 6, 44, 70, 40), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
