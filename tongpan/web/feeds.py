"""The `/s/{token}` subscribe page, and keeping feed tokens out of the access log.

Feeds themselves are answered by the plain ASGI fast path (tongpan.web.fastpath),
which also answers every miss under `/feeds/` and `/s/` with one Chinese 404
page, so this route only ever sees tokens of existing feeds.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from icalendar import vText
from icalendar.parser import Contentlines
from sqlalchemy import Engine, bindparam, select

from calendars.config import FeedConfig
from calendars.models import KIND_NAMES, Feed
from calendars.render import RenderedEvent
from calendars.state import FeedState
from calendars.tokens import FeedAddress, lookup_hash, matches
from scheduler.models import County
from tongpan.web.fastpath import NOT_FOUND_HEADERS, NOT_FOUND_PAGE

router = APIRouter()

WEEKDAYS = "一二三四五六日"
# In-app browsers that cannot hand a webcal:// link to the phone's calendar.
IN_APP = {"MicroMessenger": "微信", "DingTalk": "钉钉", "QQ/": "QQ", "wxwork": "企业微信"}


def _engine(request: Request) -> Engine:
    return request.app.state.engine


@dataclass(frozen=True)
class Shown:
    """One event as the page lists it."""

    start: str  # HH:MM
    end: str
    summary: str
    location: str


def _text(template: str, name: str) -> str:
    """A property's text from an event's stored content lines (unfolded and unescaped by icalendar)."""
    for line in Contentlines.from_ical(template):
        if line:
            prop, _, value = line.parts()
            if prop == name:
                return str(vText.from_ical(value))
    return ""


def week_of(state: FeedState, today: date) -> dict[date, list[Shown]]:
    """The events of today's week (Monday to Sunday), cancelled ones left out, by day and time."""
    monday = today - timedelta(days=today.weekday())
    days = {monday + timedelta(days=i): [] for i in range(7)}
    first, last = monday.strftime("%Y%m%d"), (monday + timedelta(days=6)).strftime("%Y%m%d")
    chosen: list[RenderedEvent] = sorted((e for e in state.events() if first <= e.start[:8] <= last
                                          and not e.cancelled), key=lambda e: (e.start, e.uid))
    for e in chosen:
        day = datetime.strptime(e.start[:8], "%Y%m%d").date()
        days[day].append(Shown(f"{e.start[9:11]}:{e.start[11:13]}", f"{e.end[9:11]}:{e.end[11:13]}",
                               _text(e.template, "SUMMARY"), _text(e.template, "LOCATION")))
    return days


def in_app_browser(user_agent: str) -> str | None:
    """The app whose built-in browser this is (微信, 钉钉 …), or None for a system browser."""
    return next((name for marker, name in IN_APP.items() if marker in user_agent), None)


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>订阅日历 · {owner}</title>
<style>
body{{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:30rem;
padding:1.2rem;line-height:1.6;color:#222}}
h1{{font-size:1.3rem;margin:.2rem 0}} h2{{font-size:1.05rem;margin:1.2rem 0 .3rem}} .kind{{color:#666;font-size:.9rem}}
a.button{{display:block;text-align:center;background:#1a73e8;color:#fff;padding:.8rem;border-radius:.5rem;
text-decoration:none;margin:1rem 0;font-size:1.1rem}}
input{{width:100%;box-sizing:border-box;font-size:.85rem;padding:.5rem}} .qr svg{{width:12rem;height:12rem}}
.qr{{text-align:center}} li{{margin:.3rem 0}}
.hint{{background:#fff4e5;border:1px solid #f0b400;border-radius:.5rem;padding:.7rem;margin:.8rem 0}}
.day{{border-top:1px solid #ddd;padding:.4rem 0}} .day h3{{font-size:.95rem;margin:.2rem 0;color:#1a73e8}}
.day.past h3{{color:#888}} .day.past .ev{{color:#888}}
.ev{{display:flex;gap:.6rem;font-size:.9rem;margin:.15rem 0}} .ev .t{{white-space:nowrap;color:#555;min-width:6.6rem}}
.ev .l{{color:#666;font-size:.8rem}} .none{{color:#888;font-size:.9rem}}
</style></head><body>
{hint}<p class="kind">{kind}日历</p>
<h1>{owner}</h1>
<a class="button" href="{webcal}">添加到日历（iPhone、iPad、Mac、Outlook）</a>
<p>其他日历（安卓、谷歌日历、钉钉等）：复制下面的订阅地址，在日历应用中选择“通过网址订阅/添加日历”。</p>
<input readonly value="{https}" onclick="this.select()" aria-label="订阅地址">
<h2>本周安排</h2>
{week}
<ul>
<li>课表更新后，日历会自动同步（约每 {refresh} 分钟）。</li>
<li>这是您个人的订阅地址，请勿转发；如已泄露，请联系管理员重新生成。</li>
</ul>
<div class="qr">{qr}<p>在电脑上打开本页时，可用手机扫码在手机上订阅</p></div>
</body></html>
"""

HINT = """<div class="hint" id="in-app"><b>请在浏览器中打开本页</b><br>
{app}内置的浏览器不能直接订阅日历。请点右上角「…」，选择「在浏览器打开」（或「在默认浏览器中打开」），
再点「添加到日历」。</div>
"""


def _day_html(day: date, shown: list[Shown], today: date) -> str:
    label = "今天" if day == today else f"周{WEEKDAYS[day.weekday()]}"
    heading = f"{label} · {day.month}月{day.day}日" + ("" if day != today else f"（周{WEEKDAYS[day.weekday()]}）")
    items = "".join(
        f'<div class="ev"><span class="t">{s.start}–{s.end}</span><span>{html.escape(s.summary)}'
        f'<br><span class="l">{html.escape(s.location)}</span></span></div>' for s in shown
    ) or '<p class="none">没有安排</p>'
    past = " past" if day < today else ""
    return f'<section class="day{past}" data-date="{day.isoformat()}"><h3>{heading}</h3>{items}</section>'


def week_html(days: dict[date, list[Shown]], today: date) -> str:
    """Today first, then the rest of the week, then the days of the week already past."""
    order = sorted(days, key=lambda d: (d < today, d))
    return "\n".join(_day_html(d, days[d], today) for d in order)


_DIGEST = bindparam("digest")
_PAGE_ROW = select(Feed.token_hash, Feed.kind, Feed.owner_name, Feed.state).where(Feed.token_hash == _DIGEST)


@router.get("/s/{token}", response_class=HTMLResponse)
def subscribe_page(token: str, request: Request) -> Response:
    """A phone-sized page: the owner's week (today first), the webcal and https addresses, a QR code."""
    digest = lookup_hash(token)
    with _engine(request).connect() as connection:
        row = connection.execute(_PAGE_ROW, {"digest": digest}).first() if digest else None
        tzid = connection.scalar(select(County.timezone)) or "Asia/Shanghai"
    if row is None or digest is None or not matches(row.token_hash, digest):
        return Response(NOT_FOUND_PAGE, status_code=404, headers=dict((k.decode(), v.decode())
                                                                      for k, v in NOT_FOUND_HEADERS))
    today = datetime.now(timezone.utc).astimezone(ZoneInfo(tzid)).date()
    base = request.app.state.settings.public_url
    address = FeedAddress(row.kind, "", row.owner_name, token)
    qr = segno.make(address.page(base), error="m").svg_inline(scale=4, border=2)
    app = in_app_browser(request.headers.get("user-agent", ""))
    page = PAGE.format(kind=KIND_NAMES.get(row.kind, ""), owner=html.escape(row.owner_name),
                       webcal=html.escape(address.webcal(base)), https=html.escape(address.https(base)),
                       refresh=int(FeedConfig.from_env().refresh.total_seconds() // 60), qr=qr,
                       hint=HINT.format(app=app) if app else "",
                       week=week_html(week_of(FeedState.loads(row.state), today), today))
    return HTMLResponse(page, headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
                                       "Vary": "User-Agent"})


_TOKEN_PATH = re.compile(r"/(feeds|s)/[^/?\s]+")


class RedactTokens(logging.Filter):
    """Replaces feed tokens in uvicorn's access log lines with `***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_PATH.sub(r"/\1/***", a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
