"""The workplace's daily-changes pages: record an absence, change a cover, confirm; the month's ledger."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from dashboard_support import MINE, TERM, Site, csrf_of, first_class, lesson, sign_in, site, store, teacher_for
from scheduler.covers.days import term_days
from scheduler.dataset.store import load_dataset
from scheduler.db import transaction


@pytest.fixture
def web(engine: Engine, tmp_path: Path, database_url: str) -> Iterator[tuple[Site, str, object]]:
    with site(engine, tmp_path, database_url) as s:
        with transaction(engine) as session:
            ds = load_dataset(session)
            term = next(t for t in ds.terms if t.code == TERM)  # type: ignore[union-attr]
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        ahead = [d for day, d in sorted(term_days(term).items()) if day > today]
        assert ahead, f"the generated term {TERM} is over; move the test data to a later term"
        cls = first_class(MINE)
        absent = teacher_for(cls, "YW")
        store(engine, MINE, [lesson(cls, "YW", ahead[0].follows, 1, absent)], publish=True)
        yield s, absent, ahead[0]


def test_record_choose_confirm_and_read_the_ledger(web: tuple[Site, str, object]) -> None:
    s, absent, day = web
    csrf = sign_in(s.client, s.own_token)
    assert "登记缺勤" in s.client.get("/covers").text
    made = s.client.post("/covers/absences", data={"csrf": csrf, "teacher": absent, "start": day.date.isoformat(),
                                                   "reason": "病假"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/covers?absence=")
    page = s.client.get(made.headers["location"]).text
    assert 'id="waiting"' in page and "data-cover=" in page
    cover = page.split('data-cover="')[1].split('"')[0]
    changed = s.client.post(f"/covers/{cover}/choose", data={"csrf": csrf_of(page), "choice": "2"},
                            follow_redirects=False)
    assert changed.status_code == 303
    refused = s.client.post("/covers/confirm", data={"csrf": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    done = s.client.post("/covers/confirm", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and "已确认 1 项代课" in unquote(done.headers["location"])
    assert 'id="waiting"' not in s.client.get("/covers").text

    month = day.date.strftime("%Y-%m")
    ledger = s.client.get(f"/covers/ledger?month={month}").text
    assert f'data-teacher="{absent}"' in ledger
    assert s.client.get(f"/covers/ledger.xlsx?month={month}").status_code == 403  # payroll: county token
    sign_in(s.client, s.county_token)
    workbook = s.client.get(f"/covers/ledger.xlsx?month={month}")
    assert workbook.status_code == 200
    rows = list(load_workbook(io.BytesIO(workbook.content))["代课台账"].iter_rows(min_row=3, values_only=True))
    assert any(r[0] == absent for r in rows)


def test_a_community_token_cannot_record_another_communitys_teacher(web: tuple[Site, str, object]) -> None:
    s, _, day = web
    csrf = sign_in(s.client, s.own_token)
    with transaction(s.engine) as session:
        ds = load_dataset(session)
        other = next(t.code for t in ds.teachers if t.school not in  # type: ignore[union-attr]
                     {c.core_school for c in ds.communities if c.code == MINE}  # type: ignore[union-attr]
                     | {m for c in ds.communities if c.code == MINE for m in c.members})  # type: ignore[union-attr]
    refused = s.client.post("/covers/absences", data={"csrf": csrf, "teacher": other, "start": day.date.isoformat(),
                                                      "reason": "病假"}, follow_redirects=False)
    assert refused.status_code == 403
