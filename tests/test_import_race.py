"""One writer, whole reads: racing imports end as one file's dataset, readers never see a mixture.

Every race starts from a third dataset, so each import has a difference to
compute and write; without the import lock both compute it against that start
and the database ends as a merge of the two files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.load import IMPORT_LOCK, WAITING_MESSAGE, import_file
from scheduler.dataset.schema import dump
from scheduler.dataset.store import export_document, load_dataset
from scheduler.dataset.validate import parse
from scheduler.db import exclusive, snapshot
from scheduler.generate import generate_county

ROUNDS = 12


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three valid datasets of one county that differ in every list that has people and classes."""
    directory = tmp_path_factory.mktemp("race")
    paths = {}
    for name, seed in (("start", 9), ("a", 7), ("b", 8)):
        paths[name] = directory / f"{name}.json"
        paths[name].write_text(json.dumps(generate_county(2, seed=seed), ensure_ascii=False), encoding="utf-8")
    return paths


def canonical(document: dict[str, Any]) -> str:
    dataset, _ = parse(document, "x")
    data = dump(dataset)
    return json.dumps({k: sorted(json.dumps(e, sort_keys=True, ensure_ascii=False) for e in v)
                       if isinstance(v, list) else v for k, v in data.items()}, sort_keys=True)


@pytest.fixture(scope="module")
def expected(files: dict[str, Path]) -> dict[str, str]:
    return {name: canonical(json.loads(path.read_text(encoding="utf-8"))) for name, path in files.items()}


def stored(engine: Engine) -> str:
    with snapshot(engine) as session:
        document = export_document(session)
    assert document is not None
    return canonical(document)


def race(engine: Engine, paths: list[Path]) -> list[BaseException | None]:
    """Start one import per path at the same moment; what each raised (None when it succeeded)."""
    barrier = threading.Barrier(len(paths))
    outcome: list[BaseException | None] = [None] * len(paths)

    def run(i: int) -> None:
        barrier.wait()
        try:
            import_file(engine, paths[i])
        except BaseException as exc:  # reported by the test, not lost in the thread
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def test_two_imports_started_together_end_as_one_file(engine: Engine, files: dict[str, Path],
                                                      expected: dict[str, str]) -> None:
    winners = []
    for _ in range(ROUNDS):
        import_file(engine, files["start"])
        outcome = race(engine, [files["a"], files["b"]])
        assert outcome == [None, None], outcome
        result = stored(engine)
        assert result in (expected["a"], expected["b"]), "the stored dataset is neither file"
        winners.append("a" if result == expected["a"] else "b")
    assert len(winners) == ROUNDS


def test_a_reader_racing_imports_sees_one_whole_dataset(engine: Engine, files: dict[str, Path],
                                                        expected: dict[str, str]) -> None:
    import_file(engine, files["start"])
    done = threading.Event()
    failures: list[BaseException] = []

    def importer() -> None:
        try:
            for i in range(ROUNDS):
                import_file(engine, files["a" if i % 2 == 0 else "b"])
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=importer)
    thread.start()
    seen = []
    while not done.is_set():
        with snapshot(engine) as session:
            dataset = load_dataset(session)
        assert dataset is not None
        seen.append(canonical(dump(dataset)))
    thread.join()
    assert not failures, failures
    assert len(seen) >= 2
    mixtures = [s for s in seen if s not in expected.values()]
    assert not mixtures, f"{len(mixtures)} of {len(seen)} reads mixed two imports"


def hold_lock(engine: Engine, seconds: float, holding: threading.Event) -> threading.Thread:
    def hold() -> None:
        with exclusive(engine, IMPORT_LOCK, wait=5):
            holding.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    return thread


def test_a_second_import_waits_with_a_message_then_imports(engine: Engine, files: dict[str, Path],
                                                           expected: dict[str, str]) -> None:
    holding = threading.Event()
    thread = hold_lock(engine, 1.0, holding)
    messages: list[str] = []
    import_file(engine, files["a"], wait=30, on_wait=lambda: messages.append(WAITING_MESSAGE))
    thread.join()
    assert messages == [WAITING_MESSAGE]
    assert stored(engine) == expected["a"]


def test_an_import_that_waits_too_long_is_refused_and_writes_nothing(engine: Engine, files: dict[str, Path],
                                                                     expected: dict[str, str]) -> None:
    import_file(engine, files["start"])
    holding = threading.Event()
    thread = hold_lock(engine, 2.0, holding)
    with pytest.raises(DatasetInvalid) as refused:
        import_file(engine, files["a"], wait=0.3)
    thread.join()
    assert "另一个导入" in refused.value.lines()[0]
    assert stored(engine) == expected["start"]


def cli_import(url: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TONGPAN_DATABASE_URL": url}
    tongpan = Path(sys.executable).with_name("tongpan")
    return subprocess.Popen([str(tongpan), "import", str(path)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_tongpan_import_processes_end_as_one_file(engine: Engine, database_url: str,
                                                      files: dict[str, Path], expected: dict[str, str]) -> None:
    for _ in range(3):
        import_file(engine, files["start"])
        runs = [cli_import(database_url, files["a"]), cli_import(database_url, files["b"])]
        for run in runs:
            _, stderr = run.communicate(timeout=120)
            assert run.returncode == 0, stderr
        assert stored(engine) in (expected["a"], expected["b"])
