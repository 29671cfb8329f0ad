"""The workplace's feed pages: addresses with QR codes, printable sheets per school, reissue with confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard_support import MINE, OTHER, Site, county, first_class, sign_in, sqlite_site, teacher_for


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    with sqlite_site(tmp_path) as s:
        yield s


def feed_address(html: str, code: str) -> str:
    row = next(r for r in html.split("<tr>") if f'<small class="code">{code}</small>' in r)
    found = re.search(r'value="(http://testserver/feeds/[^"]+\.ics)"', row)
    assert found, row
    return found.group(1).removeprefix("http://testserver")


def test_feeds_page_lists_every_address_with_a_working_qr_code(web: Site) -> None:
    sign_in(web.client, web.own_token)
    page = web.client.get(f"/communities/{MINE}/feeds")
    assert page.status_code == 200
    cls = first_class(MINE)
    teacher = teacher_for(cls, "YW")
    address = feed_address(page.text, teacher)
    assert web.client.get(address).status_code == 200  # the address really serves the teacher's feed
    assert f"/communities/{MINE}/feeds/teacher/{teacher}/qr.svg" in page.text
    qr = web.client.get(f"/communities/{MINE}/feeds/teacher/{teacher}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and "<svg" in qr.text
    only = web.client.get(f"/communities/{MINE}/feeds?kind=class").text
    assert f'<small class="code">{cls["code"]}</small>' in only and f'<small class="code">{teacher}</small>' not in only


def test_qr_sheet_per_school(web: Site) -> None:
    sign_in(web.client, web.own_token)
    cls = first_class(MINE)
    school = next(s["code"] for s in county()["schools"] if any(c["code"] == cls["campus"] for c in s["campuses"]))
    teachers = [t for t in county()["teachers"] if t["school"] == school]
    page = web.client.get(f"/communities/{MINE}/feeds/sheet?school={school}")
    assert page.status_code == 200
    assert page.text.count('class="qr-card"') == len(teachers) + sum(
        1 for k in county()["classes"] if k["campus"] in {c["code"] for s in county()["schools"]
                                                         if s["code"] == school for c in s["campuses"]})
    assert all(t["name"] in page.text for t in teachers)


def test_reissue_asks_first_needs_csrf_and_revokes_the_old_address(web: Site) -> None:
    csrf = sign_in(web.client, web.own_token)
    teacher = teacher_for(first_class(MINE), "YW")
    old = feed_address(web.client.get(f"/communities/{MINE}/feeds").text, teacher)
    url = f"/communities/{MINE}/feeds/teacher/{teacher}/reissue"
    confirm = web.client.get(url)
    assert confirm.status_code == 200 and "立即失效" in confirm.text
    assert web.client.get(old).status_code == 200  # asking changes nothing
    assert web.client.post(url, data={}).status_code == 403
    assert web.client.get(old).status_code == 200
    done = web.client.post(url, data={"csrf": csrf})
    assert done.status_code == 200 and "旧地址已失效" in done.text
    new = re.search(r"<code>http://testserver(/feeds/[^<]+\.ics)</code>", done.text)
    assert new and new.group(1) != old
    assert web.client.get(old).status_code == 404 and web.client.get(new.group(1)).status_code == 200


def test_another_communitys_feeds_are_out_of_reach(web: Site) -> None:
    csrf = sign_in(web.client, web.own_token)
    teacher = teacher_for(first_class(OTHER), "YW")
    school = next(iter(c["core_school"] for c in county()["communities"] if c["code"] == OTHER))
    for path in (f"/communities/{OTHER}/feeds", f"/communities/{OTHER}/feeds/teacher/{teacher}/qr.svg",
                 f"/communities/{OTHER}/feeds/sheet?school={school}",
                 f"/communities/{OTHER}/feeds/teacher/{teacher}/reissue"):
        assert web.client.get(path).status_code == 403, path
    assert web.client.post(f"/communities/{OTHER}/feeds/teacher/{teacher}/reissue",
                           data={"csrf": csrf}).status_code == 403
    # Their teacher through our community's address is simply not ours.
    assert web.client.get(f"/communities/{MINE}/feeds/teacher/{teacher}/qr.svg").status_code == 404
    sign_in(web.client, web.county_token)
    their_feeds = web.client.get(f"/communities/{OTHER}/feeds").text
    assert web.client.get(feed_address(their_feeds, teacher)).status_code == 200  # still the same address
