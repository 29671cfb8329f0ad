"""FET buildings as campuses: only where room constraints keep every class in one building."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import fet_cl_solves
from scheduler.check import check_plan
from scheduler.dataset.validate import parse
from scheduler.fet.reader import read_fet
from scheduler.fet.writer import inexact, plan_activities, write_fet
from scheduler.solver import solve

# 7-1's lessons are in rooms of 东楼, 7-2's in 西楼; 王丽 teaches both, and FET wants a free hour
# between two buildings (min gaps 1) for every teacher. 8-1 and 赵敏 have no lessons.
TWO = Path(__file__).parent / "data" / "two_buildings.fet"
NO_GAP = {"<Min_Gaps_Between_Building_Changes>1<": "<Min_Gaps_Between_Building_Changes>0<"}
NO_CHANGE = {  # all teachers' min gaps become no building change a day
    "ConstraintTeachersMinGapsBetweenBuildingChanges": "ConstraintTeachersMaxBuildingChangesPerDay",
    "<Min_Gaps_Between_Building_Changes>1</Min_Gaps_Between_Building_Changes>":
        "<Max_Building_Changes_Per_Day>0</Max_Building_Changes_Per_Day>"}


def variant(tmp_path: Path, replace: dict[str, str]) -> Path:
    text = TWO.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "variant.fet"
    path.write_text(text, encoding="utf-8")
    return path


def where(ds: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Campus names of classes and teachers, by name."""
    campus = {c["code"]: c["name"] for s in ds["schools"] for c in s["campuses"]}
    return ({k["name"]: campus[k["campus"]] for k in ds["classes"]},
            {t["name"]: campus[t["campus"]] for t in ds["teachers"]})


def test_buildings_that_keep_each_class_become_campuses() -> None:
    conversion = read_fet(TWO)
    ds = conversion.dataset
    assert [(c["code"], c["name"]) for c in ds["schools"][0]["campuses"]] == [("B001", "东楼"), ("B002", "西楼")]
    classes, teachers = where(ds)
    assert classes == {"7-1": "东楼", "7-2": "西楼", "8-1": "东楼"}  # 8-1 has no lessons: the first campus
    # 王丽 teaches 2 periods in 东楼 and 3 in 西楼; 赵敏 teaches none.
    assert teachers == {"王丽": "西楼", "Li Ming": "东楼", "张强": "西楼", "赵敏": "东楼"}
    assert ds["travel_minutes"] == [{"from": "B001", "to": "B002", "minutes": 45}]  # 1 free hour of 45 minutes
    assert ds["communities"][0]["rules"]["max_campuses_per_day"] == 2
    report = conversion.report()
    assert "按 2 个校区导入：东楼、西楼" in report and "= 45 分钟" in report
    # Carried: all teachers' gaps (the travel), Li Ming's (he never changes building), the students'
    # (no class leaves its building). Not carried: a weekly limit and the rooms themselves.
    assert not any("MinGapsBetweenBuildingChanges" in k or "Students" in k and "Building" in k
                   for k in conversion.skipped)
    assert conversion.skipped["ConstraintTeacherMaxBuildingChangesPerWeek"] == 1
    assert conversion.skipped["ConstraintStudentsSetHomeRoom"] == 2


def test_two_campus_import_validates_and_solves_with_the_travel_time() -> None:
    ds, warnings = parse(read_fet(TWO).dataset, "two_buildings.fet")
    assert warnings == []
    plan = solve(ds, "FET-C", "fet-1", time_limit=5, workers=1)
    assert plan["unmet"] == [] and check_plan(ds, plan, "FET-C", "fet-1") == []
    wang = next(t.code for t in ds.teachers if t.name == "王丽")
    assert {a["campus"] for a in plan["activities"] if wang in a["teachers"]} == {"B001", "B002"}


@pytest.mark.parametrize("old, new, why", [
    ("<Subject>科学</Subject><Room>西实验室</Room>", "<Subject>科学</Subject><Room>东实验室</Room>",
     "班级 7-2：课分在 东楼、西楼 多栋建筑"),
    ("<Students>7-1</Students><Room>东101</Room>", "<Students>七年级</Students><Room>东101</Room>",
     "班级 7-1：有课未指定教室"),
    ("<Weight_Percentage>100</Weight_Percentage><Students>7-2</Students>",
     "<Weight_Percentage>90</Weight_Percentage><Students>7-2</Students>", "班级 7-2：教室约束的权重低于 100%"),
])
def test_buildings_that_do_not_keep_each_class_stay_one_campus(tmp_path: Path, old: str, new: str, why: str) -> None:
    conversion = read_fet(variant(tmp_path, {old: new}))
    ds = conversion.dataset
    assert [c["name"] for c in ds["schools"][0]["campuses"]] == ["本部"] and ds["travel_minutes"] == []
    assert f"建筑 2 栋：教室约束未把每个班级限定在一栋建筑内（{why}），按一个校区导入。" in conversion.report()
    for kind in ("ConstraintTeachersMinGapsBetweenBuildingChanges", "ConstraintTeacherMinGapsBetweenBuildingChanges",
                 "ConstraintStudentsMaxBuildingChangesPerDay"):
        assert conversion.skipped[kind] == 1, kind  # one campus: nothing to travel between


def test_no_gap_asked_is_no_travel_time_and_no_change_a_day_is_one_campus(tmp_path: Path) -> None:
    free = read_fet(variant(tmp_path, NO_GAP))
    assert free.dataset["travel_minutes"][0]["minutes"] == 0 and "校区之间通勤按 0 分钟导入" in free.report()
    stay = read_fet(variant(tmp_path, NO_CHANGE))
    assert stay.dataset["communities"][0]["rules"]["max_campuses_per_day"] == 1
    assert stay.dataset["travel_minutes"][0]["minutes"] == 0 and "每位教师每天只在一个校区上课" in stay.report()


def test_export_writes_campuses_as_buildings_and_reads_back_the_same(tmp_path: Path) -> None:
    doc = read_fet(TWO).dataset
    ds, _ = parse(doc, "two_buildings.fet")
    exported = tmp_path / "problem.fet"
    exported.write_bytes(write_fet(ds, "FET-C"))
    again = read_fet(exported).dataset
    assert again["schools"][0]["campuses"] == doc["schools"][0]["campuses"]
    assert where(again) == where(doc) and again["travel_minutes"] == doc["travel_minutes"]
    # FET counts free hours, tongpan minutes: close, not the same problem (bench/fet.py skips it).
    assert inexact(ds, "FET-C") == ["校区之间通勤最多 45 分钟，FET 文件写作换楼间隔的空堂节数"]
    free, _ = parse(read_fet(variant(tmp_path, NO_GAP)).dataset, "free")
    assert inexact(free, "FET-C") == []


def test_fet_accepts_a_two_campus_plan_with_its_building_changes(tmp_path: Path) -> None:
    """tongpan's plan, locked in FET with FET's own free hour between buildings: FET finds it valid."""
    ds, _ = parse(read_fet(TWO).dataset, "two_buildings.fet")
    plan = solve(ds, "FET-C", "fet-1", time_limit=5, workers=1)
    exported = tmp_path / "plan.fet"
    acts = plan_activities(ds, plan)
    exported.write_bytes(write_fet(ds, "FET-C", acts))
    text = exported.read_text(encoding="utf-8")
    assert "<ConstraintTeachersMinGapsBetweenBuildingChanges>" in text and "<Building>西楼</Building>" in text
    solved = fet_cl_solves(exported, tmp_path / "out").read_text(encoding="utf-8")
    assert len(acts) == 8 and solved.count("<ConstraintActivityPreferredStartingTime>") == 8  # the double is one
