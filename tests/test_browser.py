"""The web workplace in a real headless Chromium (Debian's `chromium`, driven by Playwright's Python API).

A real `tongpan serve` on a spare port with the in-process job runner and the
real solver (a few seconds per solve): sign in, the overview, a class grid,
a regeneration watched to 完成, a diff of two versions that differ by one moved
lesson, an upload with errors, and a class PDF download. Without Chromium (a
laptop) these tests skip with a message; under TONGPAN_REQUIRE_SERVICES=1 they fail.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import missing_service
from dashboard_support import MINE, OTHER, TERM, county, first_class, period, plan_of, store, teacher_for
from jobs_support import import_document
from scheduler.db import make_engine, transaction, upgrade
from serve_support import CHROMIUM, CHROMIUM_ARGS, sign_in, tongpan_serve
from tasks.access import create_token
from test_dashboard_data import broken_workbook


def _browser_or_skip() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("Playwright (pip package playwright)", "pip install -e '.[test]'")
    if not Path(CHROMIUM).is_file():
        missing_service("Chromium (/usr/bin/chromium)", "apt-get install -y chromium")
    return sync_playwright


@dataclass
class Server:
    base: str
    token: str
    tmp: Path


def moved_plan() -> list[dict[str, Any]]:
    plan = copy.deepcopy(plan_of(MINE))
    start, end = period(first_class(MINE)["campus"], 3)
    plan[0].update(day="thu", start=start, end=end)
    return plan


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _browser_or_skip()
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'tongpan.db'}"
    eng = make_engine(url)
    upgrade(eng)
    import_document(eng, tmp, county())
    store(eng, MINE, plan_of(MINE), publish=True)
    store(eng, MINE, moved_plan())
    with transaction(eng) as session:
        token = create_token(session, None, "县教育局")
    eng.dispose()
    solver = {"TONGPAN_SOLVER_TIME_LIMIT": "4", "TONGPAN_SOLVER_WORKERS": "1"}
    with tongpan_serve(url, tmp / "serve.log", solver) as served:
        yield Server(served.base, token, tmp)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation of 重新生成
    sign_in(page, server.base, server.token)
    yield page
    context.close()


def test_sign_in_and_the_overview_lists_the_communities(page: Any) -> None:
    rows = page.locator("#communities tbody tr")
    names = [c["name"] for c in county()["communities"]]
    assert rows.count() == len(names)
    text = page.locator("#communities").inner_text()
    assert all(name in text for name in names)
    assert "县教育局" in page.locator("header").inner_text()


def test_class_grid_shows_a_known_lesson_at_its_day_and_clock_time(page: Any, server: Server) -> None:
    cls = first_class(MINE)
    page.click(f"a[href='/communities/{MINE}']")
    page.click(f"a[href='/communities/{MINE}/terms/{TERM}/classes/{cls['code']}']")
    start, end = period(cls["campus"], 1)
    row = page.locator(f"#grid tr[data-start='{start}']")
    assert f"{start}–{end}" in row.locator("th").inner_text()
    teacher = next(t["name"] for t in county()["teachers"] if t["code"] == teacher_for(cls, "YW"))
    monday = row.locator("td[data-day='mon']").inner_text()
    assert "语文" in monday and teacher in monday
    assert "语文" not in row.locator("td[data-day='tue']").inner_text()


def test_download_a_class_pdf(page: Any, server: Server) -> None:
    cls = first_class(MINE)
    page.goto(server.base + f"/communities/{MINE}/terms/{TERM}/classes/{cls['code']}")
    with page.expect_download() as download:
        page.click("a:has-text('打印（PDF）')")
    path = download.value.path()
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert cls["name"] in text and "语文" in text and "–".join(period(cls["campus"], 1)) in text


def test_diff_of_two_versions_shows_exactly_the_moved_lesson(page: Any, server: Server) -> None:
    page.goto(server.base + f"/communities/{MINE}/terms/{TERM}/versions")
    page.select_option("select[name=a]", "1")
    page.select_option("select[name=b]", "2")
    page.click("button:has-text('查看变化')")
    assert "共 1 项变化" in page.locator("#summary").inner_text()
    cls = first_class(MINE)
    (mon, _), (thu, _) = period(cls["campus"], 1), period(cls["campus"], 3)
    items = page.locator("#by-class li")
    assert items.count() == 1
    line = items.first.inner_text()
    assert line.startswith("语文 · 调整时间") and f"周一 {mon}" in line and f"周四 {thu}" in line
    assert page.locator(f"#by-class [data-class='{cls['code']}']").count() == 1
    assert page.locator("#by-teacher li").count() == 1


def test_upload_a_workbook_with_errors_and_see_every_error_row(page: Any, server: Server) -> None:
    content, wrong = broken_workbook(server.tmp)
    path = server.tmp / "county-with-errors.xlsx"
    path.write_bytes(content)
    page.goto(server.base + "/data")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('校验并预览')")
    assert "3 处错误，未导入任何内容" in page.locator("#message").inner_text()
    rows = page.locator("#errors tbody tr")
    assert rows.count() == len(wrong)
    seen = sorted((rows.nth(i).locator("td").nth(0).inner_text(), int(rows.nth(i).locator("td").nth(1).inner_text()))
                  for i in range(rows.count()))
    assert seen == sorted((sheet, row) for sheet, row, _ in wrong)


def test_trigger_a_regeneration_and_see_it_reach_done(page: Any, server: Server) -> None:
    page.goto(server.base + f"/communities/{OTHER}/terms/{TERM}/versions")
    page.click("button:has-text('重新生成并发布')")
    page.wait_for_url("**/jobs/*")
    state = page.locator("[data-field=state]")
    state.filter(has_text="已完成").wait_for(timeout=150_000)  # the solver's 4 s, the check and publishing
    assert page.locator("#job").get_attribute("data-state") == "succeeded"
    assert "结束" in page.locator("[data-field=phase]").inner_text()
    page.click("a:has-text('查看方案版本')")
    assert "已发布" in page.locator("#versions").inner_text()
