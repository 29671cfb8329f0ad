"""The typed `tongpan-plan/1` module: what it reads, what it refuses, and that a round trip is exact."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from scheduler.plan_document import PLAN_FORMAT, PlanDocument, read_document, read_plan, write_document


def spec_example() -> dict[str, Any]:
    """The example of shared/spec/plan.md."""
    return {
        "format": "tongpan-plan/1", "community": "DQ-C01", "term": "2026-1", "version": 3,
        "status": "published", "created_at": "2026-11-28T10:00:00+08:00",
        "activities": [
            {"kind": "lesson", "code": "DQ-MX-A-3-1.YW", "subject": "YW", "day": "mon", "start": "08:40",
             "end": "09:20", "campus": "DQ-MX-A", "classes": ["DQ-MX-A-3-1"], "teachers": ["T0102"]},
            {"kind": "coteach", "code": "CT-YS-3", "subject": "YS", "day": "tue", "start": "10:40", "end": "11:20",
             "campus": "DQ-WK-A", "classes": ["DQ-WK-A-3-2", "DQ-MX-A-3-1"], "teachers": ["T0001"],
             "remote": [{"class": "DQ-MX-A-3-1", "campus": "DQ-MX-A", "start": "10:40", "end": "11:20",
                         "assistant": "T0102"}]},
            {"kind": "research", "code": "RG-SX-low", "subject": "SX", "day": "wed", "start": "13:30",
             "end": "14:50", "campus": "online", "classes": [], "teachers": ["T0003", "T0104", "T0201"]},
        ],
        "unmet": [{"class": "DQ-MX-A-5-1", "subject": "YY", "periods": 3,
                   "reason": "no qualified teacher can reach DQ-MX-A in time; nearest T0005 needs 55 min"}],
        "stats": {"objective": 1234, "bound": 1180, "solve_seconds": 12.4, "first_plan_seconds": 2.1,
                  "status": "FEASIBLE", "changed_vs_published": 14},
    }


def test_the_spec_example_reads_typed_and_writes_back_unchanged() -> None:
    document = read_document(spec_example())
    coteach = document.activities[1]
    assert coteach.remote is not None and coteach.remote[0].class_ == "DQ-MX-A-3-1"
    assert document.unmet[0].class_ == "DQ-MX-A-5-1" and document.unmet_periods == 3
    assert [document.count(k) for k in ("lesson", "coteach", "research")] == [1, 1, 1]
    assert document.to_json() == spec_example()
    assert list(document.to_json()) == list(spec_example())  # the spec's key order
    assert read_document(write_document(document)) == document


def test_written_text_is_indented_utf8_json_with_a_final_newline() -> None:
    document = read_document(spec_example()).model_copy(update={"activities": []})
    text = write_document(document.model_copy(update={"unmet": [read_plan(
        {"unmet": [{"class": "A-1", "subject": "YY", "periods": 1, "reason": "教共体内没有合格教师"}]}).unmet[0]]}))
    assert text.endswith("}\n") and "教共体内没有合格教师" in text and '\n  "format"' in text
    assert json.loads(text)["format"] == PLAN_FORMAT


def test_a_naive_creation_time_is_written_as_utc() -> None:
    document = PlanDocument(community="C", term="T", version=1, status="ready",
                            created_at=datetime(2026, 11, 28, 2, 0))
    assert document.to_json()["created_at"] == "2026-11-28T02:00:00+00:00"
    assert read_document(document.to_json()).created_at == datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def test_unmet_diagnostics_beyond_the_spec_survive_a_round_trip() -> None:
    unmet = {"class": "A-1", "subject": "YY", "periods": 2, "reason": "…", "proven": True}
    assert read_plan({"unmet": [unmet]}).to_json()["unmet"] == [unmet]


@pytest.mark.parametrize("change", [
    {"kind": "meeting"}, {"day": "monday"}, {"start": "8:40"}, {"end": "24:00"}, {"classes": "A-1"},
    {"teachers": [1]}, {"colour": "red"},
])
def test_an_activity_of_the_wrong_shape_is_refused(change: dict[str, Any]) -> None:
    document = spec_example()
    document["activities"][0].update(change)
    with pytest.raises(ValidationError):
        read_document(document)


def test_another_format_or_negative_periods_is_refused() -> None:
    with pytest.raises(ValidationError):
        read_document({**spec_example(), "format": "tongpan-plan/9"})
    with pytest.raises(ValidationError):
        read_plan({"unmet": [{"class": "A-1", "subject": "YY", "periods": -1}]})


def test_extra_stats_are_added_without_touching_the_original() -> None:
    plan = read_plan({"stats": {"objective": 5}})
    assert plan.with_stats(job=7).stats == {"objective": 5, "job": 7}
    assert plan.stats == {"objective": 5}


def test_the_same_week_ignores_order_stats_and_reason_wording_but_not_a_moved_lesson() -> None:
    plan = read_document(spec_example())
    shuffled = plan.model_copy(update={"activities": list(reversed(plan.activities)), "stats": {},
                                       "unmet": [plan.unmet[0].model_copy(update={"reason": "在 10 秒内未找到"})]})
    assert plan.same_week_as(shuffled)
    moved = spec_example()
    moved["activities"][0]["start"], moved["activities"][0]["end"] = "09:30", "10:10"
    assert not plan.same_week_as(read_document(moved))
    fewer = spec_example()
    fewer["unmet"][0]["periods"] = 2
    assert not plan.same_week_as(read_document(fewer))
