"""Hostile workbooks made from good ones by rewriting a sheet's XML: a wrong <dimension> tag (as
third-party tools write), and rows padded with empty formatted cells up to column XFD."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter


def _sheet_part(path: Path, title: str) -> str:
    book = load_workbook(path, read_only=True)
    try:
        index = book.sheetnames.index(title) + 1
    finally:
        book.close()
    return f"xl/worksheets/sheet{index}.xml"


def rewrite_sheet(source: Path, target: Path, title: str, change: Callable[[str], str]) -> Path:
    part = _sheet_part(source, title)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == part:
                data = change(data.decode()).encode()
            new.writestr(item, data)
    return target


def wrong_dimension(source: Path, target: Path, title: str, ref: str = "A1:C3") -> Path:
    """The sheet claims to end at `ref` although it holds more rows and columns."""
    def change(xml: str) -> str:
        if "<dimension" in xml:
            return re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml)
        return xml.replace("<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>', 1)
    return rewrite_sheet(source, target, title, change)


PADDING = '<c r="{col}{row}" s="0"/>'


def padded(source: Path, target: Path, title: str, last_column: int = 16384) -> Path:
    """Every row of the sheet carries empty cells up to `last_column` (XFD)."""
    letters = [get_column_letter(i) for i in range(1, last_column + 1)]

    def pad(match: re.Match[str]) -> str:
        row, body = match.group(1), match.group(2)
        used = len(re.findall(r"<c ", body))
        filler = "".join(f'<c r="{letters[i]}{row}" s="0"/>' for i in range(used + 5, last_column))
        return f'<row r="{row}"{match.group(3)}>{body}{filler}</row>'

    def change(xml: str) -> str:
        rows = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{letters[-1]}{rows}"/>', xml)
        return re.sub(r'<row r="(\d+)"([^>]*)>(.*?)</row>', lambda m: pad(_swap(m)), xml, flags=re.S)

    return rewrite_sheet(source, target, title, change)


def _swap(match: re.Match[str]) -> re.Match[str]:
    class Groups:
        def group(self, i: int) -> str:
            return {1: match.group(1), 2: match.group(3), 3: match.group(2)}[i]
    return Groups()  # type: ignore[return-value]
