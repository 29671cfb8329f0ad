"""Import and export against SQLite and PostgreSQL: round trips, updates by code, all-or-nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from scheduler import models as m
from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.load import import_file
from scheduler.dataset.schema import dump
from scheduler.dataset.store import export_document
from scheduler.dataset.validate import parse
from scheduler.db import transaction
from scheduler.generate import generate_county


@pytest.fixture(scope="module")
def county() -> dict[str, Any]:
    return generate_county(2, seed=7)


def write(tmp_path: Path, document: dict[str, Any], name: str = "county.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def export(engine: Engine) -> dict[str, Any] | None:
    with transaction(engine) as session:
        return export_document(session)


def canonical(document: dict[str, Any]) -> dict[str, list[str]]:
    """Each list as a sorted list of canonical entries: order in the file does not matter."""
    dataset, _ = parse(document, "x")
    data = dump(dataset)
    return {k: sorted(json.dumps(e, sort_keys=True) for e in v) if isinstance(v, list) else json.dumps(v)
            for k, v in data.items()}


def test_import_export_round_trip_is_identity(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    import_file(engine, write(tmp_path, county))
    first = export(engine)
    assert first is not None
    assert canonical(first) == canonical(county)
    import_file(engine, write(tmp_path, first, "first.json"))
    second = export(engine)
    assert json.dumps(second, ensure_ascii=False) == json.dumps(first, ensure_ascii=False)


def test_reimport_updates_by_code_and_removes(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    import_file(engine, write(tmp_path, county))
    changed = copy.deepcopy(county)
    changed["teachers"][0]["name"] = "新名字"
    changed["teachers"][0]["subjects"] = changed["teachers"][0]["subjects"][:1]
    gone = changed["classes"].pop()["code"]
    changed["staffing"] = [s for s in changed["staffing"] if s["class"] != gone]
    changed["curriculum_overrides"] = [o for o in changed["curriculum_overrides"] if o["class"] != gone]
    changed["coteaching"] = [c for c in changed["coteaching"]
                             if gone != c["lead_class"] and gone not in c["remote_classes"]]
    changed["subjects"].append({"code": "SF", "name": "书法"})
    result = import_file(engine, write(tmp_path, changed, "changed.json"))
    assert result.changes["teachers"].changed == [county["teachers"][0]["code"]]
    assert result.changes["classes"].removed == [gone]
    assert result.changes["subjects"].added == ["SF"]
    assert result.changes["schools"].empty
    after = export(engine)
    assert after is not None
    assert canonical(after) == canonical(changed)
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Teacher)) == len(county["teachers"])
        assert session.get(m.SchoolClass, gone) is None


def test_dry_run_reports_without_writing(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    import_file(engine, write(tmp_path, county))
    before = export(engine)
    changed = copy.deepcopy(county)
    changed["subjects"].append({"code": "SF", "name": "书法"})
    changed["teachers"][1]["max_periods_per_week"] += 1
    result = import_file(engine, write(tmp_path, changed, "changed.json"), dry_run=True)
    assert result.changes["subjects"].added == ["SF"]
    assert result.changes["teachers"].changed == [county["teachers"][1]["code"]]
    assert export(engine) == before


def test_unknown_keys_survive_the_round_trip(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    doc = copy.deepcopy(county)
    doc["x_vendor"] = {"note": "保留"}
    doc["teachers"][0]["wechat"] = "wl001"
    doc["schools"][0]["campuses"][0]["room_count"] = 12
    result = import_file(engine, write(tmp_path, doc))
    assert any("wechat" in w for w in result.warnings)
    out = export(engine)
    assert out is not None
    assert out["x_vendor"] == {"note": "保留"}
    teacher = next(t for t in out["teachers"] if t["code"] == doc["teachers"][0]["code"])
    assert teacher["wechat"] == "wl001"
    school = next(s for s in out["schools"] if s["code"] == doc["schools"][0]["code"])
    assert school["campuses"][0]["room_count"] == 12


def many_errors(county: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of the county with independent mistakes, and the path each must be reported at."""
    doc = copy.deepcopy(county)
    doc["teachers"][0]["campus"] = "NO-SUCH-CAMPUS"
    doc["teachers"][1]["subjects"][0]["subject"] = "NOSUBJ"
    doc["classes"][0]["campus"] = "NO-CAMPUS-2"
    doc["classes"][1]["code"] = doc["classes"][2]["code"]
    doc["bell_schedules"][0]["periods"][1]["start"] = doc["bell_schedules"][0]["periods"][0]["start"]
    doc["communities"][1]["members"].append(doc["communities"][0]["core_school"])
    doc["staffing"][0]["teacher"] = "T-NOBODY"
    doc["research_groups"][0]["host_campus"] = "NOWHERE"
    doc["travel_minutes"][0]["to"] = "NOWHERE-2"
    return doc, ["teachers[0].campus", "teachers[1].subjects[0].subject", "classes[0].campus", "classes[2].code",
                 "bell_schedules[0].periods[1]", "communities[1].members", "staffing[0].teacher",
                 "research_groups[0].host_campus", "travel_minutes[0].to"]


def test_many_errors_all_reported_and_database_unchanged(engine: Engine, county: dict[str, Any],
                                                         tmp_path: Path) -> None:
    import_file(engine, write(tmp_path, county))
    before = export(engine)
    doc, paths = many_errors(county)
    doc["subjects"].append({"code": "SF", "name": "书法"})  # a valid change that must not land either
    with pytest.raises(DatasetInvalid) as caught:
        import_file(engine, write(tmp_path, doc, "bad.json"))
    text = "\n".join(caught.value.lines())
    for path in paths:
        assert path in text, f"{path} not reported in:\n{text}"
    assert all(line.startswith(str(tmp_path / "bad.json")) for line in caught.value.lines())
    assert export(engine) == before


def test_type_errors_all_reported_in_chinese(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    doc = copy.deepcopy(county)
    doc["classes"][0]["grade"] = 10
    doc["teachers"][0]["max_periods_per_week"] = "many"
    del doc["subjects"][0]["name"]
    doc["terms"][0]["start"] = "2026/09/01"
    with pytest.raises(DatasetInvalid) as caught:
        import_file(engine, write(tmp_path, doc))
    lines = caught.value.lines()
    assert len(lines) == 4
    text = "\n".join(lines)
    for path in ("classes[0].grade", "teachers[0].max_periods_per_week", "subjects[0].name", "terms[0].start"):
        assert path in text
    assert "缺少必填字段" in text
    assert export(engine) is None


def test_another_county_is_refused(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    import_file(engine, write(tmp_path, county))
    other = copy.deepcopy(county)
    other["county"]["code"] = "330522"
    with pytest.raises(DatasetInvalid, match="1 处错误") as caught:
        import_file(engine, write(tmp_path, other, "other.json"))
    assert "330521" in caught.value.lines()[0] and "330522" in caught.value.lines()[0]


@pytest.mark.parametrize("content,expected", [
    (b"{not json", "JSON 语法错误"),
    ("\ufeff中文".encode("gbk", errors="ignore") + b"\xff\xfe", "UTF-8"),
])
def test_unreadable_files(engine: Engine, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(DatasetInvalid) as caught:
        import_file(engine, path)
    assert expected in caught.value.lines()[0]


def test_type_and_reference_errors_reported_together(engine: Engine, county: dict[str, Any],
                                                     tmp_path: Path) -> None:
    doc = copy.deepcopy(county)
    broken_class = doc["classes"][0]["code"]
    doc["classes"][0]["grade"] = "三年级"
    doc["teachers"][5]["campus"] = "NO-SUCH-CAMPUS"  # after a set-aside entry: index must stay
    doc["teachers"][3]["max_periods_per_week"] = -1
    doc["subjects"][0] = {"code": doc["subjects"][0]["code"]}
    doc["staffing"].append({"class": broken_class, "subject": doc["subjects"][1]["code"],
                            "teacher": doc["teachers"][4]["code"]})
    with pytest.raises(DatasetInvalid) as caught:
        import_file(engine, write(tmp_path, doc))
    text = "\n".join(caught.value.lines())
    for path in ("classes[0].grade", "teachers[5].campus", "teachers[3].max_periods_per_week", "subjects[0].name"):
        assert path in text, text
    assert f"未知的班级代码 '{broken_class}'" not in text  # set aside, not reported twice
    assert export(engine) is None


def with_rotation_keys(county: dict[str, Any]) -> dict[str, Any]:
    """The county with every optional rotation key of issue 15 filled in."""
    doc = copy.deepcopy(county)
    core, member = doc["communities"][0]["core_school"], doc["communities"][0]["members"][0]
    doc["county"]["targets"] = {"deep_share": 0.75}
    doc["county"]["rotation_rules"] = {"eligible_years": 5, "share": 0.15, "backbone_share": 0.25,
                                       "term_years": 2, "across_communities": True,
                                       "exemptions": [{"teacher": doc["teachers"][0]["code"], "reason": "孕期"}]}
    doc["teachers"][0]["school_since"] = 2012
    doc["teachers"][0]["preferences"] = [member]
    doc["teachers"][1]["rotation"] = [{"school": member, "from": 2021, "to": 2024, "home": core}]
    return doc


def test_rotation_keys_round_trip(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    doc = with_rotation_keys(county)
    result = import_file(engine, write(tmp_path, doc))
    assert not any("rotation" in w or "school_since" in w for w in result.warnings)
    out = export(engine)
    assert out is not None
    assert canonical(out) == canonical(doc)
    assert out["county"]["rotation_rules"]["exemptions"] == [{"teacher": doc["teachers"][0]["code"], "reason": "孕期"}]
    assert out["teachers"][1]["rotation"][0]["from"] == 2021


def test_datasets_without_rotation_keys_export_without_them(engine: Engine, county: dict[str, Any],
                                                             tmp_path: Path) -> None:
    import_file(engine, write(tmp_path, county))
    out = export(engine)
    assert out is not None
    assert "rotation_rules" not in out["county"] and "targets" not in out["county"]
    assert not any({"school_since", "rotation", "preferences"} & t.keys() for t in out["teachers"])


def test_rotation_references_are_checked(engine: Engine, county: dict[str, Any], tmp_path: Path) -> None:
    doc = with_rotation_keys(county)
    doc["county"]["rotation_rules"]["exemptions"][0]["teacher"] = "T-NOBODY"
    doc["teachers"][0]["preferences"] = ["NO-SCHOOL"]
    doc["teachers"][1]["rotation"][0]["to"] = 2020
    with pytest.raises(DatasetInvalid) as raised:
        import_file(engine, write(tmp_path, doc))
    text = "\n".join(raised.value.lines())
    assert "county.rotation_rules.exemptions[0].teacher" in text
    assert "teachers[0].preferences[0]" in text
    assert "teachers[1].rotation[0].to" in text
    assert export(engine) is None
