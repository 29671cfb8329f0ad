"""Per-school import: only the school's entities change; removals need --replace; other schools are refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from dashboard_support import county
from jobs_support import import_document
from scheduler import models as m
from scheduler.dataset.store import export_document
from scheduler.db import make_engine, transaction, upgrade
from tongpan.cli import app

runner = CliRunner()
SCHOOL = "DQ-S002"


def school_file(document: dict[str, Any], school: str) -> dict[str, Any]:
    """What a school admin fills in: the county row, the school with its campuses, its people and classes."""
    document = copy.deepcopy(document)
    entry = next(s for s in document["schools"] if s["code"] == school)
    campuses = {c["code"] for c in entry["campuses"]}
    classes = {c["code"] for c in document["classes"] if c["campus"] in campuses}
    return {"format": document["format"], "county": document["county"], "schools": [entry],
            "teachers": [t for t in document["teachers"] if t["school"] == school],
            "classes": [c for c in document["classes"] if c["code"] in classes],
            "staffing": [x for x in document.get("staffing", []) if x["class"] in classes],
            "curriculum_overrides": [x for x in document.get("curriculum_overrides", []) if x["class"] in classes],
            "coteaching": [x for x in document.get("coteaching", []) if x["lead_class"] in classes],
            "travel_minutes": [x for x in document.get("travel_minutes", [])
                               if x["from"] in campuses or x["to"] in campuses]}


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tongpan.db'}"
    eng = make_engine(url)
    upgrade(eng)
    import_document(eng, tmp_path, county())
    eng.dispose()
    return url


def run(url: str, tmp_path: Path, document: dict[str, Any], *args: str) -> Any:
    path = tmp_path / "school.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(app, ["import", str(path), "--school", SCHOOL, *args], env={"TONGPAN_DATABASE_URL": url})


def stored(url: str) -> dict[str, Any]:
    eng = make_engine(url)
    with transaction(eng) as session:
        document = export_document(session)
    eng.dispose()
    assert document is not None
    return document


def unreferenced_teacher(document: dict[str, Any], school: str = SCHOOL) -> str:
    """A teacher of the school nobody else refers to (no staffing, co-teaching or research list)."""
    used = {x["teacher"] for x in document.get("staffing", [])} | {c["lead_teacher"] for c in document["coteaching"]}
    used |= {t for g in document["research_groups"] if isinstance(g["teachers"], list) for t in g["teachers"]}
    return next(t["code"] for t in document["teachers"] if t["school"] == school and t["code"] not in used)


def test_unchanged_school_file_changes_nothing(url: str, tmp_path: Path) -> None:
    before = stored(url)
    result = run(url, tmp_path, school_file(before, SCHOOL))
    assert result.exit_code == 0, result.output
    assert stored(url) == before


def test_only_the_school_changes_and_removals_need_replace(url: str, tmp_path: Path) -> None:
    before = stored(url)
    document = school_file(before, SCHOOL)
    gone = unreferenced_teacher(before)
    document["teachers"] = [t for t in document["teachers"] if t["code"] != gone]
    renamed = document["teachers"][0]["code"]
    document["teachers"][0]["name"] = "新名字"
    refused = run(url, tmp_path, document)
    assert refused.exit_code == 2 and gone in refused.output and "--replace" in refused.output
    assert stored(url) == before  # nothing changed
    preview = run(url, tmp_path, document, "--dry-run")
    assert preview.exit_code == 0 and "预览" in preview.output and gone in preview.output
    assert stored(url) == before
    done = run(url, tmp_path, document, "--replace")
    assert done.exit_code == 0, done.output
    after = stored(url)
    assert gone not in {t["code"] for t in after["teachers"]}
    assert next(t for t in after["teachers"] if t["code"] == renamed)["name"] == "新名字"
    expected = copy.deepcopy(before)
    expected["teachers"] = [dict(t, name="新名字") if t["code"] == renamed else t
                            for t in before["teachers"] if t["code"] != gone]
    assert after == expected  # every other school's entity is exactly as it was


def test_another_schools_entities_are_refused_with_their_place(url: str, tmp_path: Path) -> None:
    before = stored(url)
    document = school_file(before, SCHOOL)
    stranger = next(t for t in before["teachers"] if t["school"] != SCHOOL)
    document["teachers"].append(stranger)
    result = run(url, tmp_path, document, "--replace")
    index = len(document["teachers"]) - 1
    assert result.exit_code == 2 and f"teachers[{index}]" in result.output and "不属于学校" in result.output
    assert stored(url) == before


def test_errors_in_the_file_point_into_the_file(url: str, tmp_path: Path) -> None:
    before = stored(url)
    document = school_file(before, SCHOOL)
    document["teachers"][2]["campus"] = "NOWHERE"
    result = run(url, tmp_path, document, "--replace")
    assert result.exit_code == 2 and "teachers[2].campus" in result.output, result.output
    assert stored(url) == before
