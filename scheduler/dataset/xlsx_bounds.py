"""Reading a workbook whole and within bounds, whatever tool wrote it.

- **Dimensions are not trusted.** A sheet's `<dimension>` tag says where its
  data ends; third-party tools write wrong ones, and openpyxl's read-only mode
  stops there, so rows past the tag would silently count as removed. Every
  sheet is read with its dimensions reset, to its last real row.
- **Empty cells cost nothing.** Rows formatted out to column XFD carry
  16,000 empty `<c>` elements each; openpyxl turns every one into a cell
  (108 s for one sheet). While a workbook is read, empty cells are cut out of
  the sheet's XML as it streams, before the (defusedxml, pure-Python) parser
  sees them, and rows end at the last header column.
- **Documented limits** refuse a workbook beyond what any county needs, with
  room to spare (a 40-community county has about 5,000 teachers, one sheet
  row each, and under 1 MB of workbook): see the constants below.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from openpyxl.worksheet._read_only import ReadOnlyWorksheet

MAX_FILE_BYTES = 50 * 1024 * 1024  # the file as uploaded
MAX_UNPACKED_BYTES = 500 * 1024 * 1024  # its parts once unzipped (a zip bomb stops here)
MAX_ROWS = 100_000  # rows per sheet, header included
MAX_COLUMNS = 200  # header columns per sheet

MIB = 1024 * 1024


def size_problem(path: Path) -> str | None:
    """Why a workbook file is too large to read (in Chinese), or None."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"文件大小 {size / MIB:.1f} MB，超过上限 {MAX_FILE_BYTES // MIB} MB"
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None  # not a workbook: openpyxl says so in its own words
    if unpacked > MAX_UNPACKED_BYTES:
        return f"解压后 {unpacked / MIB:.0f} MB，超过上限 {MAX_UNPACKED_BYTES // MIB} MB"
    return None


# An empty cell: a self-closing <c> with its own reference (one without `r` is kept: openpyxl counts
# columns through it). It has no value, formula or inline string, so leaving it out changes nothing.
_EMPTY_CELL = re.compile(rb'<c\s[^<>]*?\br="[A-Z]{1,3}[0-9]+"[^<>]*/>')


class _WithoutEmptyCells(io.RawIOBase):
    """A sheet's XML as it streams, less its empty cells: expat never sees the padding."""

    def __init__(self, source: IO[bytes]):
        self.source = source
        self.tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = b""
        while not chunk:
            data = self.source.read(len(buffer))
            if not data:
                chunk, self.tail = _EMPTY_CELL.sub(b"", self.tail), b""
                break
            data = self.tail + data
            cut = data.rfind(b">") + 1
            chunk, self.tail = _EMPTY_CELL.sub(b"", data[:cut]), data[cut:]
        size = min(len(chunk), len(buffer))
        buffer[:size] = chunk[:size]
        if size < len(chunk):
            self.tail = chunk[size:] + self.tail  # already filtered: filtering again changes nothing
        return size

    def close(self) -> None:
        self.source.close()
        super().close()


def _filtered_source(self: ReadOnlyWorksheet) -> IO[bytes]:
    return io.BufferedReader(_WithoutEmptyCells(self.parent._archive.open(self._worksheet_path)), 1 << 20)


_PATCH = threading.Lock()


@contextmanager
def valued_cells_only() -> Iterator[None]:
    """While reading, read-only sheets stream without their empty cells (openpyxl has no option for it)."""
    with _PATCH:
        original = ReadOnlyWorksheet._get_source
        ReadOnlyWorksheet._get_source = _filtered_source  # type: ignore[method-assign]
        try:
            yield
        finally:
            ReadOnlyWorksheet._get_source = original  # type: ignore[method-assign]
