"""Vocabulary shared by the checker's modules: violations and how times read in messages."""

from __future__ import annotations

from dataclasses import dataclass

MALFORMED = 0  # the rule number of a plan document the checker cannot read
ONLINE = "online"  # the campus of an online research meeting

DAY_NAMES = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五",
             "sat": "周六", "sun": "周日"}
KIND_NAMES = {"lesson": "课", "coteach": "同步课堂", "research": "教研"}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule (1-10), or rule 0 for a malformed plan document.

    `message` is for the admin who fixes the dataset or the plan, so it names
    the codes as imported; `activities` lists the codes of the activities
    involved (activity codes repeat across a week, the message says which one).
    """

    rule: int
    message: str
    activities: tuple[str, ...] = ()

    def __str__(self) -> str:
        """How every place that shows a violation to an admin words it."""
        return f"规则 {self.rule}：{self.message}"


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span(start: int, end: int) -> str:
    return f"{hhmm(start)}–{hhmm(end)}"


def place(campus: str) -> str:
    return "线上" if campus == ONLINE else f"校区 {campus}"
