"""Plan diffs: a moved lesson is one change; re-staffing, additions and removals are told apart."""

from __future__ import annotations

import copy
from typing import Any

from scheduler.plan_diff import count_changes, diff_plans, group_by


def lesson(code: str, day: str, start: str, teacher: str = "T1", campus: str = "A") -> dict[str, Any]:
    cls = code.split(".")[0]
    return {"kind": "lesson", "code": code, "subject": code.split(".")[1], "day": day, "start": start,
            "end": f"{int(start[:2]) + 1:02d}{start[2:]}", "campus": campus, "classes": [cls], "teachers": [teacher]}


BASE = [lesson("C1.YW", "mon", "08:00"), lesson("C1.YW", "tue", "08:00"), lesson("C2.SX", "mon", "09:00", "T2")]


def test_identical_plans_have_no_changes() -> None:
    assert diff_plans(BASE, list(reversed(copy.deepcopy(BASE)))) == []


def test_one_moved_lesson_is_one_change() -> None:
    new = copy.deepcopy(BASE)
    new[0].update(day="thu", start="10:00", end="11:00")
    changes = diff_plans(BASE, new)
    assert [(c.kind, c.code, c.before.day, c.after.day) for c in changes] == [("moved", "C1.YW", "mon", "thu")]
    assert list(group_by(changes, "class")) == ["C1"] and list(group_by(changes, "teacher")) == ["T1"]


def test_same_time_other_teacher_is_a_change_not_a_move() -> None:
    new = copy.deepcopy(BASE)
    new[2]["teachers"] = ["T9"]
    (change,) = diff_plans(BASE, new)
    assert change.kind == "changed" and change.teachers == {"T2", "T9"}


def test_additions_and_removals() -> None:
    new = copy.deepcopy(BASE[:2]) + [lesson("C3.YY", "fri", "13:00", "T3")]
    kinds = sorted((c.kind, c.code) for c in diff_plans(BASE, new))
    assert kinds == [("added", "C3.YY"), ("removed", "C2.SX")]


def test_coteaching_remote_side_changes_are_seen() -> None:
    co = {"kind": "coteach", "code": "CT1", "subject": "YS", "day": "wed", "start": "10:00", "end": "10:40",
          "campus": "A", "classes": ["C1", "C9"], "teachers": ["T1"],
          "remote": [{"class": "C9", "campus": "B", "start": "10:05", "end": "10:45", "assistant": "T5"}]}
    other = copy.deepcopy(co)
    other["remote"][0]["assistant"] = "T6"
    (change,) = diff_plans([co], [other])
    assert change.kind == "changed" and change.teachers == {"T1", "T5", "T6"}
    assert set(group_by([change], "class")) == {"C1", "C9"}


def test_the_quick_count_agrees_with_the_diff() -> None:
    new = copy.deepcopy(BASE[:2]) + [lesson("C3.YY", "fri", "13:00", "T3"), lesson("C1.YW", "fri", "08:00")]
    new[0].update(day="thu")
    new[1]["teachers"] = ["T7"]
    for old, plan in ((BASE, new), (new, BASE), (BASE, BASE), ([], BASE)):
        assert count_changes(old, plan) == len(diff_plans(old, plan))
