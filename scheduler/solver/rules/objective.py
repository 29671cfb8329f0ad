"""The one objective of a phase: weighted penalty terms filed under the goal that adds them.

Every soft goal of both phases adds its terms here, by the weight key of
`weights.py`; the same object minimises their sum and, after a solve,
breaks the penalty (罚分) down by goal for `stats.objective_terms`. No other
code weighs or sums penalties.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.solver.weights import Weights


class Objective:
    """Penalty terms by weight key; `fixed` is what no decision can change (per key, unweighted count)."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self.terms: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
        self.fixed: dict[str, int] = defaultdict(int)

    def add(self, key: str, expr: cp_model.LinearExprT, weight: int | None = None) -> None:
        """Add `expr` times the weight `key` (or `weight`, when a goal scales it) to the objective."""
        self.terms[key].append((getattr(self.weights, key) if weight is None else weight) * expr)

    def add_fixed(self, key: str, count: int = 1) -> None:
        """A penalty already incurred whatever the solver does (`count` times the weight `key`)."""
        self.fixed[key] += getattr(self.weights, key) * count

    def expression(self) -> cp_model.LinearExprT:
        return sum(e for items in self.terms.values() for e in items) + sum(self.fixed.values())

    def minimize(self, model: cp_model.CpModel) -> None:
        model.minimize(self.expression())

    def breakdown(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The penalty of the solution found, per soft goal (weight key); goals costing nothing left out."""
        values = {key: int(sum(solver.value(e) for e in items)) for key, items in self.terms.items()}
        for key, value in self.fixed.items():
            values[key] = values.get(key, 0) + value
        return {key: v for key, v in sorted(values.items()) if v}
