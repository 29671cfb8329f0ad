"""A two-community county with small hand-made plans, and a signed-in test client of the whole app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calendars.publish import publish as publish_plan
from jobs_support import import_document
from scheduler.dataset.store import stored_revision
from scheduler.db import transaction
from scheduler.generate import generate_county
from scheduler.plans import store_plan
from tasks.access import create_token
from tongpan.settings import Settings
from tongpan.web.app import create_app

TERM = "2026-1"
MINE, OTHER = "DQ-C01", "DQ-C02"


@cache
def county() -> dict[str, Any]:
    return generate_county(2, 1)


def _campus(code: str) -> dict[str, Any]:
    return next(c for s in county()["schools"] for c in s["campuses"] if c["code"] == code)


def period(campus: str, n: int) -> tuple[str, str]:
    bell = next(b for b in county()["bell_schedules"] if b["code"] == _campus(campus)["bell_schedule"])
    p = next(p for p in bell["periods"] if p["n"] == n)
    return p["start"], p["end"]


def first_class(community: str) -> dict[str, Any]:
    c = next(x for x in county()["communities"] if x["code"] == community)
    schools = [c["core_school"], *c["members"]]
    campuses = [p["code"] for s in county()["schools"] if s["code"] in schools for p in s["campuses"]]
    return next(k for k in county()["classes"] if k["campus"] in campuses and k["grade"] >= 3)


def teacher_for(cls: dict[str, Any], subject: str, skip: tuple[str, ...] = ()) -> str:
    return next(t["code"] for t in county()["teachers"] if t["campus"] == cls["campus"] and t["code"] not in skip
                and any(q["subject"] == subject and cls["grade"] in q["grades"] for q in t["subjects"]))


def lesson(cls: dict[str, Any], subject: str, day: str, n: int, teacher: str | None = None) -> dict[str, Any]:
    start, end = period(cls["campus"], n)
    return {"kind": "lesson", "code": f"{cls['code']}.{subject}", "subject": subject, "day": day, "start": start,
            "end": end, "campus": cls["campus"], "classes": [cls["code"]],
            "teachers": [teacher or teacher_for(cls, subject)]}


def plan_of(community: str) -> list[dict[str, Any]]:
    cls = first_class(community)
    return [lesson(cls, "YW", "mon", 1), lesson(cls, "YW", "wed", 1), lesson(cls, "SX", "tue", 2)]


def store(engine: Engine, community: str, activities: list[dict[str, Any]], *, publish: bool = False,
          unmet: list[dict[str, Any]] | None = None, stats: dict[str, Any] | None = None,
          from_current_data: bool = True) -> int:
    """Store a hand-made version, as solved from the data now stored unless `from_current_data` is False
    (then publishing it re-checks it on the current data)."""
    with transaction(engine) as session:
        plan = store_plan(session, community, TERM, {"activities": activities, "unmet": unmet or [],
                                                      "stats": stats or {"objective": 120, "bound": 100}},
                          dataset_revision=stored_revision(session) if from_current_data else None)
        if publish:
            publish_plan(session, community, TERM, plan.version)
        return plan.version


@dataclass
class Site:
    app: Any
    client: TestClient
    engine: Engine
    county_token: str
    own_token: str


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, token: str) -> str:
    """Sign in through the form as a person would; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={"token": token, "next": "/", "csrf": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@contextmanager
def site(engine: Engine, tmp_path: Path, database_url: str, document: dict[str, Any] | None = None) -> Iterator[Site]:
    import_document(engine, tmp_path, document or county())
    with transaction(engine) as session:
        county_token = create_token(session, None, "县教育局")
        own_token = create_token(session, MINE, "一号教共体")
    app = create_app(Settings(database_url=database_url, broker_url=None, public_url="http://testserver"))
    with TestClient(app) as client:
        yield Site(app, client, engine, county_token, own_token)
    app.state.engine.dispose()


@contextmanager
def sqlite_site(tmp_path: Path, *, plans: bool = True) -> Iterator[Site]:
    """The site on a fresh SQLite file, with both communities' hand-made plans published unless told."""
    from scheduler.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'web.db'}"
    eng = make_engine(url)
    upgrade(eng)
    with site(eng, tmp_path, url) as s:
        if plans:
            store(eng, MINE, plan_of(MINE), publish=True)
            store(eng, OTHER, plan_of(OTHER), publish=True)
        yield s
    eng.dispose()
