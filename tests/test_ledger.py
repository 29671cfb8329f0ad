"""The cover ledger: covers given and lessons missed per teacher and month, and its Excel workbook."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine

from calendars.publish import republish
from covers_support import AT, absent_and_propose, lesson, publish_plan
from feeds_support import CONFIG
from scheduler.covers.review import confirm, proposed
from scheduler.db import transaction
from test_feeds_cli import tongpan

CLASS_1, CLASS_2 = "DQ-S001-A-3-1", "DQ-S001-A-3-2"


def test_the_month_ledger_counts_confirmed_covers_only(engine: Engine, tmp_path: Path) -> None:
    publish_plan(engine, [lesson(CLASS_1, "YW", "mon", 1, "T00005"), lesson(CLASS_2, "YW", "mon", 1, "T00006"),
                          lesson(CLASS_1, "YW", "mon", 2, "T00005")])
    absent_and_propose(engine, "T00005")
    with transaction(engine) as session:
        for community, term in confirm(session, proposed(session), AT):
            republish(session, community, term, config=CONFIG, now=AT)
    absent_and_propose(engine, "T00006")  # proposed, never confirmed: not in the ledger

    out = tmp_path / "covers.xlsx"
    done = tongpan(engine, "export", "covers", "--month", "2026-11", "--out", str(out))
    assert done.exit_code == 0, done.output
    book = load_workbook(out)
    sheet = book["代课台账"]
    head = [c.value for c in sheet[2]]
    rows = {r[0]: dict(zip(head, r)) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["T00005"]["缺课：病假"] == 2 and rows["T00005"]["缺课合计"] == 2
    given = {code: r["代课合计"] for code, r in rows.items() if r["代课合计"]}
    assert sum(given.values()) == 2 and set(given) <= {"T00006", "T00007"}
    assert rows.get("T00006", {}).get("缺课合计", 0) == 0  # T00006's own absence is only proposed
    assert len(list(book["明细"].iter_rows(min_row=2))) == 2

    empty = tongpan(engine, "export", "covers", "--month", "2026-10", "--out", str(tmp_path / "none.xlsx"))
    assert empty.exit_code == 0 and "0 项代课" in empty.output
    bad = tongpan(engine, "export", "covers", "--month", "November", "--out", str(tmp_path / "bad.xlsx"))
    assert bad.exit_code == 2 and "--month" in bad.output and not (tmp_path / "bad.xlsx").exists()
