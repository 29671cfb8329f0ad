"""`tongpan solve`, `tongpan check` and `tongpan export plan` end to end on a stored dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from scheduler.db import make_engine, transaction
from scheduler.models import PlanVersion
from solver_cases import TERM, case, clock_bell, klass, school, teacher
from tongpan.cli import app

runner = CliRunner()


def tongpan(url: str, *args: str) -> Any:
    return runner.invoke(app, list(args), env={"TONGPAN_DATABASE_URL": url}, catch_exceptions=False)


def one_school_without_science() -> dict[str, Any]:
    """Two periods of 语文 a teacher can take, one of KX nobody in the community is qualified for."""
    return case([school("U", "week")], [teacher("T1", "U", {"YW": [5]})], [klass("U", 5)],
                {"YW": 2, "KX": 1}, [clock_bell("week", "08:00", 40, 10, 6)])


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    assert tongpan(database_url, "db", "upgrade").exit_code == 0
    path = tmp_path / "c1.json"
    path.write_text(json.dumps(one_school_without_science(), ensure_ascii=False), encoding="utf-8")
    result = tongpan(database_url, "import", str(path))
    assert result.exit_code == 0, result.output
    return database_url


def solve(url: str) -> Any:
    result = tongpan(url, "solve", "--community", "C1", "--term", TERM, "--time-limit", "5")
    assert result.exit_code == 0, result.output
    return result


def test_solve_stores_a_ready_version_with_unmet_demand_and_its_reason(url: str) -> None:
    result = solve(url)
    assert "第 1 版（待发布）" in result.stdout and "只对本次任课分配成立" in result.stdout
    assert "课 2 节" in result.stdout
    assert "U-A-5-1" in result.stdout and "KX" in result.stdout  # the unmet table
    assert "罚分" in result.stderr and "秒]" in result.stderr  # progress lines go to stderr
    with transaction(make_engine(url)) as session:
        plan = session.scalars(select(PlanVersion)).one()
        assert (plan.version, plan.status) == (1, "ready")
        assert [(u["class"], u["subject"], u["periods"]) for u in plan.unmet] == [("U-A-5-1", "KX", 1)]
        assert plan.unmet[0]["reason"].startswith("证明无法安排：教共体内没有") and "合格教师" in plan.unmet[0]["reason"]
    assert "第 2 版" in solve(url).stdout


def test_check_passes_a_solved_plan_and_names_what_a_damaged_one_breaks(url: str) -> None:
    solve(url)
    clean = tongpan(url, "check", "--community", "C1", "--term", TERM)
    assert clean.exit_code == 0, clean.output
    assert "通过校验" in clean.stdout
    with transaction(make_engine(url)) as session:
        plan = session.scalars(select(PlanVersion)).one()
        plan.activities = plan.activities[1:]  # one 语文 lesson lost: rule 1
    damaged = tongpan(url, "check", "--community", "C1", "--term", TERM, "--version", "1")
    assert damaged.exit_code == 1
    assert "规则 1" in damaged.stdout and "U-A-5-1" in damaged.stdout
    assert "1 处违反硬性规则" in damaged.stderr


def test_export_plan_writes_the_stored_version_as_tongpan_plan_1(url: str, tmp_path: Path) -> None:
    solve(url)
    target = tmp_path / "plan.json"
    result = tongpan(url, "export", "plan", "--community", "C1", "--term", TERM, "--out", str(target))
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert (document["format"], document["community"], document["term"], document["version"]) == (
        "tongpan-plan/1", "C1", TERM, 1)
    assert sorted(a["kind"] for a in document["activities"]) == ["lesson", "lesson"]
    assert {t for a in document["activities"] for t in a["teachers"]} == {"T1"}
    stdout = tongpan(url, "export", "plan", "--community", "C1", "--term", TERM)
    assert json.loads(stdout.stdout) == document


def test_unknown_community_version_or_term_is_a_clear_error(url: str) -> None:
    unknown = tongpan(url, "solve", "--community", "C9", "--term", TERM)
    assert unknown.exit_code == 2 and "没有教共体 C9" in unknown.stderr
    no_term = tongpan(url, "solve", "--community", "C1", "--term", "2030-1")
    assert no_term.exit_code == 2 and "没有学期 2030-1" in no_term.stderr
    missing = tongpan(url, "export", "plan", "--community", "C1", "--term", TERM, "--version", "3")
    assert missing.exit_code == 2 and "第 3 版" in missing.stderr
    with transaction(make_engine(url)) as session:
        assert session.scalars(select(PlanVersion)).all() == []
