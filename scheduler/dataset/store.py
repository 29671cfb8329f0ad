"""Import a validated dataset into the database, and export it back.

An import compares the new rows with the stored ones table by table and writes
only the difference, in one transaction: inserts and updates parents first,
deletes children first. Entities are matched by code, so a re-import updates
in place and plans and feeds that refer to codes stay valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sqlalchemy import Engine, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from scheduler import models as m
from scheduler.dataset.issues import DatasetInvalid, DatasetIssue, from_validation_error, json_path
from scheduler.dataset.rows import TABLES, Row, Rows, primary_key, term_entry, to_document, to_rows
from scheduler.dataset.schema import Dataset, Term
from scheduler.db import snapshot

LISTS: tuple[str, ...] = (
    "terms", "subjects", "bell_schedules", "schools", "travel_minutes", "communities", "teachers",
    "classes", "curriculum", "curriculum_overrides", "staffing", "coteaching", "research_groups",
)
_BATCH = 2000


@dataclass
class ListChange:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def entry_key(list_name: str, entry: dict[str, Any]) -> str:
    """How a person names an entry of a list: its code, or the fields that identify it."""
    if "code" in entry:
        return str(entry["code"])
    if list_name == "travel_minutes":
        return f"{entry['from']}→{entry['to']}"
    if list_name == "curriculum":
        return f"{entry['subject']}:{','.join(str(g) for g in entry['grades'])}"
    return f"{entry['class']}:{entry['subject']}"


def _select(session: Session, table: type[m.Base], *where: Any) -> list[Row]:
    columns = list(table.__table__.columns)  # type: ignore[attr-defined]
    result = session.execute(select(*columns).where(*where))
    return [dict(zip((c.key for c in columns), r, strict=True)) for r in result]


def load_rows(session: Session) -> Rows:
    return {table: _select(session, table) for table in TABLES}


def stored_county(session: Session) -> str | None:
    return session.scalar(select(m.County.code))


def export_document(session: Session) -> dict[str, Any] | None:
    """The stored dataset as a document, or None when nothing was imported yet."""
    rows = load_rows(session)
    return to_document(rows) if rows[m.County] else None


class StoredDatasetInvalid(ValueError):
    """The stored rows no longer pass the dataset model (written before a rule existed, or by hand)."""


def _by_code(document: dict[str, Any]) -> Callable[[tuple[str | int, ...]], str]:
    """Name a place in the stored document by entry code rather than by position in the export."""
    def locate(path: tuple[str | int, ...]) -> str:
        if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
            entries = document.get(path[0]) or []
            entry = entries[path[1]] if path[1] < len(entries) else {}
            key = entry_key(path[0], entry) if isinstance(entry, dict) else str(path[1])
            return json_path((path[0], *path[2:])).replace(path[0], f"{path[0]}[{key}]", 1)
        return json_path(path)
    return locate


def load_dataset(session: Session) -> Dataset | None:
    """The stored dataset as the validated model the solver and checker read.

    Raises StoredDatasetInvalid, naming each entry by code and field, when the
    stored rows fail the model (say a name with a control character imported
    before names were checked): re-importing a corrected file fixes it.
    """
    document = export_document(session)
    return _validated(document) if document is not None else None


def _validated(document: dict[str, Any]) -> Dataset:
    try:
        return Dataset.model_validate(document)
    except ValidationError as exc:
        locate = _by_code(document)
        problems = "；".join(f"{locate(i.path)}: {i.message}" for i in from_validation_error(exc)[:10])
        raise StoredDatasetInvalid(f"数据库中的数据不符合当前规则，请修正后重新导入：{problems}") from None


def load_dataset_whole(session: Session) -> Dataset | None:
    """The stored dataset read in a snapshot of its own, beside `session`'s (writing) transaction.

    A writer such as publish runs at READ COMMITTED, where each of the dozen
    table reads could see a different import; the snapshot sees one. No
    revision: hashing the canonical export costs as much as reading it.
    """
    with snapshot(_engine(session)) as reader:
        return load_dataset(reader)


def canonical_text(document: dict[str, Any]) -> str:
    """The text `tongpan export dataset` writes: byte-identical for the same stored data."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def dataset_revision(document: dict[str, Any]) -> str:
    """The revision of a stored dataset: SHA-256 of its canonical export (`tongpan export dataset | sha256sum`)."""
    return hashlib.sha256(canonical_text(document).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredDataset:
    """The stored dataset as one read saw it, with its revision: what a plan is solved from and judged by."""

    dataset: Dataset
    revision: str

    @property
    def short(self) -> str:
        return short_revision(self.revision)


def short_revision(revision: str | None) -> str:
    """How a revision is shown to people: its first 12 hex digits (like a short git commit)."""
    return revision[:12] if revision else "未知"


def load_stored(session: Session) -> StoredDataset | None:
    """The stored dataset and its revision, from one export of the session's view of the tables.

    Raises StoredDatasetInvalid as load_dataset does.
    """
    document = export_document(session)
    if document is None:
        return None
    return StoredDataset(_validated(document), dataset_revision(document))


def stored_revision(session: Session) -> str | None:
    """The revision of the stored dataset (None before the first import)."""
    document = export_document(session)
    return dataset_revision(document) if document is not None else None


def load_stored_whole(session: Session) -> StoredDataset | None:
    """`load_stored` in a snapshot of its own, beside `session`'s (writing) transaction (see load_dataset_whole)."""
    with snapshot(_engine(session)) as reader:
        return load_stored(reader)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def diff_lists(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, ListChange]:
    """Per list, which entries a document adds, changes and removes against another."""
    changes: dict[str, ListChange] = {}
    for name in LISTS:
        before = {entry_key(name, e): e for e in (old or {}).get(name, [])}
        after = {entry_key(name, e): e for e in new.get(name, [])}
        change = ListChange(
            added=sorted(after.keys() - before.keys()),
            changed=sorted(k for k in after.keys() & before.keys()
                           if json.dumps(after[k], sort_keys=True) != json.dumps(before[k], sort_keys=True)),
            removed=sorted(before.keys() - after.keys()))
        changes[name] = change
    return changes


def _refuse_other_county(session: Session, ds: Dataset, source: str) -> None:
    code = stored_county(session)
    if code is not None and code != ds.county.code:
        raise DatasetInvalid(source, [DatasetIssue(
            ("county", "code"),
            f"数据库中已是县 {code} 的数据，不能导入县 {ds.county.code}；一个数据库只存放一个县的数据")])


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + _BATCH] for i in range(0, len(items), _BATCH)]


def _delete(session: Session, table: type[m.Base], keys: list[tuple[Any, ...]]) -> None:
    pk = list(table.__table__.primary_key.columns)  # type: ignore[attr-defined]
    for chunk in _chunks(keys):
        if len(pk) == 1:
            session.execute(delete(table).where(pk[0].in_([k[0] for k in chunk])))
        else:
            session.execute(delete(table).where(tuple_(*pk).in_(chunk)))


def apply(session: Session, ds: Dataset, source: str) -> dict[str, ListChange]:
    """Make the stored dataset equal to `ds`; returns what changed per list.

    The caller owns the transaction: nothing is committed here, so an error at
    any step leaves the database as it was.
    """
    _refuse_other_county(session, ds, source)
    stored = load_rows(session)
    before = to_document(stored) if stored[m.County] else None
    new = to_rows(ds)
    removals: list[tuple[type[m.Base], list[tuple[Any, ...]]]] = []
    for table in TABLES:
        old_rows: dict[tuple[Any, ...], Row] = {primary_key(table, r): r for r in stored[table]}
        new_rows: dict[tuple[Any, ...], Row] = {primary_key(table, r): r for r in new.get(table, [])}
        added = [r for k, r in new_rows.items() if k not in old_rows]
        changed = [r for k, r in new_rows.items() if k in old_rows and old_rows[k] != r]
        for chunk in _chunks(added):
            session.execute(insert(table), chunk)
        for chunk in _chunks(changed):
            session.execute(update(table), chunk)
        removals.append((table, [k for k in old_rows if k not in new_rows]))
    for table, keys in reversed(removals):
        _delete(session, table, keys)
    session.flush()
    return diff_lists(before, to_document(new))


def preview(session: Session, ds: Dataset, source: str) -> dict[str, ListChange]:
    """What `apply` would change, without writing anything."""
    _refuse_other_county(session, ds, source)
    return diff_lists(export_document(session), to_document(to_rows(ds)))


def stored_term(session: Session, code: str) -> Term | None:
    """A stored term as the dataset model, for its school calendar."""
    rows = _select(session, m.Term, m.Term.code == code)
    return Term.model_validate(term_entry(rows[0])) if rows else None
