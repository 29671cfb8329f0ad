"""`tongpan solve`, `tongpan check` and `tongpan export plan` end to end on a stored dataset."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from scheduler.db import make_engine, transaction
from scheduler.models import PlanVersion
from scheduler.plans import published_version
from solver_cases import TERM, case, clock_bell, klass, school, teacher
from tongpan.cli import app

runner = CliRunner()


def tongpan(url: str, *args: str) -> Any:
    return runner.invoke(app, list(args), env={"TONGPAN_DATABASE_URL": url}, catch_exceptions=False)


def one_school_without_science(**t1: Any) -> dict[str, Any]:
    """Two periods of 语文 a teacher can take, one of KX nobody in the community is qualified for."""
    return case([school("U", "week")], [teacher("T1", "U", {"YW": [5]}, **t1)], [klass("U", 5)],
                {"YW": 2, "KX": 1}, [clock_bell("week", "08:00", 40, 10, 6)])


def import_document(url: str, path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = tongpan(url, "import", str(path))
    assert result.exit_code == 0, result.output


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    assert tongpan(database_url, "db", "upgrade").exit_code == 0
    import_document(database_url, tmp_path / "c1.json", one_school_without_science())
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


def _version(url: str, number: int) -> PlanVersion:
    with transaction(make_engine(url)) as session:
        return session.scalars(select(PlanVersion).where(PlanVersion.version == number)).one()


def _revision(url: str) -> str:
    exported = tongpan(url, "export", "dataset")
    assert exported.exit_code == 0
    return hashlib.sha256(exported.stdout.encode("utf-8")).hexdigest()


def test_a_version_records_the_revision_of_the_data_it_was_solved_from(url: str) -> None:
    solve(url)
    revision = _revision(url)
    assert _version(url, 1).dataset_revision == revision  # `tongpan export dataset | sha256sum`
    exported = json.loads(tongpan(url, "export", "plan", "--community", "C1", "--term", TERM).stdout)
    assert exported["dataset_revision"] == revision
    check = tongpan(url, "check", "--community", "C1", "--term", TERM)
    assert check.exit_code == 0
    assert f"按当前数据（数据版本 {revision[:12]}，即该版求解时的数据）校验第 1 版" in check.stdout


def test_publishing_after_a_reimport_that_breaks_a_rule_is_refused_with_the_violations(
        url: str, tmp_path: Path) -> None:
    solve(url)
    before = _revision(url)
    day = _version(url, 1).activities[0]["day"]
    import_document(url, tmp_path / "c1-unavailable.json", one_school_without_science(unavailable=[{"day": day}]))
    after = _revision(url)
    assert after != before
    refused = tongpan(url, "publish", "--community", "C1", "--term", TERM)
    assert refused.exit_code == 2
    assert "规则 6" in refused.stdout and "T1" in refused.stdout  # each violation, named
    assert (f"第 1 版基于数据版本 {before[:12]} 求解，已按当前数据（数据版本 {after[:12]}）重新校验："
            "未通过独立校验") in refused.stderr
    with transaction(make_engine(url)) as session:
        assert published_version(session, "C1", TERM) is None
    assert _version(url, 1).status == "ready"
    check = tongpan(url, "check", "--community", "C1", "--term", TERM)
    assert check.exit_code == 1 and "规则 6" in check.stdout
    assert f"按当前数据（数据版本 {after[:12]}，该版求解自数据版本 {before[:12]}）校验第 1 版" in check.stdout


def test_publishing_after_a_harmless_reimport_checks_again_and_publishes(url: str, tmp_path: Path) -> None:
    solve(url)
    renamed = one_school_without_science()
    renamed["teachers"][0]["name"] = "王丽"
    import_document(url, tmp_path / "c1-renamed.json", renamed)
    published = tongpan(url, "publish", "--community", "C1", "--term", TERM)
    assert published.exit_code == 0, published.output
    assert "重新校验：没有违反任何硬性规则" in published.stdout
    assert _version(url, 1).status == "published"


def test_publishing_a_version_of_the_current_data_does_not_check_it_twice(url: str) -> None:
    solve(url)
    published = tongpan(url, "publish", "--community", "C1", "--term", TERM)
    assert published.exit_code == 0, published.output
    assert "重新校验" not in published.stdout and "已发布教共体 C1" in published.stdout


def test_solving_again_on_unchanged_data_stores_no_new_version_and_says_so(url: str) -> None:
    solve(url)
    assert tongpan(url, "publish", "--community", "C1", "--term", TERM).exit_code == 0
    again = solve(url)
    assert "教共体 C1 学期 2026-1：排课结果与已发布的第 1 版相同，未保存新版本" in again.stdout
    with transaction(make_engine(url)) as session:
        assert [(p.version, p.status) for p in session.scalars(select(PlanVersion))] == [(1, "published")]
