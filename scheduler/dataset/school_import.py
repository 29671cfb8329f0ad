"""Per-school import: a school admin's workbook replaces that school's entities and nothing else.

The file must hold the school itself (with its campuses) and may hold its
teachers, classes, their staffing and curriculum overrides, the co-teaching
links its classes lead and the travel times from or to its campuses. Anything
of another school in those lists is an error (located in the file). Lists the
whole county shares (terms, subjects, bells, communities, curriculum, research
groups) are kept as stored; a file entry of them that differs is ignored with a
warning, except a bell schedule the school's campuses need that the county has
not got yet, which is added.

The stored dataset with the school's part swapped is validated as a whole, so a
teacher removed here who is still staffed elsewhere is an error; errors in
entries from the file point into the file, errors elsewhere name the stored
entry. An import that would remove stored entities of the school the file does
not mention lists them and is refused unless confirmed (`replace`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scheduler.dataset.issues import DatasetInvalid, DatasetIssue, Locator
from scheduler.dataset.load import IMPORT_LOCK, IMPORT_WAIT_SECONDS, ImportResult, read_source
from scheduler.dataset.store import LISTS, apply, entry_key, export_document, preview
from scheduler.dataset.validate import parse
from scheduler.db import WriterBusy, exclusive, snapshot

SHARED = ("terms", "subjects", "bell_schedules", "communities", "curriculum", "research_groups")
NAMES = {"terms": "学期", "subjects": "学科", "bell_schedules": "作息表", "schools": "学校",
         "travel_minutes": "通勤时间", "communities": "教共体", "teachers": "教师", "classes": "班级",
         "curriculum": "课程计划", "curriculum_overrides": "课程调整", "staffing": "任课安排",
         "coteaching": "同步课堂", "research_groups": "联合教研"}


class RemovalsNeedConfirmation(Exception):
    """The file leaves out stored entities of the school; importing would delete them."""

    def __init__(self, removed: dict[str, list[str]]) -> None:
        self.removed = removed
        count = sum(len(v) for v in removed.values())
        super().__init__(f"导入会删除本校 {count} 项文件中没有的数据，需要确认")

    def lines(self) -> list[str]:
        return [f"{NAMES[name]}：{', '.join(keys)}" for name, keys in self.removed.items() if keys]


@dataclass
class SchoolMerge:
    document: dict[str, Any]
    origin: dict[tuple[str, str], int]  # (list, entry key) -> index of that entry in the file
    issues: list[DatasetIssue] = field(default_factory=list)  # errors about the file, with file paths
    warnings: list[str] = field(default_factory=list)
    removed: dict[str, list[str]] = field(default_factory=dict)


class _Owner:
    """Which entries of a list belong to the school, given its campuses and classes."""

    def __init__(self, school: str, campuses: set[str], classes: set[str]) -> None:
        self.school, self.campuses, self.classes = school, campuses, classes

    def __call__(self, name: str, e: dict[str, Any]) -> bool:
        if name == "schools":
            return e.get("code") == self.school
        if name == "teachers":
            return e.get("school") == self.school
        if name == "classes":
            return e.get("campus") in self.campuses
        if name in ("curriculum_overrides", "staffing"):
            return e.get("class") in self.classes
        if name == "coteaching":
            return e.get("lead_class") in self.classes
        if name == "travel_minutes":
            return e.get("from") in self.campuses or e.get("to") in self.campuses
        return False


def _owner(document: dict[str, Any], school: str) -> _Owner:
    entry = next((s for s in document.get("schools", []) if isinstance(s, dict) and s.get("code") == school), {})
    campuses = {c.get("code") for c in entry.get("campuses", []) if isinstance(c, dict)}
    classes = {c.get("code") for c in document.get("classes", []) if isinstance(c, dict) and c.get("campus") in campuses}
    return _Owner(school, campuses, classes)  # type: ignore[arg-type]


def _key(name: str, entry: Any) -> str | None:
    try:
        return entry_key(name, entry)
    except (KeyError, TypeError):
        return None


def merge_school(stored: dict[str, Any], incoming: dict[str, Any], school: str) -> SchoolMerge:
    """The stored document with `school`'s entities replaced by those of `incoming`."""
    mine_before, mine_after = _owner(stored, school), _owner(incoming, school)
    merged: dict[str, Any] = {k: v for k, v in stored.items() if k not in LISTS}
    merge = SchoolMerge(merged, {})
    file_county = incoming.get("county", {}).get("code") if isinstance(incoming.get("county"), dict) else None
    if file_county is not None and str(file_county) != str(stored["county"]["code"]):
        merge.issues.append(DatasetIssue(("county", "code"), f"文件是县 {file_county} 的数据，数据库中是县 "
                                                             f"{stored['county']['code']}"))
    if not any(mine_after("schools", s) for s in incoming.get("schools", []) if isinstance(s, dict)):
        merge.issues.append(DatasetIssue(("schools",), f"文件中没有学校 {school}（按校导入需要本校及其校区）"))
    needed_bells = {c.get("bell_schedule") for s in incoming.get("schools", []) if isinstance(s, dict)
                    and s.get("code") == school for c in s.get("campuses", []) if isinstance(c, dict)}
    for name in LISTS:
        kept = list(stored.get(name, []))
        entries = incoming.get(name, [])
        if not isinstance(entries, list):
            entries = []
        if name in SHARED:
            known = {_key(name, e): e for e in kept}
            for i, e in enumerate(entries):
                k = _key(name, e)
                if name == "bell_schedules" and k not in known and isinstance(e, dict) and e.get("code") in needed_bells:
                    merge.origin[(name, k or "")] = i
                    kept.append(e)
                elif k in known and known[k] != e or k not in known:
                    merge.warnings.append(f"{NAMES[name]} {k}：与全县共用的数据不同，已忽略（按校导入只替换本校的数据）")
            merged[name] = kept
            continue
        old_mine = [e for e in kept if mine_before(name, e)]
        new_mine = []
        for i, e in enumerate(entries):
            if isinstance(e, dict) and mine_after(name, e):
                new_mine.append(e)
                merge.origin[(name, _key(name, e) or "")] = i
            else:
                merge.issues.append(DatasetIssue((name, i), f"不属于学校 {school}：按校导入只能包含本校的{NAMES[name]}"))
        after_keys = {_key(name, e) for e in new_mine}
        merge.removed[name] = sorted(k for e in old_mine if (k := _key(name, e)) is not None and k not in after_keys)
        merged[name] = [e for e in kept if not mine_before(name, e)] + new_mine
    return merge


def _translate(issue: DatasetIssue, merge: SchoolMerge) -> DatasetIssue:
    """An issue of the merged document, placed in the file (or named as stored data)."""
    path = issue.path
    if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
        entries = merge.document.get(path[0], [])
        key = _key(path[0], entries[path[1]]) if path[1] < len(entries) else None
        where = merge.origin.get((path[0], key or ""))
        if where is not None:
            return DatasetIssue((path[0], where, *path[2:]), issue.message, issue.severity, issue.ref)
        return DatasetIssue((), f"现有数据 {NAMES.get(path[0], path[0])} {key}：{issue.message}", issue.severity,
                            issue.ref)
    return issue


def _validated(merge: SchoolMerge, source: str, locate: Locator) -> Any:
    if merge.issues:
        raise DatasetInvalid(source, merge.issues, locate)
    try:
        dataset, _ = parse(json.loads(json.dumps(merge.document)), source)
    except DatasetInvalid as exc:
        raise DatasetInvalid(source, [_translate(i, merge) for i in exc.issues], locate) from None
    return dataset


def _notes(source: str, locate: Locator) -> list[str]:
    return [f"{source}: {note}" for note in getattr(locate, "notes", ())]


def import_school_file(engine: Engine, path: Path, school: str, *, dry_run: bool = False, replace: bool = False,
                       wait: float = IMPORT_WAIT_SECONDS, on_wait: Callable[[], None] | None = None) -> ImportResult:
    """Validate a school's file against the stored dataset and replace that school's entities.

    Raises DatasetInvalid (every error, nothing written) or RemovalsNeedConfirmation
    (nothing written) when the import would delete entities and `replace` is not given.
    """
    document, locate = read_source(path)
    source = str(path)

    def prepared(session: Any) -> tuple[Any, SchoolMerge]:
        stored = export_document(session)
        if stored is None:
            raise DatasetInvalid(source, [DatasetIssue((), "数据库中还没有数据：请先导入全县数据，再按校导入")])
        if not any(s.get("code") == school for s in stored.get("schools", [])) and not any(
                isinstance(s, dict) and s.get("code") == school for s in document.get("schools", [])):
            raise DatasetInvalid(source, [DatasetIssue((), f"没有学校 {school}")])
        merge = merge_school(stored, document, school)
        return _validated(merge, source, locate), merge

    if dry_run:
        with snapshot(engine) as session:
            dataset, merge = prepared(session)
            return ImportResult(preview(session, dataset, source), merge.warnings + _notes(source, locate), True)
    try:
        with exclusive(engine, IMPORT_LOCK, wait=wait, on_wait=on_wait) as session:
            dataset, merge = prepared(session)
            if any(merge.removed.values()) and not replace:
                raise RemovalsNeedConfirmation({k: v for k, v in merge.removed.items() if v})
            changes = apply(session, dataset, source)
    except WriterBusy as exc:
        raise DatasetInvalid(source, [DatasetIssue((), (
            f"另一个导入（或写入）等待 {exc.waited:g} 秒后仍在进行，本次导入已放弃，"
            "未写入任何内容；请稍后重试"))]) from None
    return ImportResult(changes, merge.warnings + _notes(source, locate), False)
