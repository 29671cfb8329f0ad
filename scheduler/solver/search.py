"""Running a CP-SAT model: time limit, workers, progress reports and solution times.

Both phases (staffing, timetable) run their model the same way; the times
of improving solutions are kept so the caller can tell when the first plan
as complete as the final one appeared (`stats.first_plan_seconds`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

ProgressFn = Callable[[dict], None]
REPORT_EVERY = 0.5  # seconds between progress reports: at most about two a second


class Progress:
    """Throttled progress reports, shared by all phases of one solve."""

    def __init__(self, callback: ProgressFn | None, started: float):
        self.callback = callback
        self.started = started
        self._last = -REPORT_EVERY
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def report(self, phase: str, objective: float | None = None, bound: float | None = None,
               force: bool = False) -> None:
        if self.callback is None:
            return
        with self._lock:
            now = self.elapsed()
            if not force and now - self._last < REPORT_EVERY:
                return
            self._last = now
        self.callback({"phase": phase, "objective": objective, "bound": bound, "elapsed": round(now, 3)})


def _bound(value: float, floor: float = 0.0) -> float:
    """CP-SAT's bound, or `floor` while it is weaker: every objective here is a sum of penalties >= 0,
    and a caller may know a higher bound proven elsewhere."""
    return max(floor, value)


class NoSolution(Exception):
    """CP-SAT found no solution within its time limit (the caller falls back to a safe plan)."""


@dataclass
class SearchResult:
    status: str
    objective: float | None
    bound: float | None
    seconds: float
    solver: cp_model.CpSolver
    # (seconds since the solve started, objective, watched value) of each improving solution
    solutions: list[tuple[float, float, int]] = field(default_factory=list)
    gave_up: bool = False  # stopped at `give_up_after` because the best solution still left `watch` > 0

    @property
    def found(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")


class _Recorder(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, phase: str, watch: cp_model.LinearExprT, offset: float, floor: float):
        super().__init__()
        self.progress, self.phase, self.watch, self.offset, self.floor = progress, phase, watch, offset, floor
        self.solutions: list[tuple[float, float, int]] = []
        self.bound: float | None = None

    def on_solution_callback(self) -> None:
        objective = self.objective_value + self.offset
        self.solutions.append((self.progress.elapsed(), objective, int(self.value(self.watch))))
        self.progress.report(self.phase, objective, _bound(self.best_objective_bound, self.floor) + self.offset,
                             force=len(self.solutions) == 1)
        if self.objective_value <= self.floor:  # optimal by the bound proven elsewhere
            self.stop_search()


def run(model: cp_model.CpModel, *, phase: str, time_limit: float, workers: int, progress: Progress,
        watch: cp_model.LinearExprT = 0, offset: float = 0.0, linearization: int | None = None,
        lp_worker: bool = False, give_up_after: float | None = None, floor: float = 0.0) -> SearchResult:
    """Solve `model` within `time_limit` seconds; `watch` is evaluated on every solution.

    `offset` is added to objectives and bounds in reports, for phases whose
    objective continues an earlier phase's. `linearization` 2 puts every
    Boolean constraint into the LP too, which assignment models need for a
    useful bound. `lp_worker` makes the full-problem worker the one with that
    LP (CP-SAT's `max_lp`): with two workers the default portfolio has no
    worker that proves a bound on a timetable model, only ones that improve
    solutions. With `give_up_after`, the search stops at that many seconds
    if its best solution still has `watch` > 0, so the caller can change the
    model rather than wait. `floor` is a lower bound of the objective proven
    outside this model (before `offset`); the search stops when it reaches
    it. It stays out of the model: `objective >= floor` as a constraint
    slows CP-SAT's local search.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = max(1, workers)
    if linearization is not None:
        solver.parameters.linearization_level = linearization
    if lp_worker:
        solver.parameters.subsolvers.append("max_lp")
    recorder = _Recorder(progress, phase, watch, offset, floor)
    solver.best_bound_callback = lambda bound: progress.report(phase, None, _bound(bound, floor) + offset)
    stopped = threading.Event()

    def check() -> None:
        if recorder.solutions and recorder.solutions[-1][2] > 0:
            stopped.set()
            solver.stop_search()

    timer = threading.Timer(give_up_after, check) if give_up_after is not None else None
    started = time.monotonic()
    progress.report(phase, force=True)
    if timer is not None:
        timer.start()
    status = solver.solve(model, recorder)
    if timer is not None:
        timer.cancel()
    seconds = time.monotonic() - started
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    result = SearchResult(
        solver.status_name(status),
        solver.objective_value + offset if found else None,
        _bound(solver.best_objective_bound, floor) + offset if found else None,
        seconds, solver, recorder.solutions, stopped.is_set())
    progress.report(phase, result.objective, result.bound, force=True)
    return result


def complete_hint(model: cp_model.CpModel, decisions: list[tuple[cp_model.IntVar, int]],
                  time_limit: float) -> float | None:
    """Hint a known solution on every variable, so CP-SAT takes it as its first solution at once.

    Only the decisions are known; auxiliary variables (slack, indicators,
    counts) are completed by solving a copy with the decisions fixed, which
    also proves the decisions valid under the model. Returns the objective,
    or None when the copy finds nothing in time (then only the decisions are
    hinted, and CP-SAT may still repair them).
    """
    probe = model.clone()
    probe.clear_hints()  # a hint given before
    for var, value in decisions:
        probe.add_hint(var, value)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = 1
    status = solver.solve(probe)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        model.clear_hints()
        for var, value in decisions:
            model.add_hint(var, value)
        return None
    model.clear_hints()
    for i, value in enumerate(solver.response_proto.solution):
        model.add_hint(model.get_int_var_from_proto_index(i), value)
    return solver.objective_value
