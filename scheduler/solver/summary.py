"""How a solve's progress and result read for admins, in Chinese, in one place.

The CLI's progress line and summary and the job table's messages all use
these, so the words stay the same everywhere: the objective is called what
it is (罚分, the penalty of the soft goals, lower is better), and the bound
(下界) is explained once: the penalty no plan can go below. A two-phase
solve proves the timetable's bound only for the staffing it found
(`stats.phases`); the summary says so whenever `stats.bound` is absent.
"""

from __future__ import annotations

from typing import Any

# What admins read for each phase of a solve (progress lines, job messages).
PHASE_NAMES = {"staffing": "分配任课", "construct": "构造初始课表", "lean": "寻找完整课表",
               "timetable": "优化课表", "done": "求解完成"}
BOUND_NOTE = ("下界是罚分不可能低于的值；分两阶段求解时，排课阶段的下界只对本次求得的任课分配成立，"
              "不是整个问题的下界")
STOP_NAMES = {"optimal": "已证明最优", "gap": "与下界的差距已达到 rules.stop_gap",
              "stall": "罚分在 rules.stall_seconds 内没有明显改进", "time_limit": "达到求解时间上限",
              "gave_up": "改为重新分配任课", "infeasible": "已证明无解"}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _percent(gap: float | None) -> str:
    return "" if gap is None else f"，差距 {gap:.1%}"


def progress_text(report: dict[str, Any]) -> str:
    """One progress report: phase, the best 罚分 so far, and its 下界 (for the staffing found)."""
    phase = PHASE_NAMES.get(report.get("phase", ""), "")
    parts = [phase] if phase else []
    if report.get("objective") is not None:
        parts.append(f"罚分 {_number(report['objective'])}")
    if report.get("bound") is not None:
        parts.append(f"下界 {_number(report['bound'])}")
    return "，".join(parts)


def summary_text(stats: dict[str, Any]) -> str:
    """The result of a solve: 罚分, the bound where it holds and for what, and what ended the search."""
    parts = [f"罚分 {_number(stats.get('objective'))}"]
    if stats.get("bound") is not None:
        parts.append(f"下界 {_number(stats['bound'])}（对整个问题成立{_percent(stats.get('gap'))}）")
    else:
        timetable = (stats.get("phases") or {}).get("timetable") or {}
        if timetable.get("bound") is not None:
            parts.append(f"下界 {_number(timetable['bound'])}"
                         f"（只对本次任课分配成立{_percent(timetable.get('gap'))}）")
    stop = STOP_NAMES.get(stats.get("stop") or "")
    if stop:
        parts.append(f"结束原因：{stop}")
    return "，".join(parts)
