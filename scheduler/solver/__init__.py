"""The CP-SAT solver: a weekly plan for one community and term.

`solve(ds, community, term)` returns `{"activities", "unmet", "stats"}` as
spec/plan.md defines them. It works in two phases: `staffing.py` decides who
teaches each class each subject and which co-teaching links run; `model.py`
places every lesson, co-teaching lesson and research meeting in clock time,
starting from the constructive timetable of `greedy.py`. Every hard rule and
soft goal of both phases is one function in `rules/` (read that folder to
know what the solver enforces); the two models only assemble them. Unmet
demand is penalised, never infeasible, and reported with reasons
(`unmet.py`). Soft-goal weights and the rules keys they come from are in
`weights.py`.

Nothing here imports the plan checker (scheduler/check): it must stay an
independent judge of what the solver returns.

`solve` is imported on first use: it loads OR-Tools (and, through it, pandas),
which `scheduler.solver.summary`, read by the CLI and the job layer, must not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.solver.run import solve

__all__ = ["solve"]


def __getattr__(name: str) -> Any:
    if name == "solve":
        from scheduler.solver.run import solve

        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
