"""The web workplace: sign-in, sessions and CSRF, scopes, the overview, grids, printed timetables, /docs."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, update

from dashboard_support import (MINE, OTHER, TERM, Site, county, csrf_of, first_class, period, plan_of, sign_in, site,
                               sqlite_site, store, teacher_for)
from scheduler import models as m
from scheduler.db import transaction
from tasks.access import revoke_token
from tasks.models import AdminToken


@pytest.fixture
def web(engine: Engine, tmp_path: Path, database_url: str) -> Iterator[Site]:
    with site(engine, tmp_path, database_url) as s:
        store(engine, MINE, plan_of(MINE), publish=True)
        store(engine, OTHER, plan_of(OTHER), publish=True)
        yield s


@pytest.fixture
def sqlite_web(tmp_path: Path) -> Iterator[Site]:
    """The same site on SQLite only, for the many checks that do not depend on the database."""
    with sqlite_site(tmp_path) as s:
        yield s


class Cells(HTMLParser):
    """The grid table's cells as (row start time, day) -> text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self._start: str | None = None
        self._day: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-start"):
            self._start = a["data-start"]
        if tag == "td" and a.get("data-day") and self._start:
            self._day = a["data-day"]
            self.cells[(self._start, self._day)] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._day = None

    def handle_data(self, data: str) -> None:
        if self._day and self._start:
            self.cells[(self._start, self._day)] += data


def cells_of(html: str) -> dict[tuple[str, str], str]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def test_pages_need_sign_in_and_come_back_after_it(sqlite_web: Site) -> None:
    client = sqlite_web.client
    path = f"/communities/{MINE}/terms/{TERM}/classes/{first_class(MINE)['code']}"
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"
    page = client.get(response.headers["location"])
    assert f'name="next" value="{path}"' in page.text
    signed = client.post("/login", data={"token": sqlite_web.county_token, "next": path, "csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == path
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and sqlite_web.county_token not in cookie
    assert client.get(path).status_code == 200


def test_a_wrong_token_or_a_foreign_next_is_refused(sqlite_web: Site) -> None:
    client = sqlite_web.client
    page = client.get("/login")
    bad = client.post("/login", data={"token": "tpa_nope_nope", "next": "/", "csrf": csrf_of(page.text)})
    assert bad.status_code == 401 and "令牌无效或已被吊销" in bad.text
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"token": sqlite_web.county_token, "next": evil,
                                               "csrf": csrf_of(client.get("/login").text)}, follow_redirects=False)
        assert response.headers["location"] == "/", evil
        client.cookies.clear()


def test_forms_without_the_session_csrf_token_are_refused(sqlite_web: Site) -> None:
    client = sqlite_web.client
    client.get("/login")
    assert client.post("/login", data={"token": sqlite_web.county_token, "next": "/"}).status_code == 403
    assert client.post("/login", data={"token": sqlite_web.county_token, "next": "/", "csrf": "x" * 32}
                       ).status_code == 403
    csrf = sign_in(client, sqlite_web.county_token)
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_revoked_token_ends_its_sessions(sqlite_web: Site) -> None:
    client = sqlite_web.client
    sign_in(client, sqlite_web.own_token)
    key_id = sqlite_web.own_token.split("_")[1]
    with transaction(sqlite_web.engine) as session:
        assert revoke_token(session, key_id)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_no_session(sqlite_web: Site) -> None:
    client = sqlite_web.client
    sign_in(client, sqlite_web.own_token)
    value = client.cookies.get("tongpan_session")
    assert value
    client.cookies.set("tongpan_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_overview_lists_the_communities_with_their_published_plans(web: Site) -> None:
    client = web.client
    sign_in(client, web.county_token)
    page = client.get("/").text
    for c in county()["communities"]:
        assert c["name"] in page and f'href="/communities/{c["code"]}"' in page
    assert "共建型" in page and "融合型" in page and "第 1 版" in page


def test_a_community_token_sees_only_its_community(sqlite_web: Site) -> None:
    client = sqlite_web.client
    sign_in(client, sqlite_web.own_token)
    page = client.get("/").text
    names = {c["code"]: c["name"] for c in county()["communities"]}
    assert names[MINE] in page and names[OTHER] not in page
    theirs, ours = first_class(OTHER), first_class(MINE)
    teacher = teacher_for(theirs, "YW")
    campus = theirs["campus"]
    for path in (f"/communities/{OTHER}", f"/communities/{OTHER}/terms/{TERM}/classes/{theirs['code']}",
                 f"/communities/{OTHER}/terms/{TERM}/teachers/{teacher}",
                 f"/communities/{OTHER}/terms/{TERM}/campuses/{campus}",
                 f"/communities/{OTHER}/terms/{TERM}/classes/{theirs['code']}.pdf",
                 f"/communities/{OTHER}/terms/{TERM}/teachers/{teacher}.pdf",
                 f"/communities/{OTHER}/terms/{TERM}/campuses/{campus}.pdf",
                 # Another community's class through this community's address is not found either.
                 ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert theirs["name"] not in response.text or path.endswith(".pdf")
    assert client.get(f"/communities/{MINE}/terms/{TERM}/classes/{theirs['code']}").status_code == 404
    assert client.get(f"/communities/{MINE}/terms/{TERM}/classes/{ours['code']}").status_code == 200


def test_class_grid_shows_a_known_lesson_at_its_day_and_clock_time(web: Site) -> None:
    client = web.client
    sign_in(client, web.own_token)
    cls = first_class(MINE)
    page = client.get(f"/communities/{MINE}/terms/{TERM}/classes/{cls['code']}")
    assert page.status_code == 200
    cells = cells_of(page.text)
    mon1, tue2 = period(cls["campus"], 1)[0], period(cls["campus"], 2)[0]
    teacher = next(t["name"] for t in county()["teachers"] if t["code"] == teacher_for(cls, "YW"))
    assert "语文" in cells[(mon1, "mon")] and teacher in cells[(mon1, "mon")]
    assert "数学" in cells[(tue2, "tue")]
    assert "语文" not in cells[(mon1, "tue")] and cells[(tue2, "mon")].strip() == ""
    assert f"{period(cls['campus'], 1)[0]}–{period(cls['campus'], 1)[1]}" in page.text


def test_teacher_and_campus_pages(sqlite_web: Site) -> None:
    client = sqlite_web.client
    sign_in(client, sqlite_web.own_token)
    cls = first_class(MINE)
    teacher = teacher_for(cls, "YW")
    page = client.get(f"/communities/{MINE}/terms/{TERM}/teachers/{teacher}")
    assert page.status_code == 200 and "的课表" in page.text
    assert "语文" in cells_of(page.text)[(period(cls["campus"], 1)[0], "mon")]
    master = client.get(f"/communities/{MINE}/terms/{TERM}/campuses/{cls['campus']}")
    assert master.status_code == 200 and "总课表" in master.text and cls["name"] in master.text


def test_names_with_html_are_escaped(sqlite_web: Site) -> None:
    cls = first_class(MINE)
    evil = '<script>alert("x")</script>'
    with transaction(sqlite_web.engine) as session:
        session.execute(update(m.SchoolClass).where(m.SchoolClass.code == cls["code"]).values(name=evil))
        session.execute(update(m.Community).where(m.Community.code == MINE).values(name=evil + "教共体"))
    client = sqlite_web.client
    sign_in(client, sqlite_web.own_token)
    for path in ("/", f"/communities/{MINE}", f"/communities/{MINE}/terms/{TERM}/classes/{cls['code']}",
                 f"/communities/{MINE}/terms/{TERM}/campuses/{cls['campus']}"):
        text = client.get(path).text
        assert evil not in text, path
        assert "&lt;script&gt;" in text, path


def test_class_pdf_download(sqlite_web: Site) -> None:
    client = sqlite_web.client
    sign_in(client, sqlite_web.own_token)
    cls = first_class(MINE)
    response = client.get(f"/communities/{MINE}/terms/{TERM}/classes/{cls['code']}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert cls["name"] in text and "语文" in text and "数学" in text
    assert len(reader.pages[0].images) == 1  # the class feed's subscribe page as a QR code (published)
    campus = client.get(f"/communities/{MINE}/terms/{TERM}/campuses/{cls['campus']}.pdf")
    classes = [k for k in county()["classes"] if k["campus"] == cls["campus"]]
    assert len(PdfReader(io.BytesIO(campus.content)).pages) == len(classes)


def test_unknown_things_are_404_pages(sqlite_web: Site) -> None:
    client = sqlite_web.client
    sign_in(client, sqlite_web.county_token)
    for path in ("/communities/NOPE", f"/communities/{MINE}/terms/1999-1/classes/x",
                 f"/communities/{MINE}/terms/{TERM}/classes/NOPE", f"/communities/{MINE}/terms/{TERM}/bogus/x.pdf"):
        response = client.get(path)
        assert response.status_code == 404 and "找不到页面" in response.text, path
    assert client.get("/feeds/" + "A" * 32 + ".ics").status_code == 404  # the feed routes keep their own 404


def test_docs_work_offline(sqlite_web: Site) -> None:
    client = sqlite_web.client
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "cdn" not in page.text.lower()
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "/api/openapi.json" in page.text and client.get("/api/openapi.json").json()["paths"]
    css = client.get("/static/tongpan.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    with transaction(sqlite_web.engine) as session:
        assert session.get(AdminToken, sqlite_web.own_token.split("_")[1]) is not None
