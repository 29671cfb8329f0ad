"""`tongpan rotation propose` and `apply` end to end: 公示 workbook, JSON, the next year's dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from report_cases import TERM, dataset, lesson
from scheduler.db import make_engine, transaction
from scheduler.plans import set_published, store_plan
from scheduler.report import build_report
from scheduler.report.model import ReportInput
from scheduler.rotation.publicity import LIST_HEADINGS, LIST_SHEET
from test_rotation import core_with, staff
from tongpan.cli import app


def tongpan(url: str, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"TONGPAN_DATABASE_URL": url}, catch_exceptions=False)


def rotation_doc() -> dict[str, Any]:
    doc = core_with(20, backbone=3)
    staff(doc, "TYY", "A", 2019, ["YY"])  # 8 years: eligible, and teaches the English B lacks
    doc["coteaching"] = [{"code": "CT-YY", "subject": "YY", "lead_teacher": "TYY", "lead_class": "A-A-3-1",
                          "remote_classes": ["B-A-3-1"]}]
    doc["staffing"] = [{"class": "A-A-3-1", "subject": "YW", "teacher": "TX01"}]
    return doc


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tongpan.db'}"
    assert tongpan(url, "db", "upgrade").exit_code == 0
    path = tmp_path / "county.json"
    path.write_text(json.dumps(rotation_doc(), ensure_ascii=False), encoding="utf-8")
    assert tongpan(url, "import", str(path)).exit_code == 0
    engine = make_engine(url)
    with transaction(engine) as session:  # 2026学年: B's English is unmet, and A's 语文 teacher comes for 语文
        set_published(session, store_plan(session, "C1", TERM, {
            "activities": [lesson("B-A-3-1.YW", "YW", "mon", 1, "B-A", "B-A-3-1", "TX00")],
            "unmet": [{"class": "B-A-3-1", "subject": "YY", "periods": 3, "reason": "没有合格教师"}]}))
    engine.dispose()
    return url


def test_propose_writes_the_publicity_list_and_apply_the_next_years_dataset(url: str, tmp_path: Path) -> None:
    xlsx, proposal = tmp_path / "gs.xlsx", tmp_path / "p.json"
    result = tongpan(url, "rotation", "propose", "--year", "2027", "--out", str(xlsx), "--json", str(proposal),
                     "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert "缺口 4 节/周" in result.output and "补上 4 节/周" in result.output
    moves = json.loads(proposal.read_text(encoding="utf-8"))["moves"]
    wb = load_workbook(xlsx)
    rows = list(wb[LIST_SHEET].iter_rows(min_row=2, values_only=True))
    assert rows[0] == LIST_HEADINGS
    assert [(r[2], r[5]) for r in rows[1:]] == [(m["teacher"], m["campus"]) for m in moves]
    assert len(moves) == 3  # 21 eligible at A: 10% is 3
    by_teacher = {m["teacher"]: m for m in moves}
    assert by_teacher["TYY"]["school"] == "B" and "英语3年级 3 节/周" in by_teacher["TYY"]["reason"]
    assert sum("补语文3年级 1 节/周" in m["reason"] for m in moves) == 1  # the period a pool teacher travels for
    quotas = list(wb["名额"].iter_rows(min_row=3, values_only=True))
    assert ("A学校", 21, 3, 3, 1, 1, "是") == quotas[0][:7]

    out = tmp_path / "next.json"
    result = tongpan(url, "rotation", "apply", "--proposal", str(proposal), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "已删除该链接" in result.output and "2027 学年的学期" in result.output
    new = json.loads(out.read_text(encoding="utf-8"))
    teachers = {t["code"]: t for t in new["teachers"]}
    for m in moves:
        t = teachers[m["teacher"]]
        assert (t["school"], t["campus"], t["exchange"]) == (m["school"], m["campus"], True)
        assert t["rotation"][-1] == {"school": m["school"], "from": 2027, "to": 2030, "home": "A"}
    assert new["coteaching"] == []  # TYY led it from A
    assert all(s["teacher"] not in by_teacher for s in new["staffing"])

    # The new dataset imports as it is (the next school year is then solved as usual).
    fresh = f"sqlite:///{tmp_path / 'next.db'}"
    assert tongpan(fresh, "db", "upgrade").exit_code == 0
    imported = tongpan(fresh, "import", str(out))
    assert imported.exit_code == 0, imported.output

    # The report of the new dataset counts exactly these rotations, against the quota.
    report = build_report(ReportInput(dataset(new), "2027学年", (), {}, [], 2027))
    row = next(r for r in report.rotation if r.school == "A")
    assert (row.eligible, row.rotating) == (21, 3)
    assert next(t for t in report.targets if t.key == "rotation_share").met


def test_apply_reads_an_edited_publicity_list(url: str, tmp_path: Path) -> None:
    xlsx = tmp_path / "gs.xlsx"
    assert tongpan(url, "rotation", "propose", "--year", "2027", "--out", str(xlsx), "--time-limit", "5").exit_code == 0
    wb = load_workbook(xlsx)
    ws = wb[LIST_SHEET]
    kept = ws.cell(3, 3).value
    ws.delete_rows(4, ws.max_row)
    wb.save(xlsx)
    out = tmp_path / "next.json"
    assert tongpan(url, "rotation", "apply", "--proposal", str(xlsx), "--out", str(out)).exit_code == 2  # no year
    result = tongpan(url, "rotation", "apply", "--proposal", str(xlsx), "--year", "2027", "--out", str(out))
    assert result.exit_code == 0, result.output
    new = json.loads(out.read_text(encoding="utf-8"))
    assert [t["code"] for t in new["teachers"] if t.get("rotation")] == [kept]


def test_apply_refuses_unknown_codes_and_writes_nothing(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "tongpan-rotation/1", "year": 2027,
                               "moves": [{"teacher": "NOBODY", "campus": "B-A"}]}), encoding="utf-8")
    out = tmp_path / "next.json"
    result = tongpan(url, "rotation", "apply", "--proposal", str(bad), "--out", str(out))
    assert result.exit_code == 2 and "未知的教师代码 NOBODY" in result.output
    assert not out.exists()
