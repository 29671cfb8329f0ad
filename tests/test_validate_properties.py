"""Property tests: whatever a mutated dataset looks like, validation and import either succeed or
report errors; they never raise anything else, and a refused import leaves the database alone."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.load import import_file
from scheduler.dataset.store import export_document
from scheduler.dataset.validate import parse
from scheduler.db import make_engine, transaction, upgrade
from scheduler.generate import generate_county

BASE = generate_county(1, seed=11)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 40), st.floats(allow_nan=False, width=32),
                         st.text(max_size=12), st.sampled_from(["mon", "08:40", "25:99", "2026-10-10", "2027-02-30",
                                                                 "DQ-C01", "YW", "", "auto", "online"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every dict and list in the document, the places a mutation can land."""
    found = [path]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        if isinstance(child, (dict, list)):
            found.extend(_containers(child, (*path, key)))
    return found


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        target = _at(document, draw(st.sampled_from(_containers(document))))
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            action = draw(st.sampled_from(["replace", "delete", "copy_other"]))
            if action == "replace":
                target[key] = draw(json_values)
            elif action == "delete":
                del target[key]
            else:
                other = draw(st.sampled_from(sorted(target)))
                target[key] = copy.deepcopy(target[other])
        elif isinstance(target, list) and target:
            index = draw(st.integers(0, len(target) - 1))
            action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
            if action == "replace":
                target[index] = draw(json_values)
            elif action == "delete":
                del target[index]
            else:
                target.append(copy.deepcopy(target[index]))
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_validator_returns_a_dataset_or_errors(document: dict[str, Any]) -> None:
    try:
        parse(document, "mutated.json")
    except DatasetInvalid as exc:
        assert exc.errors, "DatasetInvalid must carry at least one error"
        assert all(line.startswith("mutated.json: ") for line in exc.lines())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutated())
def test_import_of_mutated_dataset_imports_or_changes_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                               document: dict[str, Any]) -> None:
    directory: Path = tmp_path_factory.mktemp("prop")
    engine = make_engine(f"sqlite:///{directory / 'tongpan.db'}")
    upgrade(engine)
    original = directory / "base.json"
    original.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    import_file(engine, original)
    with transaction(engine) as session:
        before = export_document(session)
    path = directory / "mutated.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    try:
        import_file(engine, path)
    except DatasetInvalid:
        with transaction(engine) as session:
            assert export_document(session) == before
    else:
        with transaction(engine) as session:
            after = export_document(session)
        assert after is not None
        parse(after, "export")  # what was imported exports as a valid document
    engine.dispose()
