"""Reading a dataset file (JSON or Excel) and importing it: the service behind `tongpan import`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scheduler.db import WriterBusy, exclusive, snapshot
from scheduler.dataset.issues import DatasetInvalid, DatasetIssue, Locator, json_path
from scheduler.dataset.store import ListChange, apply, preview
from scheduler.dataset.validate import parse

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MAX_JSON_BYTES = 100 * 1024 * 1024  # a 40-community county is about 5 MB
MAX_DEPTH = 32  # the format nests 6 deep; unknown keys may add some
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
IMPORT_LOCK = "tongpan.dataset.import"
IMPORT_WAIT_SECONDS = 120.0
WAITING_MESSAGE = "另一个导入正在进行，等待中…"


@dataclass
class ImportResult:
    changes: dict[str, ListChange]
    warnings: list[str]
    dry_run: bool


def nesting_problem(text: str) -> str | None:
    """Why a JSON text nests too deep to parse (in Chinese), or None; found without parsing it.

    Python's parser recurses per level, and a deep enough document ends in a
    RecursionError instead of a located error.
    """
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            return f"JSON 嵌套超过 {MAX_DEPTH} 层，不是 tongpan-dataset/1 文件"
    return None


def read_source(path: Path) -> tuple[Any, Locator]:
    """The document in a file and how to name a place in it; DatasetInvalid if unreadable."""
    source = str(path)
    if not path.is_file():
        raise DatasetInvalid(source, [DatasetIssue((), "文件不存在")])
    if path.suffix.lower() in EXCEL_SUFFIXES:
        from scheduler.dataset.xlsx import read_workbook

        return read_workbook(path)
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise DatasetInvalid(source, [DatasetIssue((), (
            f"文件大小 {size / 1024 / 1024:.1f} MB，超过上限 {MAX_JSON_BYTES // 1024 // 1024} MB"))])
    try:
        text = path.read_text(encoding="utf-8")
        too_deep = nesting_problem(text)
        if too_deep is not None:
            raise DatasetInvalid(source, [DatasetIssue((), too_deep)])
        return json.loads(text), json_path
    except UnicodeDecodeError:
        raise DatasetInvalid(source, [DatasetIssue((), "文件不是 UTF-8 编码的 JSON")]) from None
    except json.JSONDecodeError as exc:
        raise DatasetInvalid(source, [DatasetIssue(
            (), f"JSON 语法错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}")]) from None


def import_file(engine: Engine, path: Path, *, dry_run: bool = False, wait: float = IMPORT_WAIT_SECONDS,
                on_wait: Callable[[], None] | None = None) -> ImportResult:
    """Validate the whole file, then import it in one transaction (or only preview it).

    Imports are serialised: the difference is computed and written inside one
    transaction that holds the database's import lock, so two imports started
    together end as one file's dataset or the other's, never a merge. A second
    import calls `on_wait` and waits up to `wait` seconds, then is refused.
    Raises DatasetInvalid with every error found (or the refusal); the database
    is then untouched.
    """
    document, locate = read_source(path)
    source = str(path)
    try:
        dataset, issues = parse(document, source)
    except DatasetInvalid as exc:
        raise DatasetInvalid(source, exc.issues, locate) from None
    warnings = [f"{source}: {locate(i.path)}: {i.message}" for i in issues]
    warnings += [f"{source}: {note}" for note in getattr(locate, "notes", ())]
    if dry_run:
        with snapshot(engine) as session:
            return ImportResult(preview(session, dataset, source), warnings, dry_run)
    try:
        with exclusive(engine, IMPORT_LOCK, wait=wait, on_wait=on_wait) as session:
            changes = apply(session, dataset, source)
    except WriterBusy as exc:
        raise DatasetInvalid(source, [DatasetIssue((), (
            f"另一个导入（或写入）等待 {exc.waited:g} 秒后仍在进行，本次导入已放弃，"
            "未写入任何内容；请稍后重试"))]) from None
    return ImportResult(changes, warnings, dry_run)
