"""The job commands end to end in the embedded mode: the real solver, checker and publication in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from jobs_support import TERM, import_document, one_group_fewer, small_community
from scheduler.db import make_engine, transaction
from scheduler.models import PlanVersion
from tasks.access import verify_token
from tasks.models import AdminToken, Job
from tongpan.cli import app

runner = CliRunner()


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    assert tongpan(database_url, "db", "upgrade").exit_code == 0
    engine = make_engine(database_url)
    import_document(engine, tmp_path, small_community())
    engine.dispose()
    return database_url


def tongpan(url: str, *args: str, broker: str | None = None) -> Any:
    env = {"TONGPAN_DATABASE_URL": url, "TONGPAN_BROKER_URL": broker or "", "TONGPAN_SOLVER_TIME_LIMIT": "2",
           "TONGPAN_SOLVER_WORKERS": "1", "COLUMNS": "250"}
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def jobs_of(url: str) -> list[Job]:
    engine = make_engine(url)
    with transaction(engine) as session:
        found = list(session.scalars(select(Job).order_by(Job.id)))
    engine.dispose()
    return found


def test_regenerate_runs_in_the_foreground_without_a_broker(url: str, tmp_path: Path) -> None:
    community = small_community()["communities"][0]["code"]
    for version in (1, 2):
        if version == 2:  # changed data, so the regeneration has a new plan to publish
            engine = make_engine(url)
            import_document(engine, tmp_path, one_group_fewer())
            engine.dispose()
        result = tongpan(url, "regenerate", "--community", community, "--term", TERM)
        assert result.exit_code == 0, result.output
        assert f"已发布第 {version} 版" in result.output
    jobs = jobs_of(url)
    assert [(j.state, j.attempts) for j in jobs] == [("succeeded", 1), ("succeeded", 1)]
    assert all(j.triggered_by.startswith("cli:") and j.worker and j.worker.endswith(":in-process") for j in jobs)
    engine = make_engine(url)
    with transaction(engine) as session:
        versions = [(p.version, p.status) for p in session.scalars(select(PlanVersion).order_by(PlanVersion.id))]
    engine.dispose()
    assert versions == [(1, "superseded"), (2, "published")]
    listed = tongpan(url, "jobs", "--community", community)
    assert listed.exit_code == 0 and "已完成" in listed.output and community in listed.output


def test_regenerate_with_the_broker_down_leaves_the_job_queued(url: str) -> None:
    community = small_community()["communities"][0]["code"]
    result = tongpan(url, "regenerate", "--community", community, "--term", TERM, broker="redis://127.0.0.1:1/0")
    assert result.exit_code == 0, result.output
    (job,) = jobs_of(url)
    assert job.state == "queued" and job.dispatched_at is None and "消息队列暂不可用" in job.message
    again = tongpan(url, "regenerate", "--community", community, "--term", TERM, broker="redis://127.0.0.1:1/0")
    assert f"已有进行中的任务 {job.id}" in again.output and len(jobs_of(url)) == 1


@pytest.mark.parametrize(("args", "message"), [
    (("regenerate", "--term", TERM), "请指定 --community CODE 或 --county"),
    (("regenerate", "--term", TERM, "--county", "--community", "X"), "请指定 --community CODE 或 --county"),
    (("regenerate", "--term", TERM, "--community", "NOPE"), "没有教共体 NOPE"),
    (("regenerate", "--term", "1999-1", "--county"), "没有学期 1999-1"),
    (("worker",), "未设置 TONGPAN_BROKER_URL"),
    (("beat",), "未设置 TONGPAN_BROKER_URL"),
    (("jobs", "--state", "done"), "状态应为"),
    (("admin", "token", "create", "--community", "NOPE"), "没有教共体 NOPE"),
    (("admin", "token", "revoke", "nope"), "没有有效的令牌 nope"),
])
def test_bad_input_exits_2_with_a_message(url: str, args: tuple[str, ...], message: str) -> None:
    result = tongpan(url, *args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_an_admin_token_is_printed_once_and_stored_hashed(url: str) -> None:
    result = tongpan(url, "admin", "token", "create", "--county", "--note", "县教育局")
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert token.startswith("tpa_") and len(token) > 40
    engine = make_engine(url)
    with transaction(engine) as session:
        (row,) = session.scalars(select(AdminToken))
        assert token.split("_", 2)[2] not in row.secret_hash and verify_token(session, token) is not None
    listed = tongpan(url, "admin", "token", "list")
    assert row.key_id in listed.output and token not in listed.output and "全县" in listed.output
    assert tongpan(url, "admin", "token", "revoke", row.key_id).exit_code == 0
    with transaction(engine) as session:
        assert verify_token(session, token) is None
    engine.dispose()
