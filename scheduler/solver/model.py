"""Phase 2: the CP-SAT timetable model over the staffing phase 1 decided.

The model is assembled from `rules/`: the variables and hard rules of
`rules/timetable.py`, the soft goals of `rules/goals.py` adding to one
`Objective`, and the redundant cuts of `rules/cuts.py`. Two forms:

- the **lean** model (`lean=True`): hard rules only, every staffed period and
  meeting required, no objective. It answers "is there a complete timetable
  for this staffing?" quickly, and its answer is the full model's hint
  (feasibility first);
- the **full** model: the same rules, what is left out as penalised slack
  (so it is always feasible), the soft goals and the cuts.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.solver.problem import Assignment, Problem
from scheduler.solver.rules.cuts import CUTS
from scheduler.solver.rules.goals import GOALS, no_idle_gaps, published_placements_kept
from scheduler.solver.rules.objective import Objective
from scheduler.solver.rules.timetable import HARD_RULES, TimetableVars, timetable_variables
from scheduler.solver.search import complete_hint

Literal = cp_model.IntVar


class TimetableModel:
    """The CP-SAT model of one problem; `wish` (the published plan's placements) adds stability."""

    def __init__(self, problem: Problem, wish: Assignment | None = None, idle_gaps: bool = True,
                 lean: bool = False):
        """`idle_gaps` False leaves idle gaps out, for a part of the problem whose objective must
        bound the whole's from below (`travellers.py`): idle gaps are the one goal that a
        teacher's missing activities can raise rather than lower."""
        self.p = problem
        self.lean = lean
        self.model = cp_model.CpModel()
        self.v: TimetableVars = timetable_variables(problem, self.model, lean=lean)
        self.objective = Objective(problem.inst.weights)
        for rule in HARD_RULES:
            rule(self.v)
        if lean:
            return
        for goal in GOALS:
            goal(self.v, self.objective)
        if idle_gaps:
            no_idle_gaps(self.v, self.objective)
        if wish is not None:
            published_placements_kept(self.v, self.objective, wish)
        for cut in CUTS:
            cut(self.v)
        self.objective.minimize(self.model)

    def require_all(self) -> None:
        """Leave nothing out: once a complete timetable is known, optimise over complete ones only."""
        for var in (*self.v.short_x, *self.v.short_y, *self.v.missed):
            self.model.add(var == 0)

    @property
    def x(self) -> list[dict[int, Literal]]:
        return self.v.x

    @property
    def y(self) -> list[dict[int, Literal]]:
        return self.v.y

    @property
    def m(self) -> list[dict[int, Literal]]:
        return self.v.m

    @property
    def cw(self) -> dict[str, dict[tuple[str, str], Literal]]:
        return self.v.cw

    @property
    def unmet(self) -> cp_model.LinearExprT:
        return self.v.unmet

    # -- hints and reading ------------------------------------------------------

    def decisions(self, start: Assignment) -> list[tuple[Literal, bool]]:
        return [(var, s in chosen[i])
                for vars_, chosen in ((self.x, start.lessons), (self.y, start.joins), (self.m, start.meetings))
                for i, var_map in enumerate(vars_) for s, var in var_map.items()]

    def hint(self, start: Assignment, time_limit: float) -> float | None:
        """Hint `start` on every variable (see `search.complete_hint`); its objective, or None."""
        return complete_hint(self.model, self.decisions(start), time_limit)

    def breakdown(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The objective of the solution found, per soft goal (weight key)."""
        return self.objective.breakdown(solver)

    def read(self, solver: cp_model.CpSolver) -> Assignment:
        def pick(vars_: list[dict[int, Literal]]) -> list[set[int]]:
            return [{s for s, v in var_map.items() if solver.boolean_value(v)} for var_map in vars_]
        return Assignment(pick(self.x), pick(self.y), pick(self.m))
