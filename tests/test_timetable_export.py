"""`tongpan export pdf` and `tongpan export xlsx`: the same timetables as the web workplace, as files."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from dashboard_support import MINE, TERM, county, first_class, period, plan_of, store
from jobs_support import import_document
from scheduler.db import make_engine, upgrade
from tongpan.cli import app

runner = CliRunner()


def test_export_pdf_and_xlsx(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tongpan.db'}"
    eng = make_engine(url)
    upgrade(eng)
    import_document(eng, tmp_path, county())
    env = {"TONGPAN_DATABASE_URL": url}
    missing = runner.invoke(app, ["export", "pdf", "--community", MINE, "--term", TERM, "--out", str(tmp_path / "x")],
                            env=env)
    assert missing.exit_code == 2 and "没有" in missing.output and not (tmp_path / "x").exists()
    store(eng, MINE, plan_of(MINE), publish=True)
    out = tmp_path / "pdf"
    result = runner.invoke(app, ["export", "pdf", "--community", MINE, "--term", TERM, "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    cls = first_class(MINE)
    community = next(c for c in county()["communities"] if c["code"] == MINE)
    schools = {community["core_school"], *community["members"]}
    campuses = [p["code"] for s in county()["schools"] if s["code"] in schools for p in s["campuses"]]
    classes = [k for k in county()["classes"] if k["campus"] in campuses]
    teachers = [t for t in county()["teachers"] if t["school"] in schools]
    names = {p.name for p in out.iterdir()}
    assert names == ({f"class-{k['code']}.pdf" for k in classes} | {f"teacher-{t['code']}.pdf" for t in teachers}
                     | {f"campus-{c}.pdf" for c in campuses})
    page = PdfReader(io.BytesIO((out / f"class-{cls['code']}.pdf").read_bytes())).pages[0]
    text = page.extract_text()
    assert cls["name"] in text and "语文" in text and "–".join(period(cls["campus"], 1)) in text
    assert len(page.images) == 1
    book_path = tmp_path / "kebiao.xlsx"
    result = runner.invoke(app, ["export", "xlsx", "--community", MINE, "--term", TERM, "--out", str(book_path)],
                           env=env)
    assert result.exit_code == 0, result.output
    book = load_workbook(book_path)
    assert len(book.sheetnames) == len(classes)
    sheet = next(book[n] for n in book.sheetnames if book[n]["A1"].value.startswith(cls["name"] + "（"))
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["节次", "时间", "周一"]
    first = [c.value for c in sheet[4]]
    assert first[0] == "第1节" and first[1] == "-".join(period(cls["campus"], 1)) and first[2].startswith("语文")
