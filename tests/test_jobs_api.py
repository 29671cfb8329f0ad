"""The admin API of jobs: tokens and scopes, one job per community, the schema, with a fake solver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from jobs_support import TERM, FakeWork, import_document, small_county, wait_for
from scheduler.db import transaction
from tasks.access import create_token, revoke_token, verify_token
from tasks.config import Limits
from tasks.models import AdminToken, Job
from tasks.runner import InProcessRunner
from tongpan.settings import Settings
from tongpan.web.api import router

LIMITS = Limits(solver_seconds=10, solver_workers=1, visibility_timeout=60, lease=3)


class Held:
    """A dispatcher that keeps jobs queued, so a test sees them before anything runs."""

    in_process = False

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, job_id: int, step: str) -> None:
        self.sent.append(job_id)


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    document = import_document(engine, tmp_path, small_county(2))
    communities = [c["code"] for c in document["communities"]]
    monkeypatch.delenv("TONGPAN_BROKER_URL", raising=False)
    app = FastAPI()
    app.state.engine, app.state.settings = engine, Settings.from_env()
    app.include_router(router)
    with transaction(engine) as session:
        county = create_token(session, None, "县教育局")
        own = create_token(session, communities[0], "一号教共体")
    with TestClient(app) as client:
        assert isinstance(app.state.jobs_api.dispatcher, InProcessRunner)  # no broker: the embedded runner
        held = Held()
        app.state.jobs_api.dispatcher = held
        yield {"client": client, "app": app, "communities": communities, "held": held,
               "county": {"Authorization": f"Bearer {county}"}, "own": {"Authorization": f"Bearer {own}"}}


def test_tokens_are_stored_hashed_and_checked(engine: Engine, site: dict[str, Any]) -> None:
    token = site["county"]["Authorization"].removeprefix("Bearer ")
    with transaction(engine) as session:
        rows = list(session.scalars(select(AdminToken)))
        assert all(token.split("_", 2)[2] not in (r.secret_hash, r.key_id) for r in rows)
        found = verify_token(session, token)
        assert found is not None and found.community_code is None
        assert verify_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert verify_token(session, "tpa_unknown_secret") is None and verify_token(session, "garbage") is None
        assert revoke_token(session, found.key_id)
    with transaction(engine) as session:
        assert verify_token(session, token) is None


def test_without_a_valid_token_every_route_is_401(site: dict[str, Any]) -> None:
    client, code = site["client"], site["communities"][0]
    for headers in ({}, {"Authorization": "Bearer tpa_x_y"}, {"Authorization": "Basic abc"}):
        for method, path, body in (("post", f"/api/communities/{code}/regenerate", {"term": TERM}),
                                   ("post", f"/api/terms/{TERM}/regenerate", None),
                                   ("get", "/api/jobs/1", None), ("get", "/api/jobs", None)):
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["www-authenticate"] == "Bearer"


def test_a_community_token_is_limited_to_its_community(site: dict[str, Any]) -> None:
    client, (mine, other) = site["client"], site["communities"]
    assert client.post(f"/api/communities/{other}/regenerate", json={"term": TERM},
                       headers=site["own"]).status_code == 403
    assert client.post(f"/api/terms/{TERM}/regenerate", headers=site["own"]).status_code == 403
    theirs = client.post(f"/api/communities/{other}/regenerate", json={"term": TERM}, headers=site["county"])
    assert client.get(f"/api/jobs/{theirs.json()['job']['id']}", headers=site["own"]).status_code == 403
    assert client.get(f"/api/jobs?community={other}", headers=site["own"]).status_code == 403
    ours = client.post(f"/api/communities/{mine}/regenerate", json={"term": TERM}, headers=site["own"])
    assert ours.status_code == 202
    listed = client.get("/api/jobs", headers=site["own"]).json()["jobs"]
    assert [j["community"] for j in listed] == [mine]
    assert len(client.get("/api/jobs", headers=site["county"]).json()["jobs"]) == 2


def test_a_second_trigger_returns_the_queued_job(site: dict[str, Any]) -> None:
    client, code = site["client"], site["communities"][0]
    first = client.post(f"/api/communities/{code}/regenerate", json={"term": TERM}, headers=site["county"])
    second = client.post(f"/api/communities/{code}/regenerate", json={"term": TERM}, headers=site["own"])
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["created"] and not second.json()["created"]
    job = second.json()["job"]
    assert job["id"] == first.json()["job"]["id"]
    assert (job["state"], job["state_label"], job["phase_label"]) == ("queued", "排队中", "等待执行")
    assert job["triggered_by"].startswith("api:") and job["dispatched_at"] is not None
    # Times carry their offset on SQLite too, which hands them back naive.
    assert datetime.fromisoformat(job["created_at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(job["dispatched_at"]).utcoffset() == timedelta(0)
    assert site["held"].sent == [job["id"]]
    assert client.get(f"/api/jobs/{job['id']}", headers=site["own"]).json() == job


def test_unknown_community_term_or_job_is_404(site: dict[str, Any]) -> None:
    client = site["client"]
    response = client.post("/api/communities/NOPE/regenerate", json={"term": TERM}, headers=site["county"])
    assert response.status_code == 404 and response.json()["detail"] == "没有教共体 NOPE"
    assert client.post("/api/terms/1999-1/regenerate", headers=site["county"]).status_code == 404
    assert client.get("/api/jobs/999", headers=site["county"]).status_code == 404


def test_county_trigger_runs_every_community_in_process(engine: Engine, site: dict[str, Any]) -> None:
    fake = FakeWork()
    site["app"].state.jobs_api.dispatcher = InProcessRunner(engine, LIMITS, fake.work())
    response = site["client"].post(f"/api/terms/{TERM}/regenerate", headers=site["county"])
    assert response.status_code == 202
    body = response.json()
    assert body["created"] == 2 and [j["job"]["community"] for j in body["jobs"]] == site["communities"]

    def finished() -> list[dict[str, Any]]:
        jobs = site["client"].get(f"/api/jobs?term={TERM}", headers=site["county"]).json()["jobs"]
        return jobs if all(j["state"] == "succeeded" for j in jobs) else []

    jobs = wait_for(finished, 20, "both jobs")
    assert sorted(j["plan_version"] for j in jobs) == [1, 1]
    assert sorted(p[0] for p in fake.publications) == site["communities"]
    with transaction(engine) as session:
        assert session.scalar(select(Job.progress).where(Job.id == jobs[0]["id"])) == 1.0


def test_the_openapi_schema_documents_the_routes_and_their_models(site: dict[str, Any]) -> None:
    schema = site["client"].get("/api/openapi.json").json()
    trigger = schema["paths"]["/api/communities/{code}/regenerate"]["post"]
    assert {"200", "202", "401", "403", "404"} <= set(trigger["responses"])
    assert trigger["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/TriggerOut")
    assert schema["paths"]["/api/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["$ref"].endswith("/JobOut")
    assert schema["paths"]["/api/jobs"]["get"]["security"] == [{"HTTPBearer": []}]
    assert {"JobOut", "JobList", "TriggerOut", "CountyTriggered"} <= set(schema["components"]["schemas"])
