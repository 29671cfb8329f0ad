"""The report and rotation pages of the web workplace: charts against targets, downloads, scopes."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard_support import MINE, OTHER, TERM, Site, county, plan_of, sign_in, site, store
from scheduler.db import make_engine, transaction, upgrade
from scheduler.report import build_report, report_input
from scheduler.report.xlsx import TITLE_ROWS


def with_seniority() -> dict[str, Any]:
    """The generated county with every core-school teacher at their school since 2012."""
    doc = copy.deepcopy(county())
    cores = {c["core_school"] for c in doc["communities"]}
    for t in doc["teachers"]:
        if t["school"] in cores:
            t["school_since"] = 2012
    return doc


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    eng = make_engine(url)
    upgrade(eng)
    with site(eng, tmp_path, url, with_seniority()) as s:
        store(eng, MINE, plan_of(MINE), publish=True)
        store(eng, OTHER, plan_of(OTHER), publish=True)
        yield s
    eng.dispose()


def expected(web: Site):  # type: ignore[no-untyped-def]
    with transaction(web.engine) as session:
        return build_report(report_input(session, term=TERM))


def test_report_page_shows_missed_targets_and_charts_with_their_figures(web: Site) -> None:
    sign_in(web.client, web.county_token)
    page = web.client.get(f"/report?term={TERM}")
    assert page.status_code == 200, page.text
    report = expected(web)
    assert re.search(r'id="missed-count">(\d+)<', page.text).group(1) == str(len(report.missed))
    rows = re.findall(r'<tr data-key="([a-z_]+)" data-school="([^"]*)">', page.text)
    assert rows == [(t.key, t.school or "") for t in report.missed]
    bars = re.findall(r'<g class="bar (met|short)" data-value="([^"]+)" data-target="([^"]+)">', page.text)
    pairs = [t for t in report.targets if t.school]
    county_shares = [t for t in report.targets if t.scope == "county" and t.unit == "%"]
    assert len(bars) == len(pairs) + len(county_shares)
    assert sorted((v, g, c == "met") for c, v, g in bars) == sorted(
        (f"{t.value:g}", f"{t.target:g}", t.met) for t in pairs + county_shares)
    assert "<script src=\"http" not in page.text and "cdn" not in page.text.lower()


def test_report_downloads_carry_the_same_figures(web: Site) -> None:
    sign_in(web.client, web.county_token)
    report = expected(web)
    xlsx = web.client.get(f"/report.xlsx?term={TERM}")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content))["指标"]
    read = [(r[3], r[4], r[5]) for r in ws.iter_rows(min_row=TITLE_ROWS + 2, values_only=True)]
    assert read == [(t.label, t.value, t.target) for t in report.targets]
    pdf = web.client.get(f"/report.pdf?term={TERM}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace(" ", "")
    assert "城乡教共体工作报告" in text and report.missed[0].label in text


def test_a_community_token_sees_its_own_figures_only(web: Site) -> None:
    sign_in(web.client, web.own_token)
    page = web.client.get(f"/report?term={TERM}")
    assert page.status_code == 200
    report = expected(web)
    mine = [t for t in report.missed if t.scope == MINE]
    assert re.findall(r'<tr data-key="([a-z_]+)" data-school="([^"]*)">', page.text) == [
        (t.key, t.school or "") for t in mine]
    assert "教共体覆盖" not in page.text
    assert web.client.get("/rotation?year=2027").status_code == 403


def test_rotation_page_lists_the_proposal_and_downloads_the_publicity_list(web: Site) -> None:
    sign_in(web.client, web.county_token)
    page = web.client.get("/rotation?year=2027")
    assert page.status_code == 200, page.text
    moved = re.findall(r'<tr data-teacher="([^"]+)"><td class="num">', page.text)
    assert moved
    sheet = load_workbook(io.BytesIO(web.client.get("/rotation/publicity.xlsx?year=2027").content))["交流轮岗公示"]
    listed = [r[2] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert listed == moved
    met = int(re.search(r'id="quotas-met">(\d+)<', page.text).group(1))
    assert met >= 1
