"""Data upload in the workplace: every error in a table, a dry run, import only on confirmation."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboard_support import MINE, OTHER, Site, county, csrf_of, sign_in, sqlite_site
from scheduler.dataset.store import export_document
from scheduler.dataset.xlsx import write_workbook
from scheduler.db import transaction
from test_school_import import school_file, unreferenced_teacher

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    with sqlite_site(tmp_path, plans=False) as s:
        yield s


def stored(s: Site) -> dict[str, Any]:
    with transaction(s.engine) as session:
        document = export_document(session)
    assert document is not None
    return document


def broken_workbook(tmp_path: Path) -> tuple[bytes, list[tuple[str, int, str]]]:
    """The county as a workbook with three wrong cells; returns the bytes and (sheet, row, column letter)."""
    path = tmp_path / "county.xlsx"
    write_workbook(stored_document := county(), path)
    del stored_document
    book = load_workbook(path)
    teachers, classes = book["教师"], book["班级"]
    header = {c.value.rstrip("*"): c.column_letter for c in teachers[1] if c.value}
    most_col = header["周课时上限"]
    teachers[f"{most_col}5"] = "很多"
    cheader = {c.value.rstrip("*"): c.column_letter for c in classes[1] if c.value}
    grade_col = next(v for k, v in cheader.items() if "年级" in k)
    classes[f"{grade_col}3"] = "三年级"
    classes[f"{grade_col}7"] = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), [("教师", 5, most_col), ("班级", 3, grade_col), ("班级", 7, grade_col)]


def upload(s: Site, csrf: str, name: str, content: bytes, school: str = "", kind: str = XLSX) -> Any:
    return s.client.post("/data", data={"csrf": csrf, "school": school}, files={"file": (name, content, kind)},
                         follow_redirects=False)


def error_table(html: str) -> list[list[str]]:
    body = html.split('id="errors"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("<tr>")[2:]]


def test_a_workbook_with_errors_shows_every_error_row_and_imports_nothing(web: Site, tmp_path: Path) -> None:
    csrf = sign_in(web.client, web.county_token)
    before = stored(web)
    content, wrong = broken_workbook(tmp_path)
    response = upload(web, csrf, "county.xlsx", content)
    assert response.status_code == 422 and "3 处错误，未导入任何内容" in response.text, error_table(response.text)
    rows = error_table(response.text)
    assert sorted((r[0], int(r[1]), r[2][-2]) for r in rows) == sorted(wrong)
    assert all(r[3] for r in rows)  # each with its message
    assert stored(web) == before
    assert "#1" not in web.client.get("/data").text  # nothing staged either


def test_a_clean_file_is_previewed_then_imported_on_confirmation(web: Site, tmp_path: Path) -> None:
    csrf = sign_in(web.client, web.county_token)
    document = stored(web)
    teacher = document["teachers"][0]
    document["teachers"][0] = dict(teacher, name="改过的名字")
    response = upload(web, csrf, "county.json", json.dumps(document, ensure_ascii=False).encode(), kind="application/json")
    assert response.status_code == 303
    review = web.client.get(response.headers["location"])
    assert review.status_code == 200 and 'data-list="teachers"' in review.text and "确认导入" in review.text
    assert next(t for t in stored(web)["teachers"] if t["code"] == teacher["code"])["name"] == teacher["name"]
    imported = web.client.post(response.headers["location"] + "/import", data={"csrf": csrf})
    assert imported.status_code == 200 and "已导入" in imported.text
    assert next(t for t in stored(web)["teachers"] if t["code"] == teacher["code"])["name"] == "改过的名字"
    again = web.client.post(response.headers["location"] + "/import", data={"csrf": csrf})
    assert again.status_code == 409  # a staged file is imported once


def test_school_upload_needs_the_removals_confirmed(web: Site) -> None:
    csrf = sign_in(web.client, web.own_token)
    before = stored(web)
    school = next(c["members"][0] for c in county()["communities"] if c["code"] == MINE)
    document = school_file(before, school)
    gone = unreferenced_teacher(before, school)
    document["teachers"] = [t for t in document["teachers"] if t["code"] != gone]
    content = json.dumps(document, ensure_ascii=False).encode()
    assert upload(web, csrf, "school.json", content).status_code == 403  # a community token: whole county refused
    other_school = next(c["core_school"] for c in county()["communities"] if c["code"] == OTHER)
    assert upload(web, csrf, "school.json", content, other_school).status_code == 403
    response = upload(web, csrf, "school.json", content, school)
    assert response.status_code == 303
    review = web.client.get(response.headers["location"])
    assert gone in review.text.split('id="removed"', 1)[1] and "我确认删除以上数据" in review.text
    refused = web.client.post(response.headers["location"] + "/import", data={"csrf": csrf})
    assert refused.status_code == 409 and stored(web) == before
    done = web.client.post(response.headers["location"] + "/import", data={"csrf": csrf, "confirm_removals": "yes"})
    assert done.status_code == 200 and "已导入" in done.text
    assert gone not in {t["code"] for t in stored(web)["teachers"]}


def test_uploads_need_sign_in_before_the_body_and_csrf(web: Site) -> None:
    response = web.client.post("/data", files={"file": ("x.json", b"{}", "application/json")})
    assert response.status_code == 401  # refused on the cookie alone
    sign_in(web.client, web.county_token)
    assert upload(web, "forged", "x.json", b"{}", kind="application/json").status_code == 403
    page = web.client.get("/data")
    assert page.status_code == 200 and csrf_of(page.text)
    template = web.client.get("/data/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_another_communitys_uploads_are_out_of_reach(web: Site, tmp_path: Path) -> None:
    csrf = sign_in(web.client, web.county_token)
    document = stored(web)
    response = upload(web, csrf, "county.json", json.dumps(document, ensure_ascii=False).encode(),
                      kind="application/json")
    staged = response.headers["location"]
    web.client.post("/logout", data={"csrf": csrf})
    mine = sign_in(web.client, web.own_token)
    assert web.client.get(staged).status_code == 403
    assert web.client.post(staged + "/import", data={"csrf": mine}).status_code == 403
    assert web.client.post(staged + "/discard", data={"csrf": mine}).status_code == 403
    assert f'href="{staged}"' not in web.client.get("/data").text  # not listed for this community
    web.client.post("/logout", data={"csrf": mine})
    county_csrf = sign_in(web.client, web.county_token)
    assert "确认导入" in web.client.get(staged).text  # still staged: nothing above touched it
    assert web.client.post(staged + "/discard", data={"csrf": county_csrf}, follow_redirects=False).status_code == 303
