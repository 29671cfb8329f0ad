"""Printed timetables read back with pypdf: names, subjects at their day and period, bell times, pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from feeds_support import COMMUNITY, LEAD_CLASS, REMOTE_B, TERM, People, base_plan, dataset, load
from scheduler.db import make_engine, transaction, upgrade
from scheduler.plan_document import read_plan
from scheduler.plans import store_plan, stored_document
from scheduler.printing.pdf import FONT_PATH, Document
from scheduler.printing.timetables import timetable_pdf
from scheduler.timetable import Directory, campus_class_grids, class_grid, load_directory, teacher_grid


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Directory, dict[str, Any]]]:
    eng: Engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('print') / 'tongpan.db'}")
    upgrade(eng)
    load(eng)
    with transaction(eng) as session:
        plan = store_plan(session, COMMUNITY, TERM, read_plan({"activities": base_plan(), "unmet": [
            {"class": LEAD_CLASS, "subject": "YY", "periods": 2, "reason": "校区没有合格的英语教师"}]}))
        document = stored_document(plan).to_json()
        directory = load_directory(session, COMMUNITY)
    assert directory is not None
    yield directory, document
    eng.dispose()


def fragments(page: Any) -> list[tuple[str, float, float]]:
    """Every text piece on a page with its position (x, y in points, y up)."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            found.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def at(found: list[tuple[str, float, float]], text: str) -> tuple[float, float]:
    hits = [(x, y) for t, x, y in found if t == text]
    assert len(hits) >= 1, (text, [t for t, _, _ in found])
    return hits[0]


def cell_of(found: list[tuple[str, float, float]], x: float, y: float) -> tuple[str, int]:
    """(day, period) of a point: the nearest day heading across and the nearest period label down."""
    headings = [(t, hx) for t, hx, _ in found if t in ("周一", "周二", "周三", "周四", "周五")]
    day = min(headings, key=lambda h: abs(h[1] - x))[0]
    labels = [(t, ly) for t, _, ly in found if t.startswith("第") and t.endswith("节")]
    period = min(labels, key=lambda lab: abs(lab[1] - y))[0]
    return day, int(period[1:-1])


def period_times(campus: str) -> dict[int, tuple[str, str]]:
    ds = dataset()
    bell_code = next(c.bell_schedule for s in ds.schools for c in s.campuses if c.code == campus)
    bell = next(b for b in ds.bell_schedules if b.code == bell_code)
    return {p.n: (p.start, p.end) for p in bell.periods}


def test_class_timetable_shows_name_subjects_at_their_periods_and_bell_times(
        stored: tuple[Directory, dict[str, Any]]) -> None:
    directory, plan = stored
    grid = class_grid(directory, plan, LEAD_CLASS)
    pdf = timetable_pdf([grid], title=grid.title, subtitle="第 1 版", footer="同盘",
                        qr_url=lambda g: "http://127.0.0.1:8000/s/" + "A" * 32)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    info = directory.classes[LEAD_CLASS]
    assert f"{info.name}（{directory.campuses[info.campus].name}）课表" in text
    for n, (start, end) in period_times(info.campus).items():
        assert f"{start}–{end}" in text  # each row's clock times
    found = fragments(reader.pages[0])
    # 语文 on Monday and Wednesday in period 1, the co-teaching lesson Thursday period 3.
    yw = [(x, y) for t, x, y in found if t == directory.subject("YW")]
    assert sorted(cell_of(found, x, y) for x, y in yw) == [("周一", 1), ("周三", 1)]
    assert cell_of(found, *at(found, directory.subject(People.link.subject))) == ("周四", 3)
    assert cell_of(found, *at(found, "【同步课堂·主讲】")) == ("周四", 3)
    assert "校区没有合格的英语教师" in text  # unmet demand with its reason
    assert len(reader.pages[0].images) == 1  # the subscribe QR code


def test_remote_class_sees_its_own_campus_clock(stored: tuple[Directory, dict[str, Any]]) -> None:
    directory, plan = stored
    grid = class_grid(directory, plan, REMOTE_B)
    reader = PdfReader(io.BytesIO(timetable_pdf([grid], title="t", subtitle="", footer="")))
    found = fragments(reader.pages[0])
    assert cell_of(found, *at(found, "【同步课堂·远程】")) == ("周四", 3)
    assert cell_of(found, *at(found, directory.subject("SX"))) == ("周三", 2)
    assert len(reader.pages[0].images) == 0  # no address given, no QR code


def test_campus_file_has_one_page_per_class(stored: tuple[Directory, dict[str, Any]]) -> None:
    directory, plan = stored
    campus = directory.classes[LEAD_CLASS].campus
    grids = campus_class_grids(directory, plan, campus)
    classes = [c for c in directory.classes.values() if c.campus == campus]
    assert len(grids) == len(classes) > 1
    reader = PdfReader(io.BytesIO(timetable_pdf(grids, title="t", subtitle="", footer="")))
    assert len(reader.pages) == len(classes)
    for page, info in zip(reader.pages, classes):
        assert page.extract_text().startswith(f"{info.name}（{directory.campuses[campus].name}）课表")


def test_teacher_timetable_shows_research_outside_the_bell(stored: tuple[Directory, dict[str, Any]]) -> None:
    directory, plan = stored
    grid = teacher_grid(directory, plan, People.yw)
    reader = PdfReader(io.BytesIO(timetable_pdf([grid], title="t", subtitle="", footer="")))
    text = reader.pages[0].extract_text()
    assert f"{directory.teachers[People.yw].name}的课表" in text
    assert "15:15–16:15" in text and "【联合教研】" in text


def test_font_ships_with_the_package_and_covers_gb2312() -> None:
    assert FONT_PATH.is_file() and FONT_PATH.stat().st_size < 3_000_000
    assert (FONT_PATH.parent / "OFL.txt").is_file()
    from fontTools.ttLib import TTFont

    cmap = TTFont(FONT_PATH).getBestCmap()
    for char in "德清县武康小学课表教共体同步课堂联合教研鑫淼（）·–":
        assert ord(char) in cmap, char
    doc = Document("x")
    doc.add_page()
    doc.heading("测试", 12)
    assert PdfReader(io.BytesIO(doc.to_bytes())).pages[0].extract_text().strip() == "测试"

