"""FET files in and out: `tongpan import-fet`, `tongpan export-fet`, and FET's own engine reading the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import fet_cl_solves
from scheduler.check import check_plan
from scheduler.dataset.validate import parse
from scheduler.fet.names import clock_span, weekday
from scheduler.fet.reader import FetError, read_fet
from scheduler.fet.writer import plan_activities, write_fet
from scheduler.solver import solve
from tongpan.cli import app

SMALL = Path(__file__).parent / "data" / "small.fet"
ARABIC = {"星期一": "الإثنين", "星期二": "الثلاثاء", "星期三": "الأربعاء", "星期四": "الخميس", "星期五": "الجمعة"}
runner = CliRunner()


def small_with(tmp_path: Path, replace: dict[str, str]) -> Path:
    text = SMALL.read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "variant.fet"
    path.write_text(text, encoding="utf-8")
    return path


def overrides(ds: dict[str, Any]) -> dict[tuple[str, str], int]:
    names = {s["code"]: s["name"] for s in ds["subjects"]}
    return {(o["class"], names[o["subject"]]): o["periods_per_week"] for o in ds["curriculum_overrides"]}


def test_day_names_match_in_any_language_never_by_position() -> None:
    assert [weekday(n) for n in ("星期一", "周三", "Martes", "jeudi", "الأحد", "Sonntag", "1 - maanantai")] == \
        ["mon", "wed", "tue", "thu", "sun", "sun", "mon"]
    assert weekday("Day 1") is None and weekday("Teacher 3") is None
    assert clock_span("1º 07:30-08:10") == ("07:30", "08:10") and clock_span("3") is None


def test_chinese_and_arabic_day_names_import_alike(tmp_path: Path) -> None:
    chinese = read_fet(SMALL).dataset
    arabic = read_fet(small_with(tmp_path, ARABIC)).dataset
    assert arabic == chinese
    assert chinese["bell_schedules"][0]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    li = next(t for t in chinese["teachers"] if t["name"] == "Li Ming")
    assert li["unavailable"] == [{"day": "mon", "periods": [1]}, {"day": "wed", "periods": [5]}]


def test_days_in_another_order_keep_their_weekdays(tmp_path: Path) -> None:
    swapped = small_with(tmp_path, {"<Name>星期一</Name>": "<Name>X</Name>", "<Name>星期二</Name>": "<Name>星期一</Name>",
                                    "<Name>X</Name>": "<Name>星期二</Name>"})
    ds = read_fet(swapped).dataset
    assert ds["bell_schedules"][0]["days"] == ["tue", "mon", "wed", "thu", "fri"]
    li = next(t for t in ds["teachers"] if t["name"] == "Li Ming")  # Monday is now the file's second day
    assert li["unavailable"] == [{"day": "mon", "periods": [1]}, {"day": "wed", "periods": [5]}]


def test_split_activity_gives_the_weekly_periods_of_one_class_subject() -> None:
    ds = read_fet(SMALL).dataset
    assert overrides(ds)[("7-1", "语文")] == 3 and overrides(ds)[("7-2", "语文")] == 3
    wang = next(t["code"] for t in ds["teachers"] if t["name"] == "王丽")
    assert {(s["class"], s["teacher"], s["locked"]) for s in ds["staffing"] if s["subject"] == "S001"} == \
        {("7-1", wang, True), ("7-2", wang, True)}


def test_names_equal_but_for_spaces_are_one_entity(tmp_path: Path) -> None:
    twice = small_with(tmp_path, {"<Subject><Name>Math</Name>":
                                  "<Subject><Name> Math</Name><Comments></Comments></Subject>\n"
                                  "<Subject><Name>Math </Name>"})
    converted = read_fet(twice)
    parse(converted.dataset, "variant.fet")  # valid: one subject code, not two of the same
    assert [s["name"] for s in converted.dataset["subjects"]].count("Math") == 1
    assert overrides(converted.dataset)[("7-1", "Math")] == 1
    assert any("Math" in note and "首尾空格" in note for note in converted.notes)


def test_duration_two_activity_is_a_double() -> None:
    ds = read_fet(SMALL).dataset
    science = next(o for o in ds["curriculum_overrides"] if o["class"] == "7-1" and o["periods_per_week"] == 2)
    assert science["double_periods"] == 1


def test_time_constraints_are_carried_into_the_dataset() -> None:
    conversion = read_fet(SMALL)
    ds = conversion.dataset
    klass = {c["code"]: c for c in ds["classes"]}
    assert klass["7-2"]["unavailable"] == [{"day": "fri", "periods": [1]}] and "unavailable" not in klass["7-1"]
    names = {s["name"]: s["code"] for s in ds["subjects"]}
    override = {(o["class"], o["subject"]): o for o in ds["curriculum_overrides"]}
    assert override["7-1", names["语文"]]["min_days_apart"] == 2  # weight 100: hard
    assert "min_days_apart" not in override["7-2", names["语文"]]  # weight 95: tongpan's own spread goal
    assert override["7-1", "Math"]["allowed"] == [{"day": "tue", "periods": [2]}, {"day": "thu", "periods": [2]}]
    zhang = next(t for t in ds["teachers"] if t["name"] == "张强")
    assert zhang["max_days_per_week"] == 1
    assert conversion.skipped["ConstraintMinDaysBetweenActivities（权重低于 100%，按 tongpan 默认的分散目标处理）"] == 1
    assert conversion.skipped["ConstraintTeacherMaxGapsPerWeek（按 tongpan 默认的减少空堂目标处理，未精确导入）"] == 1


def test_carried_keys_survive_the_database(tmp_path: Path) -> None:
    """Import the converted file into SQLite and export it: every carried key comes back."""
    url = f"sqlite:///{tmp_path / 'fet.db'}"
    env = {"TONGPAN_DATABASE_URL": url}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    imported = runner.invoke(app, ["import-fet", str(SMALL)], env=env)
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "back.json"
    assert runner.invoke(app, ["export", "dataset", "--out", str(out)], env=env).exit_code == 0
    back = json.loads(out.read_text(encoding="utf-8"))
    before = read_fet(SMALL).dataset
    for key in ("classes", "curriculum_overrides"):
        assert sorted(map(json.dumps, back[key])) == sorted(map(json.dumps, before[key])), key
    assert {t["code"]: t.get("max_days_per_week") for t in back["teachers"]} == \
        {t["code"]: t.get("max_days_per_week") for t in before["teachers"]}


def test_break_on_every_day_leaves_the_bell() -> None:
    periods = read_fet(SMALL).dataset["bell_schedules"][0]["periods"]
    assert [(p["n"], p["start"]) for p in periods] == [(1, "08:00"), (2, "08:55"), (3, "10:00"), (5, "13:30")]


def test_what_is_not_carried_over_is_listed_by_type_and_count() -> None:
    conversion = read_fet(SMALL)
    assert conversion.skipped["ConstraintTeacherMaxHoursDaily"] == 1
    assert conversion.skipped["学生不是单个班级的活动（多班合上、整个年级或子组）"] == 1
    assert "ConstraintStudentsSetNotAvailableTimes" not in conversion.skipped
    report = conversion.report()
    assert "ConstraintTeacherMaxHoursDaily：1" in report and "未导入的内容" in report


@pytest.mark.parametrize("replace, message", [
    ({"<Name>星期三</Name>": "<Name>Day 3</Name>"}, "无法识别日名 “Day 3”"),
    ({"<Mode>Official</Mode>": "<Mode>Mornings_Afternoons</Mode>"}, "Mornings_Afternoons"),
    ({"<fet version=\"6.2.0\">": "<timetable>", "</fet>": "</timetable>"}, "不是 <fet>"),
    ({"</fet>": ""}, "不是有效的 XML"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, replace: dict[str, str], message: str) -> None:
    with pytest.raises(FetError, match=message):
        read_fet(small_with(tmp_path, replace))


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.fet"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE fet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    "<fet><Institution_Name>&b;</Institution_Name></fet>", encoding="utf-8")
    with pytest.raises(FetError, match="不允许的 XML"):
        read_fet(bomb)


def test_cli_writes_the_dataset_and_prints_the_report(tmp_path: Path) -> None:
    out = tmp_path / "ds.json"
    result = runner.invoke(app, ["import-fet", str(SMALL), "--county", "FET1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ConstraintTeacherMaxHoursDaily：1" in result.output
    ds = json.loads(out.read_text(encoding="utf-8"))
    assert ds["county"]["code"] == "FET1"
    _, warnings = parse(ds, "fet")
    assert warnings == []
    refused = runner.invoke(app, ["import-fet", str(small_with(tmp_path, {"星期三": "Day 3"}))])
    assert refused.exit_code == 2 and "无法识别日名" in refused.output


def test_round_trip_through_solve_export_and_fet_cl(tmp_path: Path) -> None:
    """A FET file in, a tongpan plan, the plan out as FET with locked times: FET accepts it as is."""
    ds, _ = parse(read_fet(SMALL).dataset, "fet")
    plan = solve(ds, "FET-C", "fet-1", time_limit=5, workers=2)
    assert plan["unmet"] == [] and check_plan(ds, plan, "FET-C", "fet-1") == []
    science = [a for a in plan["activities"] if a["classes"] == ["7-1"] and a["subject"] == "S003"]
    assert sorted(a.get("double") for a in science) == ["first", "second"]  # FET's duration-2 activity
    acts = plan_activities(ds, plan)
    assert len(acts) == 9 and [a.duration for a in acts if a.subject == "S003"] == [2]
    exported = tmp_path / "back.fet"
    exported.write_bytes(write_fet(ds, "FET-C", acts))
    solved = fet_cl_solves(exported, tmp_path / "out")
    # FET kept every lesson where tongpan put it: read its timetable back and compare.
    again = read_fet(solved).dataset
    assert overrides(again) == overrides(read_fet(SMALL).dataset)
    text = solved.read_text(encoding="utf-8")
    assert text.count("<Permanently_Locked>true</Permanently_Locked>") >= 9
    for carried in ("ConstraintStudentsSetNotAvailableTimes", "ConstraintMinDaysBetweenActivities",
                    "ConstraintActivityPreferredTimeSlots", "ConstraintTeacherMaxDaysPerWeek"):
        assert f"<{carried}>" in exported.read_text(encoding="utf-8"), carried


def test_a_break_too_long_for_a_double_is_a_break_hour_in_fet(tmp_path: Path) -> None:
    """FET doubles any two consecutive hours, so the lunch break is written as an hour of its own."""
    ds, _ = parse(read_fet(SMALL).dataset, "fet")
    exported = tmp_path / "problem.fet"
    exported.write_bytes(write_fet(ds, "FET-C"))
    assert "<Name>休息 10:45-13:30</Name>" in exported.read_text(encoding="utf-8")
    again = read_fet(exported).dataset["bell_schedules"][0]["periods"]
    original = read_fet(SMALL).dataset["bell_schedules"][0]["periods"]
    assert [(p["start"], p["end"]) for p in again] == [(p["start"], p["end"]) for p in original]


def test_hours_named_by_start_time_last_until_the_next_one(tmp_path: Path) -> None:
    starts = {"1 08:00-08:45": "08:00", "2 08:55-09:40": "09:35", "3 10:00-10:45": "11:10", "午休": "12:35",
              "4 13:30-14:15": "14:00"}
    ds = read_fet(small_with(tmp_path, starts)).dataset
    periods = [(p["start"], p["end"]) for p in ds["bell_schedules"][0]["periods"]]
    assert periods == [("08:00", "09:30"), ("09:35", "11:05"), ("11:10", "12:30"), ("14:00", "15:30")]
