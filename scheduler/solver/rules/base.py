"""What every rule module shares: the checker-rule mark and the literal type.

A hard rule is a function that adds constraints to a phase's model through
the phase's variables object. `@checker_rule(n)` records the number of the
independent checker's rule (scheduler/check) it enforces, so a violation the
checker reports points at the function that should have prevented it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

Literal = cp_model.IntVar
F = TypeVar("F", bound=Callable[..., None])
_BOOLEAN = Domain(0, 1)


def checker_rule(number: int) -> Callable[[F], F]:
    """Mark a hard-rule function with the checker rule it enforces (`fn.checker_rule`)."""
    def mark(fn: F) -> F:
        fn.checker_rule = number  # type: ignore[attr-defined]
        return fn
    return mark


def new_bool(model: cp_model.CpModel, name: str) -> Literal:
    """`model.new_bool_var(name)` with one domain object shared by all: a school's model has thousands
    of Booleans, and building a `Domain` for each was a third of the lean model's construction time."""
    return cp_model.IntVar(model.model_proto).with_name(name).with_domain(_BOOLEAN)


def either(model: cp_model.CpModel, a: Literal | None, b: Literal | None) -> Literal | None:
    """A literal at least as true as `a or b` (minimisation keeps it no truer than needed)."""
    if a is None:
        return b
    if b is None:
        return a
    var = new_bool(model, "")
    model.add_implication(a, var)
    model.add_implication(b, var)
    return var
