"""Bad files never crash: workbooks read whole whatever their <dimension> tag says, padded rows cost
nothing, limits refuse what no county needs, and deep JSON is refused before it is parsed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from scheduler.dataset import xlsx_bounds
from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.load import import_file, read_source
from scheduler.dataset.store import export_document
from scheduler.dataset.xlsx import read_workbook, write_workbook
from scheduler.db import snapshot
from scheduler.generate import generate_county
from tongpan.cli import app
from workbook_files import padded, wrong_dimension

runner = CliRunner()


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("books")
    document = generate_county(2, seed=7)
    document["teachers"][0]["name"] = "汪莉莉\n（代课）"  # an Alt+Enter cell
    good = directory / "good.xlsx"
    write_workbook(document, good)
    short = good
    for n, title in enumerate(("教师", "课程计划", "通勤时间", "班级")):
        short = wrong_dimension(short, directory / f"short{n}.xlsx", title, "A1:B2")
    return {"good": good, "short": short, "padded": padded(good, directory / "padded.xlsx", "教师"),
            "document": read_workbook(good)[0], "dir": directory}


def test_a_wrong_dimension_tag_still_reads_every_row(engine: Engine, books: dict[str, Any]) -> None:
    assert read_workbook(books["short"])[0] == books["document"]
    import_file(engine, books["short"])
    with snapshot(engine) as session:
        stored = export_document(session)
    assert stored is not None
    for name in ("teachers", "curriculum", "travel_minutes", "classes"):
        assert len(stored[name]) == len(books["document"][name]) > 2, name
    code = books["document"]["teachers"][0]["code"]
    assert next(t["name"] for t in stored["teachers"] if t["code"] == code) == "汪莉莉 （代课）"


def test_rows_padded_to_xfd_read_like_the_plain_workbook(books: dict[str, Any]) -> None:
    started = time.monotonic()
    assert read_workbook(books["padded"])[0] == books["document"]
    assert time.monotonic() - started < 30  # was over a minute for this sheet; about a second now


def cli_import(url: str, path: Path) -> Any:
    return runner.invoke(app, ["import", str(path)], env={"TONGPAN_DATABASE_URL": url}, catch_exceptions=False)


def test_a_padded_workbook_with_a_bad_cell_exits_2_quickly(engine: Engine, database_url: str,
                                                           books: dict[str, Any]) -> None:
    bad = books["dir"] / "bad.xlsx"
    document = json.loads(json.dumps(books["document"]))
    document["teachers"][0]["max_periods_per_week"] = "很多"
    write_workbook(document, bad)
    bad_padded = padded(bad, books["dir"] / "bad-padded.xlsx", "教师")
    started = time.monotonic()
    result = cli_import(database_url, bad_padded)
    assert result.exit_code == 2, result.output
    assert time.monotonic() - started < 30
    assert "工作表「教师」第 2 行" in result.output


def test_limits_refuse_with_a_clear_message(books: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_bounds, "MAX_FILE_BYTES", 1000)
    with pytest.raises(DatasetInvalid) as caught:
        read_workbook(books["good"])
    assert "工作簿过大：文件大小" in caught.value.lines()[0]
    monkeypatch.setattr(xlsx_bounds, "MAX_FILE_BYTES", 50 * 1024 * 1024)
    monkeypatch.setattr(xlsx_bounds, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(DatasetInvalid) as caught:
        read_workbook(books["good"])
    assert "解压后" in caught.value.lines()[0]


def test_row_and_column_limits(books: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler.dataset import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 50)
    with pytest.raises(DatasetInvalid) as caught:
        read_workbook(books["good"])
    assert any("工作表「教师」第 51 行" in line and "行数超过上限 50" in line for line in caught.value.lines())
    monkeypatch.setattr(xlsx, "MAX_ROWS", 100_000)
    monkeypatch.setattr(xlsx, "MAX_COLUMNS", 3)
    with pytest.raises(DatasetInvalid) as caught:
        read_workbook(books["good"])
    assert any("列数超过上限 3" in line for line in caught.value.lines())


def test_the_limits_fit_the_largest_county_with_room_to_spare(tmp_path: Path) -> None:
    county = generate_county(40, seed=1)
    path = tmp_path / "county.xlsx"
    write_workbook(county, path)
    assert path.stat().st_size * 20 < xlsx_bounds.MAX_FILE_BYTES
    assert len(county["teachers"]) * 10 < xlsx_bounds.MAX_ROWS


def test_deeply_nested_json_exits_2_quickly(database_url: str, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "tongpan-dataset/1", "county": ' + "[" * 100_000 + "]" * 100_000 + "}")
    started = time.monotonic()
    result = cli_import(database_url, path)
    assert result.exit_code == 2, result.output
    assert "嵌套超过" in result.output
    assert time.monotonic() - started < 10


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    document = generate_county(1, seed=3)
    document["teachers"][0]["note"] = "[[[[" * 100 + '\\"{{{{' * 100
    path = tmp_path / "county.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert read_source(path)[0]["teachers"][0]["note"] == document["teachers"][0]["note"]
