"""The `/s/{token}` page: the owner's week with today first, the in-app browser hint, a phone screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine

from calendars.tokens import community_addresses
from feeds_support import BEFORE_TERM, COMMUNITY, CONFIG, People, base_plan, events, load, store_and_publish, stored_feeds
from scheduler.db import transaction
from tongpan.settings import Settings
from tongpan.web.app import create_app
from serve_support import CHROMIUM, CHROMIUM_ARGS
from test_browser import _browser_or_skip
from tongpan.web.feeds import in_app_browser

PUBLIC = "https://rili.example.cn"
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def site(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, str]]:
    monkeypatch.setenv("TONGPAN_FEED_SECRET", CONFIG.secret or "")
    load(engine)
    store_and_publish(engine, base_plan(), BEFORE_TERM)
    with transaction(engine) as session:
        address = next(a for a in community_addresses(session, COMMUNITY, CONFIG) if a.code == People.sx)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False), broker_url=None,
                              public_url=PUBLIC))
    with TestClient(app) as client:
        yield client, address.page(PUBLIC).removeprefix(PUBLIC)
    app.state.engine.dispose()


def _today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _this_week(engine: Engine) -> set[tuple[str, str]]:
    """(date, title) of the teacher's confirmed events this week, read from the feed itself."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    week = today.isocalendar()[:2]
    found = set()
    for e in events(stored_feeds(engine)["teacher", People.sx][1]).values():
        day = e.decoded("DTSTART").date()
        if day.isocalendar()[:2] == week and str(e["STATUS"]) != "CANCELLED":
            found.add((day.isoformat(), str(e["SUMMARY"])))
    return found


def test_the_page_lists_the_week_today_first(site: tuple[TestClient, str], engine: Engine) -> None:
    client, path = site
    page = client.get(path, headers={"User-Agent": SAFARI})
    assert page.status_code == 200 and "本周安排" in page.text
    sections = page.text.split('<section class="day')[1:]
    assert len(sections) == 7
    dates = [s.split('data-date="', 1)[1][:10] for s in sections]
    assert dates[0] == _today() and "今天" in sections[0]
    assert dates[1:] == sorted(d for d in dates[1:] if d > _today()) + sorted(d for d in dates[1:] if d < _today())
    shown = {(date, title) for date, s in zip(dates, sections, strict=True)
             for title in (part.split("<br>")[0] for part in s.split('<span class="t">')[1:])
             for title in [title.split("</span><span>", 1)[1]]}
    assert shown == _this_week(engine)
    assert 'id="in-app"' not in page.text


def test_in_app_browsers_are_told_to_open_the_system_browser(site: tuple[TestClient, str]) -> None:
    client, path = site
    assert in_app_browser(WECHAT) == "微信" and in_app_browser(SAFARI) is None
    page = client.get(path, headers={"User-Agent": WECHAT})
    assert 'id="in-app"' in page.text and "在浏览器打开" in page.text and "微信" in page.text
    assert page.headers["vary"] == "User-Agent"


def test_phone_width_screenshot_shows_the_week(site: tuple[TestClient, str], tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    client, path = site
    html = client.get(path, headers={"User-Agent": WECHAT}).text
    shot = tmp_path / "subscribe.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, user_agent=WECHAT)
            page.set_content(html)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
            hint, first = page.locator("#in-app"), page.locator("section.day").first
            assert hint.is_visible() and first.is_visible()
            assert first.get_attribute("data-date") == _today() and "今天" in first.inner_text()
            assert page.locator("section.day").count() == 7
            assert first.bounding_box()["y"] < 844 * 1.5  # today is near the top, after the subscribe button
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    image = Image.open(shot)
    assert image.width == 390 and image.height >= 844
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50  # text, the button and the QR code were drawn, not a blank page
