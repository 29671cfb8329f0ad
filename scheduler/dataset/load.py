"""Reading a dataset file (JSON or Excel) and importing it: the service behind `tongpan import`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scheduler.db import transaction
from scheduler.dataset.issues import DatasetInvalid, DatasetIssue, Locator, json_path
from scheduler.dataset.store import ListChange, apply, preview
from scheduler.dataset.validate import parse

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class ImportResult:
    changes: dict[str, ListChange]
    warnings: list[str]
    dry_run: bool


def read_source(path: Path) -> tuple[Any, Locator]:
    """The document in a file and how to name a place in it; DatasetInvalid if unreadable."""
    source = str(path)
    if not path.is_file():
        raise DatasetInvalid(source, [DatasetIssue((), "文件不存在")])
    if path.suffix.lower() in EXCEL_SUFFIXES:
        from scheduler.dataset.xlsx import read_workbook

        return read_workbook(path)
    try:
        return json.loads(path.read_text(encoding="utf-8")), json_path
    except UnicodeDecodeError:
        raise DatasetInvalid(source, [DatasetIssue((), "文件不是 UTF-8 编码的 JSON")]) from None
    except json.JSONDecodeError as exc:
        raise DatasetInvalid(source, [DatasetIssue(
            (), f"JSON 语法错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}")]) from None


def import_file(engine: Engine, path: Path, *, dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then import it in one transaction (or only preview it).

    Raises DatasetInvalid with every error found; the database is then untouched.
    """
    document, locate = read_source(path)
    source = str(path)
    try:
        dataset, issues = parse(document, source)
    except DatasetInvalid as exc:
        raise DatasetInvalid(source, exc.issues, locate) from None
    warnings = [f"{source}: {locate(i.path)}: {i.message}" for i in issues]
    with transaction(engine) as session:
        changes = preview(session, dataset, source) if dry_run else apply(session, dataset, source)
    return ImportResult(changes, warnings, dry_run)
