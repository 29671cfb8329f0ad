"""The admin API for absences and covers: scopes, the proposal, choosing and confirming."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from covers_support import lesson, publish_plan, settle
from feeds_support import COMMUNITY, stored_feeds
from scheduler.db import transaction
from tasks.access import create_token
from test_covers_cli import CLASS_1, CLASS_2, _next_school_day
from tongpan.settings import Settings
from tongpan.web import api, covers_api


@pytest.fixture
def site(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    day = _next_school_day()
    publish_plan(engine, [lesson(CLASS_1, "YW", day.follows, 1, "T00005"),
                          lesson(CLASS_2, "YW", day.follows, 1, "T00006")])
    monkeypatch.delenv("TONGPAN_BROKER_URL", raising=False)
    app = FastAPI()
    app.state.engine, app.state.settings = engine, Settings.from_env()
    app.include_router(api.router)
    app.include_router(covers_api.router)
    with transaction(engine) as session:
        own = create_token(session, COMMUNITY, "本教共体")
        other = create_token(session, "DQ-C99", "别的教共体")
    with TestClient(app) as client:
        yield {"client": client, "day": day, "own": {"Authorization": f"Bearer {own}"},
               "other": {"Authorization": f"Bearer {other}"}}


def test_absence_covers_and_confirm_over_the_api(engine: Engine, site: dict[str, Any]) -> None:
    client, day = site["client"], site["day"]
    body = {"teacher": "T00005", "from": day.date.isoformat(), "reason": "病假", "time_limit": 5}
    assert client.post("/api/absences", json=body).status_code == 401
    assert client.post("/api/absences", json=body, headers=site["other"]).status_code == 403
    bad = client.post("/api/absences", json={**body, "half": "am", "periods": [1]}, headers=site["own"])
    assert bad.status_code == 400 and "只能指定其一" in bad.json()["detail"]

    made = client.post("/api/absences", json=body, headers=site["own"])
    assert made.status_code == 201, made.text
    report = made.json()
    assert [(a["activity"], a["role"]) for a in report["affected"]] == [(f"{CLASS_1}.YW", "teach")]
    [cover] = report["covers"]
    assert (cover["mode"], cover["teacher"]) == ("in_person", "T00007")
    assert client.get("/api/covers", headers=site["other"]).json() == []
    assert [c["id"] for c in client.get("/api/covers", headers=site["own"]).json()] == [cover["id"]]

    study = next(a for a in cover["alternatives"] if a["mode"] == "study")
    chosen = client.post(f"/api/covers/{cover['id']}/choose", json={"choice": study["n"]}, headers=site["own"])
    assert chosen.status_code == 200 and chosen.json()["teacher"] == study["teacher"]
    assert client.post(f"/api/covers/{cover['id']}/choose", json={"choice": 99},
                       headers=site["own"]).status_code == 400

    settle(engine)
    before = stored_feeds(engine)
    done = client.post("/api/covers/confirm", json={"absence": report["absence"]}, headers=site["own"])
    assert done.status_code == 200 and done.json()["confirmed"] == 1 and done.json()["feeds_changed"] == 3
    after = stored_feeds(engine)
    assert sum(after[k][0] != before[k][0] for k in after) == 3
    assert client.post("/api/covers/confirm", json={"absence": report["absence"]},
                       headers=site["own"]).status_code == 400
