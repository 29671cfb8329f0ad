"""Hints (written in bulk, completed on every variable, negated literals hinted as their variable) and presolve levels."""

from __future__ import annotations

import time

import pytest
from ortools.sat.python import cp_model

from scheduler.solver.search import Progress, complete_hint, run, set_hint


def _model() -> tuple[cp_model.CpModel, cp_model.IntVar, cp_model.IntVar, cp_model.IntVar]:
    model = cp_model.CpModel()
    x, y = model.new_bool_var("x"), model.new_bool_var("y")
    both = model.new_int_var(0, 2, "both")  # an auxiliary the decisions do not give
    model.add(both == x + y)
    model.add(x + y >= 1)
    model.minimize(3 * both)
    return model, x, y, both


def _hinted(model: cp_model.CpModel) -> dict[int, int]:
    hint = model.proto.solution_hint
    return dict(zip(hint.vars, hint.values))


def test_a_negated_literal_is_hinted_as_its_variable_with_the_opposite_value() -> None:
    model, x, y, _ = _model()
    model.add_hint(x, 0)  # replaced, not added to
    set_hint(model, [(x, True), (y.Not(), True)])
    assert _hinted(model) == {x.index: 1, y.index: 0}


def test_a_valid_decision_set_is_completed_on_every_variable() -> None:
    model, x, y, both = _model()
    assert complete_hint(model, [(x, True), (y.Not(), True)], time_limit=5) == 3
    assert _hinted(model) == {x.index: 1, y.index: 0, both.index: 1}
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.solve(model) == cp_model.OPTIMAL and solver.value(both) == 1


def test_an_invalid_decision_set_hints_only_the_decisions() -> None:
    model, x, y, both = _model()
    assert complete_hint(model, [(x, False), (y, False)], time_limit=5) is None  # breaks x + y >= 1
    assert _hinted(model) == {x.index: 0, y.index: 0}


@pytest.mark.parametrize("presolve", ["none", "light", "full"])
def test_each_presolve_level_solves_the_model_and_says_which_it_was(presolve: str) -> None:
    model, x, y, _ = _model()
    result = run(model, phase="lean", time_limit=5, workers=1, progress=Progress(None, time.monotonic()),
                 presolve=presolve)
    assert result.status == "OPTIMAL" and result.objective == 3 and result.presolve == presolve


def test_an_unknown_presolve_level_is_refused() -> None:
    model, *_ = _model()
    with pytest.raises(ValueError, match="presolve"):
        run(model, phase="lean", time_limit=5, workers=1, progress=Progress(None, time.monotonic()),
            presolve="some")
