"""The report's workbook and PDF read back (openpyxl, pypdf): their figures equal the report's."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from report_cases import TERM, coteach, county, dataset, lesson, report_input, research
from scheduler.db import transaction
from scheduler.plans import set_published, store_plan
from scheduler.report import Report, build_report
from scheduler.report.layout import cell_text, tables
from scheduler.report.pdf import report_pdf
from scheduler.report.xlsx import SHEET_NAMES, TITLE_ROWS, report_workbook
from tongpan.cli import app

ACTIVITIES = [
    coteach("CT-YS", "YS", "tue", 3, ("A-A-3-1", "A-A", "TA1"), [("B-A-3-1", "B-A", "TB1"), ("C-A-3-1", "C-A", "TC1")]),
    lesson("A-A-3-1.YS", "YS", "mon", 1, "A-A", "A-A-3-1", "TA1"),
    lesson("B-A-3-1.YS", "YS", "mon", 3, "B-A", "B-A-3-1", "TA1"),
    lesson("B-A-3-1.YW", "YW", "wed", 1, "B-A", "B-A-3-1", "TB1"),
    research("RG1", "thu", "13:30", "14:50", "A-A", ["TA3", "TB1"]),
    research("RG2", "wed", "13:30", "14:50", "online", ["TA3", "TC1"]),
]
UNMET = [{"class": "B-A-3-1", "subject": "YY", "periods": 3, "reason": "没有合格教师"}]


def rotation_county() -> dict[str, Any]:
    doc = county()
    for t in doc["teachers"]:
        if t["school"] == "A":
            t["school_since"] = 2012
    doc["teachers"][0].update(school="B", campus="B-A", rotation=[{"school": "B", "from": 2026, "to": 2029, "home": "A"}])
    return doc


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(report_input(dataset(rotation_county()), {"C1": ACTIVITIES}, {"C1": UNMET}))


def test_every_sheet_holds_the_report_figures(report: Report) -> None:
    wb = load_workbook(io.BytesIO(report_workbook(report)))
    assert wb.sheetnames == list(SHEET_NAMES.values())
    for table in tables(report):
        ws = wb[SHEET_NAMES[table.key]]
        rows = list(ws.iter_rows(min_row=TITLE_ROWS + 1, values_only=True))
        assert rows[0] == table.headings
        assert [tuple(r) for r in rows[1:]] == [tuple(v if v != "" else None for v in row)
                                                for row in table.rows], table.key
    # And against the report objects themselves, not only the layout:
    ws = wb["指标"]
    read = list(ws.iter_rows(min_row=TITLE_ROWS + 2, values_only=True))
    assert [(r[3], r[4], r[5]) for r in read] == [(t.label, t.value, t.target) for t in report.targets]
    assert [r[0] for r in read] == ["达标" if t.met else "未达标" for t in report.targets]
    travel = {r[0]: r for r in wb["走教"].iter_rows(min_row=TITLE_ROWS + 2, values_only=True)}
    assert {code: (r[6], r[8]) for code, r in travel.items()} == {
        r.teacher: (r.minutes_per_week, r.minutes) for r in report.travel}
    assert wb["指标"].cell(TITLE_ROWS + 2, 5).number_format == "0.0%"  # a county share comes first


def test_the_pdf_shows_every_target_and_table_figure(report: Report) -> None:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf(report))).pages)
    flat = text.replace("\n", "").replace(" ", "")
    assert f"{report.county_name}城乡教共体工作报告" in flat
    for table in tables(report):
        assert table.title.replace(" ", "") in flat
        for row in table.rows:
            for i, value in enumerate(row):
                shown = cell_text(value, table.is_percent(row, i)).replace(" ", "").replace("\n", "")
                if shown and len(shown) < 12:  # long advice wraps across cells
                    assert shown in flat, (table.key, shown)
    missed = [t for t in report.targets if not t.met]
    assert flat.index(missed[0].label) < flat.index(next(t for t in report.targets if t.met).label)


def _cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"TONGPAN_DATABASE_URL": url}, catch_exceptions=False)


def test_tongpan_report_writes_the_workbook_and_pdf(tmp_path: Path) -> None:
    from scheduler.db import make_engine

    url = f"sqlite:///{tmp_path / 'tongpan.db'}"
    assert _cli(url, "db", "upgrade").exit_code == 0
    path = tmp_path / "county.json"
    path.write_text(json.dumps(rotation_county(), ensure_ascii=False), encoding="utf-8")
    assert _cli(url, "import", str(path)).exit_code == 0
    engine = make_engine(url)
    with transaction(engine) as session:
        set_published(session, store_plan(session, "C1", TERM, {"activities": ACTIVITIES, "unmet": UNMET}))
    engine.dispose()
    result = _cli(url, "report", "--term", TERM, "--out", str(tmp_path / "r.xlsx"), "--pdf", str(tmp_path / "r.pdf"))
    assert result.exit_code == 0, result.output
    assert "未达标" in result.output and "D学校" in result.output
    expected = build_report(report_input(dataset(rotation_county()), {"C1": ACTIVITIES}, {"C1": UNMET}))
    wb = load_workbook(tmp_path / "r.xlsx")
    read = list(wb["指标"].iter_rows(min_row=TITLE_ROWS + 2, values_only=True))
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in read] == [
        (t.scope_name, t.school_name or None, t.label, t.value, t.target) for t in expected.targets]
    assert PdfReader(tmp_path / "r.pdf").pages
    assert _cli(url, "report", "--term", "NOPE").exit_code == 2
    assert _cli(url, "report", "--year", "2030").exit_code == 2
    assert _cli(url, "report").exit_code == 2
