"""The `tongpan` command end to end: exit codes, messages, files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scheduler.generate import generate_county
from tongpan.cli import app

runner = CliRunner()


def tongpan(url: str, *args: str) -> Any:
    return runner.invoke(app, list(args), env={"TONGPAN_DATABASE_URL": url}, catch_exceptions=False)


@pytest.fixture
def url(database_url: str) -> str:
    assert tongpan(database_url, "db", "upgrade").exit_code == 0
    return database_url


def small_county(term: dict[str, Any] | None = None) -> dict[str, Any]:
    document = generate_county(1, seed=3)
    if term is not None:
        document["terms"] = [term]
    return document


TERM_2026 = {"code": "2026-1", "name": "2026学年第一学期", "start": "2026-09-01", "end": "2027-01-22",
             "statutory_overrides": {"holidays": ["2027-01-01"], "workdays": []}}


def imported(url: str, tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "county.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = tongpan(url, "import", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_term_days_2026_with_2027_supplied(url: str, tmp_path: Path) -> None:
    imported(url, tmp_path, small_county(TERM_2026))
    result = tongpan(url, "term", "days", "--term", "2026-1", "--json")
    assert result.exit_code == 0, result.output
    days = {d["date"]: d["follows"] for d in json.loads(result.stdout)}
    assert not [d for d in days if "2026-10-01" <= d <= "2026-10-07"]
    assert days["2026-09-20"] == "tue"
    assert days["2026-10-10"] == "wed"
    assert "2027-01-01" not in days
    assert days["2026-09-01"] == "tue" and days["2027-01-22"] == "fri"


def test_term_reaching_unknown_year_is_refused_naming_it(url: str, tmp_path: Path) -> None:
    term = {k: v for k, v in TERM_2026.items() if k != "statutory_overrides"}
    path = tmp_path / "county.json"
    path.write_text(json.dumps(small_county(term), ensure_ascii=False), encoding="utf-8")
    result = tongpan(url, "import", str(path))
    assert result.exit_code == 2
    assert "2027" in result.stderr and "statutory_overrides" in result.stderr
    assert "terms[0]" in result.stderr


def test_term_days_2025(url: str, tmp_path: Path) -> None:
    term = {"code": "2025-1", "name": "2025学年第一学期", "start": "2025-09-01", "end": "2026-01-23"}
    imported(url, tmp_path, small_county(term))
    result = tongpan(url, "term", "days", "--term", "2025-1", "--json")
    days = {d["date"]: d["follows"] for d in json.loads(result.stdout)}
    assert days["2025-09-28"] == "tue"
    assert days["2025-10-11"] == "wed"
    assert "2025-10-08" not in days and "2026-01-01" not in days


def test_import_errors_exit_2_and_list_every_error(url: str, tmp_path: Path) -> None:
    good = small_county()
    imported(url, tmp_path, good)
    exported = tongpan(url, "export", "dataset").stdout
    bad = copy.deepcopy(good)
    bad["teachers"][0]["campus"] = "X1"
    bad["classes"][0]["campus"] = "X2"
    bad["staffing"][0]["teacher"] = "X3"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    result = tongpan(url, "import", str(path))
    assert result.exit_code == 2
    for where in ("teachers[0].campus", "classes[0].campus", "staffing[0].teacher", "未导入任何内容"):
        assert where in result.stderr
    assert tongpan(url, "export", "dataset").stdout == exported


def test_dry_run_and_export_file(url: str, tmp_path: Path) -> None:
    path = imported(url, tmp_path, small_county())
    out = tmp_path / "out.json"
    assert tongpan(url, "export", "dataset", "--out", str(out)).exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    document["subjects"].append({"code": "SF", "name": "书法"})
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = tongpan(url, "import", "--dry-run", str(path))
    assert result.exit_code == 0
    assert "预览" in result.stdout and "学科 新增: SF" in result.stdout
    assert "SF" not in tongpan(url, "export", "dataset").stdout


def test_commands_refuse_a_database_not_upgraded(tmp_path: Path) -> None:
    result = tongpan(f"sqlite:///{tmp_path / 'new.db'}", "export", "dataset")
    assert result.exit_code == 2
    assert "tongpan db upgrade" in result.stderr


def test_generate_county_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for path in (a, b):
        result = runner.invoke(app, ["generate", "county", "--communities", "2", "--seed", "5", "--out", str(path)])
        assert result.exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert len(json.loads(a.read_text(encoding="utf-8"))["communities"]) == 2


def test_demo_solves_publishes_and_exports_every_community(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--dir", str(demo), "--communities", "2", "--time-limit", "3"],
                           env={"TONGPAN_PUBLIC_URL": "https://rili.example.cn"})
    assert result.exit_code == 0, result.output
    assert "示例县概况" in result.stdout and "上课日" in result.stdout
    assert (demo / "tongpan.db").exists()
    assert result.stdout.count("已完成 · 已发布第 1 版") == 2
    assert result.stdout.count("https://rili.example.cn/feeds/") == 4  # teacher, class, campus, community
    communities = sorted(p.name for p in (demo / "feeds").iterdir())
    assert len(communities) == 2
    for community in communities:
        kinds = {p.name.split("-", 1)[0] for p in (demo / "feeds" / community).glob("*.ics")}
        assert kinds == {"teacher", "class", "campus", "community"}
        assert all(p.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n") for p in (demo / "feeds" / community).iterdir())


def test_template_imports_and_workbook_errors_name_sheet_row_column(url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from scheduler.dataset.xlsx import write_workbook
    from scheduler.dataset.xlsx_layout import EXAMPLE

    template = tmp_path / "template.xlsx"
    assert runner.invoke(app, ["template", "xlsx", str(template)]).exit_code == 0
    untouched = tongpan(url, "import", str(template))  # the grey example rows are never imported
    assert untouched.exit_code == 2 and "示例数据" in untouched.stderr, untouched.output
    filled = tmp_path / "filled.xlsx"
    write_workbook(EXAMPLE, filled)  # the same data typed in by a school imports
    result = tongpan(url, "import", str(filled))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(filled)
    sheet = workbook["教师"]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header, start=1) if h and str(h).startswith("所属校区"))
    sheet.cell(row=2, column=column, value="NO-SUCH")
    bad = tmp_path / "bad.xlsx"
    workbook.save(bad)
    before = tongpan(url, "export", "dataset").stdout
    result = tongpan(url, "import", str(bad))
    assert result.exit_code == 2
    assert "工作表「教师」第 2 行「所属校区」列" in result.stderr
    assert tongpan(url, "export", "dataset").stdout == before
