"""The Excel workbook: template, import and export agree with the JSON format and name bad cells."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from scheduler.dataset.issues import DatasetInvalid
from scheduler.dataset.schema import dump
from scheduler.dataset.validate import parse
from scheduler.dataset.xlsx import read_workbook, write_template, write_workbook
from scheduler.dataset.xlsx_layout import EXAMPLE, NOTES_TITLE, SHEETS
from scheduler.generate import generate_county


def canonical(document: Any) -> dict[str, Any]:
    dataset, _ = parse(document, "test")
    return dump(dataset)


def edited_template(tmp_path: Path, edit: Callable[[Workbook], None]) -> Path:
    """A workbook filled in with the template's example data (typed in, not the grey example rows), edited."""
    path = tmp_path / "filled.xlsx"
    write_workbook(EXAMPLE, path)
    book = load_workbook(path)
    edit(book)
    book.save(path)
    return path


def error_lines(path: Path) -> list[str]:
    """What `tongpan import` prints: reader errors, else parse errors, located in the workbook."""
    try:
        document, locate = read_workbook(path)
    except DatasetInvalid as exc:
        return exc.lines()
    try:
        parse(document, str(path))
    except DatasetInvalid as exc:
        return DatasetInvalid(str(path), exc.issues, locate).lines()
    return []


def test_template_reads_back_as_the_valid_example(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    filled = tmp_path / "filled.xlsx"
    write_workbook(EXAMPLE, filled)  # the same rows typed in by a school
    document, _ = read_workbook(filled)
    assert canonical(document) == canonical(EXAMPLE)

    book = load_workbook(path)
    assert book.sheetnames == [NOTES_TITLE, *(sheet.title for sheet in SHEETS)]
    notes = {cell for row in book[NOTES_TITLE].iter_rows(values_only=True) for cell in row if cell}
    assert {column.title for sheet in SHEETS for column in sheet.columns} <= notes
    assert book["教师"]["A1"].value == "代码"
    assert book["教师"].column_dimensions["E"].number_format == "@"  # 1-3 must not become a date


def test_generated_county_round_trips(tmp_path: Path) -> None:
    county = generate_county(2, seed=1)
    county["teachers"][0]["备注"] = "外聘"  # an unknown key travels as an extra column
    path = tmp_path / "county.xlsx"
    write_workbook(county, path)
    document, _ = read_workbook(path)
    assert document["teachers"][0]["备注"] == "外聘"
    assert canonical(document) == canonical(county)


def test_every_bad_cell_is_reported_with_sheet_row_and_column(tmp_path: Path) -> None:
    def spoil(book: Workbook) -> None:
        book["教师"]["E2"] = "YW:1-x"            # 任教学科
        book["教师"]["G2"] = "也许"              # 骨干教师
        book["教师"]["J3"] = "周八:1"            # 不可排课时间
        book["学校"]["C3"] = "郊区"              # 地区类型
        book["学期"]["C2"] = "2026-13-01"        # 开始日期
        book["作息表"]["D3"] = "八点"            # 开始
        book["作息表"]["B4"] = "周一至周六"      # 适用星期, unlike the rows above
        book["校区"]["A3"] = "DQ-XX"             # 所属学校 that does not exist
        book["班级"]["E3"] = "很多"              # 学生数
        book["班级"]["D2"] = 12                  # 年级 out of range: a shape error
        book["课程计划"]["A2"] = datetime(2026, 3, 4)  # Excel took 3-4 for a date
        book["同步课堂"]["C2"] = None            # 主讲教师 missing

    lines = error_lines(edited_template(tmp_path, spoil))
    expected = {
        "工作表「教师」第 2 行「任教学科」列（E2）": "YW:1-x",
        "工作表「教师」第 2 行「骨干教师」列（G2）": "是」或「否",
        "工作表「教师」第 3 行「不可排课时间」列（J3）": "周八",
        "工作表「学校」第 3 行「地区类型」列（C3）": "城区、镇区、乡村",
        "工作表「学期」第 2 行「开始日期」列（C2）": "不是有效的日期",
        "工作表「作息表」第 3 行「开始」列（D3）": "08:40",
        "工作表「作息表」第 4 行「适用星期」列（B4）": "不一致",
        "工作表「校区」第 3 行「所属学校」列（A3）": "DQ-XX",
        "工作表「班级」第 3 行「学生数」列（E3）": "很多",
        "工作表「班级」第 2 行「年级」列（D2）": "不大于 9",
        "工作表「课程计划」第 2 行「年级」列（A2）": "文本",
        "工作表「同步课堂」第 2 行「主讲教师」列（C2）": "缺少必填字段",
    }
    for where, what in expected.items():
        assert any(where in line and what in line for line in lines), (where, lines)
    # The school left without campuses is the one consequence reported besides the cells.
    assert len(lines) == len(expected) + 1
    assert any("工作表「学校」第 3 行: 没有校区" in line for line in lines), lines


def test_parse_errors_are_located_in_the_workbook(tmp_path: Path) -> None:
    def spoil(book: Workbook) -> None:
        book["教师"]["D2"] = "DQ-ZZ"
        book["学期调整日"]["C2"] = datetime(2027, 3, 1)  # outside the term

    lines = error_lines(edited_template(tmp_path, spoil))
    assert any("工作表「教师」第 2 行「所属校区」列（D2）" in line for line in lines), lines
    assert any("工作表「学期调整日」第 2 行「日期」列（C2）" in line for line in lines), lines


def test_locator_falls_back_to_the_nearest_known_place(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_workbook(EXAMPLE, path)
    _, locate = read_workbook(path)
    assert locate(("teachers", 0, "subjects", 0, "grades")) == "工作表「教师」第 2 行「任教学科」列（E2）"
    assert locate(("teachers", 1)) == "工作表「教师」第 3 行"
    assert locate(("terms", 0, "makeup_days", 0, "follows")) == "工作表「学期调整日」第 3 行「按星期几」列（D3）"
    assert locate(("terms", 0, "statutory_overrides", "holidays", 0)) == "工作表「学期调整日」第 5 行"
    assert locate(("bell_schedules", 0, "days")) == "工作表「作息表」第 2 行「适用星期」列（B2）"
    assert locate(("bell_schedules", 0, "periods", 6, "end")) == "工作表「作息表」第 8 行「结束」列（E8）"
    assert locate(("schools", 1, "campuses", 0, "bell_schedule")) == "工作表「校区」第 3 行「作息表」列（F3）"
    assert locate(("communities", 0, "targets", "period")) == "工作表「教共体」第 2 行「目标统计周期」列（J2）"
    assert locate(("research_groups", 0, "host_campus")) == "工作表「联合教研」第 2 行「承办校区」列（I2）"
    assert locate(("classes",)) == "工作表「班级」"
    assert locate(("format",)) == "（工作簿）"


def test_numbers_dates_times_and_full_width_text_are_normalised(tmp_path: Path) -> None:
    def retype(book: Workbook) -> None:
        book["县"]["A2"] = 330521
        book["学期"]["C2"] = "2026/9/1"
        book["学期"]["D2"] = datetime(2027, 1, 22)
        book["作息表"]["D2"] = "8:40"
        book["作息表"]["D3"] = 570 / 1440  # 09:30 typed into a General cell
        book["作息表"]["E3"] = time(10, 9, 59, 999000)  # float noise of 10:10
        book["教师"]["F2"] = 16.0
        book["教师"]["E2"] = "ＹＳ：１－６"
        book["教师"]["J2"] = "星期三：5，6、7；周五"
        book["教师"]["G3"] = True
        book["班级"]["E2"] = "42"
        book["课程计划"]["A3"] = 3
        book["联合教研"]["J2"] = "wed 13:30~17:00; 周四 -12:00"

    document, _ = read_workbook(edited_template(tmp_path, retype))
    assert document["county"]["code"] == "330521"
    term = document["terms"][0]
    assert (term["start"], term["end"]) == ("2026-09-01", "2027-01-22")
    periods = document["bell_schedules"][0]["periods"]
    assert [(p["start"], p["end"]) for p in periods[:2]] == [("08:40", "09:20"), ("09:30", "10:10")]
    teachers = document["teachers"]
    assert teachers[0]["max_periods_per_week"] == 16
    assert teachers[0]["subjects"] == [{"subject": "YS", "grades": [1, 2, 3, 4, 5, 6]}]
    assert teachers[0]["unavailable"] == [{"day": "wed", "periods": [5, 6, 7]}, {"day": "fri"}]
    assert teachers[1]["backbone"] is True
    assert document["classes"][0]["students"] == 42
    assert document["curriculum"][1]["grades"] == [3]
    assert document["research_groups"][0]["preferred"] == [
        {"day": "wed", "after": "13:30", "before": "17:00"}, {"day": "thu", "before": "12:00"}]
    canonical(document)


def test_headers_by_chinese_name_or_key_in_any_order_and_blank_rows(tmp_path: Path) -> None:
    def rearrange(book: Workbook) -> None:
        teachers = book["教师"]
        teachers.move_range("A1:J3", cols=1)  # column A is now empty
        teachers["C1"] = "姓名 name"
        teachers["E1"] = "campus"
        teachers["G1"] = "周课时上限*"
        teachers["L1"] = "备注"
        teachers["L2"] = "外聘"
        teachers.insert_rows(3)  # a blank row between the two teachers
        bells = book["作息表"]
        for row in range(3, 9):  # the bell code written once, as in merged cells
            bells.cell(row, 1).value = None
            bells.cell(row, 2).value = None

    document, locate = read_workbook(edited_template(tmp_path, rearrange))
    assert [t["campus"] for t in document["teachers"]] == ["DQ-WK-A", "DQ-MX-A"]
    assert [t["max_periods_per_week"] for t in document["teachers"]] == [16, 14]
    assert len(document["bell_schedules"]) == 1 and len(document["bell_schedules"][0]["periods"]) == 7
    _, warnings = parse(document, "book.xlsx")
    assert [locate(w.path) for w in warnings] == ["工作表「教师」第 2 行「备注」列（L2）"]
    assert locate(("teachers", 1, "campus")) == "工作表「教师」第 4 行「campus」列（E4）"


def test_bad_headers_are_reported(tmp_path: Path) -> None:
    def spoil(book: Workbook) -> None:
        book["学期"]["F1"] = "代码"          # twice
        book["学校"]["G1"] = "campuses"      # filled from the 校区 sheet

    assert [line.split(": ", 1)[1] for line in error_lines(edited_template(tmp_path, spoil))] == [
        "工作表「学期」第 1 行「代码」列（F1）: 与「代码」列重复",
        "工作表「学校」第 1 行「campuses」列（G1）: 此字段由其他工作表填写，不能作为本表的列",
    ]


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "county.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(DatasetInvalid) as caught:
        read_workbook(path)
    assert "Excel" in caught.value.lines()[0]


def test_a_workbook_without_the_county_sheet(tmp_path: Path) -> None:
    path = edited_template(tmp_path, lambda book: book.remove(book["县"]))
    with pytest.raises(DatasetInvalid) as caught:
        read_workbook(path)
    assert caught.value.lines() == [f"{path}: 工作表「县」: 缺少工作表「县」"]


def test_rotation_keys_round_trip_through_the_workbook(tmp_path: Path) -> None:
    county = generate_county(2, seed=1)
    core, member = county["communities"][0]["core_school"], county["communities"][0]["members"][0]
    county["county"]["rotation_rules"] = {"eligible_years": 5, "share": 0.15, "across_communities": True,
                                          "exemptions": [{"teacher": county["teachers"][0]["code"], "reason": "孕期"}]}
    county["teachers"][0].update(school_since=2012, preferences=[member],
                                 rotation=[{"school": member, "from": 2019, "to": 2022, "home": core},
                                           {"school": member, "from": 2023, "to": 2024}])
    path = tmp_path / "county.xlsx"
    write_workbook(county, path)
    assert load_workbook(path)["交流豁免"]["B2"].value == "孕期"
    document, _ = read_workbook(path)
    assert canonical(document) == canonical(county)
    plain = generate_county(2, seed=1)
    write_workbook(plain, path)
    document, _ = read_workbook(path)
    assert "rotation_rules" not in document["county"] and "targets" not in document["county"]


def test_a_bad_rotation_cell_is_located(tmp_path: Path) -> None:
    def edit(book: Workbook) -> None:
        sheet = book["教师"]
        column = next(c.column for c in sheet[1] if c.value == "交流经历")
        sheet.cell(2, column).value = "DQ-MX 2019"

    lines = error_lines(edited_template(tmp_path, edit))
    assert any("工作表「教师」第 2 行「交流经历」列" in line and "DQ-MX:2021-2024:DQ-WK" in line for line in lines)


def test_the_templates_untouched_example_rows_are_never_imported(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    document, locate = read_workbook(path)
    assert all(not document.get(sheet.placement.top or "") for sheet in SHEETS if sheet.placement.top)
    assert "county" not in document
    assert any("工作表「教师」第 2、3 行是模板中未修改的示例数据" in note for note in locate.notes), locate.notes


def test_an_example_row_the_school_changed_is_imported(tmp_path: Path) -> None:
    def rename(book: Workbook) -> None:
        book["学科"]["B2"] = "语文（本校）"  # typed over the grey cell: still grey, no longer the example

    path = tmp_path / "template.xlsx"
    write_template(path)
    book = load_workbook(path)
    rename(book)
    book.save(path)
    document, locate = read_workbook(path)
    assert [s["name"] for s in document["subjects"]] == ["语文（本校）"]
    assert any(note.startswith("工作表「学科」第 3、") for note in locate.notes), locate.notes
