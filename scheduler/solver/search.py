"""Running a CP-SAT model: time limit, stop rules, workers, progress reports and solution times.

Both phases (staffing, timetable) run their model the same way; the times
of improving solutions are kept so the caller can tell when the first plan
as complete as the final one appeared (`stats.first_plan_seconds`).

A search ends at the first of (`SearchResult.stop`):

- `optimal`: proven optimal (or, for a model without objective, a solution
  found; or the bound proven elsewhere reached);
- `gap`: the relative gap (objective - bound) / objective fell to
  `stop_gap` (`rules.stop_gap`, default 0.5%);
- `stall`: the objective improved by less than `STALL_IMPROVEMENT` (0.5%)
  over the last `stall_seconds` (`rules.stall_seconds`; by default 10% of
  the solve's time limit, at least 5 s);
- `gave_up`: the caller's `give_up_after` check (a timetable still short of
  periods, so the caller re-staffs);
- `infeasible`: proven to have no solution;
- `cancelled`: the caller's `cancel` event (it found what it needed elsewhere);
- `time_limit`: the time limit, now a ceiling rather than the usual duration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

ProgressFn = Callable[[dict], None]
REPORT_EVERY = 0.5  # seconds between progress reports: at most about two a second
STOP_GAP = 0.005  # default `rules.stop_gap`
STALL_SECONDS = 5.0  # default `rules.stall_seconds`
STALL_IMPROVEMENT = 0.005  # relative improvement over the stall window that still counts as progress
WATCH_EVERY = 0.2  # seconds between checks of the stall rule


@dataclass(frozen=True)
class StopRules:
    """When a search may end before its time limit (see the module docstring)."""

    gap: float = STOP_GAP
    stall_seconds: float = STALL_SECONDS


class Progress:
    """Throttled progress reports, shared by all phases of one solve."""

    def __init__(self, callback: ProgressFn | None, started: float):
        self.callback = callback
        self.started = started
        self._last = -REPORT_EVERY
        self._phase: str | None = None
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def report(self, phase: str, objective: float | None = None, bound: float | None = None,
               force: bool = False) -> None:
        if self.callback is None:
            return
        with self._lock:
            now = self.elapsed()
            # `force` passes the throttle only when the phase changes: a phase that restarts its search
            # several times a second (the staffing's quick plan, then its search) is one line, not many.
            if now - self._last < REPORT_EVERY and not (force and phase != self._phase):
                return
            self._last, self._phase = now, phase
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
    stop: str = "time_limit"  # which rule ended the search (module docstring)
    presolve: str = "full"  # `run`'s `presolve`: "none", "light" or "full"

    @property
    def gap(self) -> float | None:
        """(objective - bound) / objective of this search, None without both."""
        return relative_gap(self.objective, self.bound)

    @property
    def found(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return 0.0 if objective <= bound else (objective - bound) / max(abs(objective), 1e-9)


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Records improving solutions and applies the stop rules that a solution or a bound can trigger."""

    def __init__(self, progress: Progress, phase: str, watch: cp_model.LinearExprT, offset: float, floor: float,
                 rules: StopRules):
        super().__init__()
        self.progress, self.phase, self.watch, self.offset, self.floor = progress, phase, watch, offset, floor
        self.rules = rules
        self.solutions: list[tuple[float, float, int]] = []
        self.best: float | None = None  # objective before offset
        self.bound = floor
        self.stop: str | None = None
        self.lock = threading.Lock()

    def on_solution_callback(self) -> None:
        objective = self.objective_value + self.offset
        with self.lock:
            self.solutions.append((self.progress.elapsed(), objective, int(self.value(self.watch))))
            self.best = self.objective_value
            self.bound = max(self.bound, _bound(self.best_objective_bound, self.floor))
        self.progress.report(self.phase, objective, self.bound + self.offset, force=len(self.solutions) == 1)
        if self.objective_value <= self.floor:  # optimal by the bound proven elsewhere
            self.end("optimal")
        else:
            self.check_gap()

    def on_bound(self, bound: float) -> None:
        with self.lock:
            self.bound = max(self.bound, _bound(bound, self.floor))
        self.progress.report(self.phase, None, self.bound + self.offset)
        self.check_gap()

    def check_gap(self) -> None:
        gap = relative_gap(self.best, self.bound)
        if gap is not None and gap <= self.rules.gap:
            self.end("gap")

    def stalled(self, now: float) -> bool:
        """Whether the objective improved by less than STALL_IMPROVEMENT over the last stall window."""
        with self.lock:
            if not self.solutions or now - self.solutions[0][0] < self.rules.stall_seconds:
                return False
            then = [obj for t, obj, _ in self.solutions if t <= now - self.rules.stall_seconds]
            if not then:
                return False
            before, best = then[-1], self.solutions[-1][1]
        return before - best <= STALL_IMPROVEMENT * max(abs(best), 1.0)

    def end(self, reason: str) -> None:
        if self.stop is None:
            self.stop = reason
        try:
            self.stop_search()
        except RuntimeError:  # the search ended meanwhile (a watcher thread's race with the end)
            pass


def run(model: cp_model.CpModel, *, phase: str, time_limit: float, workers: int, progress: Progress,
        watch: cp_model.LinearExprT = 0, offset: float = 0.0, linearization: int | None = None,
        lp_worker: bool = False, give_up_after: float | None = None, floor: float = 0.0,
        stop: StopRules | None = None, fixed: bool = False, presolve: str = "full",
        cancel: threading.Event | None = None) -> SearchResult:
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
    slows CP-SAT's local search. `stop` gives the gap and stall rules
    (module docstring); a model without objective stops at its first solution.
    `fixed` takes the model's (complete) hint as the solution: the fallback
    when a search found nothing better in time. `presolve` "light" presolves
    once, without probing or symmetry detection, and searches without SAT
    inprocessing; "none" searches the model as built, also without probing,
    symmetry detection or SAT inprocessing. On school timetables these
    simplifications cost more than the search for a first solution: the
    light presolve found FET's examples' and bench/solve.py's tight schools'
    first solutions 3-5 times sooner than the full one, and none twice as
    fast again at the median (FET's examples, CP-SAT 9.15), though on a few
    hard models only a presolve finds one in time. Setting `cancel` (from
    another thread) ends the search (`stop` "cancelled"): the caller found
    what it needed elsewhere.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = max(1, workers)
    if linearization is not None:
        solver.parameters.linearization_level = linearization
    if lp_worker:
        solver.parameters.subsolvers.append("max_lp")
    if fixed:
        solver.parameters.fix_variables_to_their_hinted_value = True
    if presolve not in ("none", "light", "full"):
        raise ValueError(f"presolve: {presolve!r}")
    if presolve != "full":  # probing also runs at the search's root: without presolve too, it cost 3-4x
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        solver.parameters.use_sat_inprocessing = False
    if presolve == "none":
        solver.parameters.cp_model_presolve = False
    elif presolve == "light":
        solver.parameters.max_presolve_iterations = 1
    rules = stop or StopRules()
    recorder = _Recorder(progress, phase, watch, offset, floor, rules)
    solver.best_bound_callback = recorder.on_bound
    stopped = threading.Event()
    done = threading.Event()

    def check() -> None:
        if recorder.solutions and recorder.solutions[-1][2] > 0:
            stopped.set()
            recorder.end("gave_up")

    def watch() -> None:
        while not done.wait(WATCH_EVERY):
            if cancel is not None and cancel.is_set():
                recorder.end("cancelled")  # again until it ends: a stop before the search starts is lost
            elif model.has_objective() and recorder.stalled(progress.elapsed()):
                recorder.end("stall")

    timer = threading.Timer(give_up_after, check) if give_up_after is not None else None
    watcher = threading.Thread(target=watch, daemon=True) if model.has_objective() or cancel else None
    started = time.monotonic()
    progress.report(phase, force=not fixed)  # a check of a known solution is no new phase
    for thread in (timer, watcher):
        if thread is not None:
            thread.start()
    try:
        status = solver.solve(model, recorder)
    finally:
        done.set()
        if timer is not None:
            timer.cancel()
    seconds = time.monotonic() - started
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    objective = solver.objective_value + offset if found else None
    bound = max(recorder.bound, _bound(solver.best_objective_bound, floor)) + offset if found else None
    if status == cp_model.OPTIMAL:
        reason = "optimal"
    elif status == cp_model.INFEASIBLE:
        reason = "infeasible"
    else:
        reason = recorder.stop or "time_limit"
    result = SearchResult(solver.status_name(status), objective, bound, seconds, solver, recorder.solutions,
                          stopped.is_set(), reason, presolve)
    progress.report(phase, result.objective, result.bound, force=not fixed)
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
    set_hint(probe, decisions)  # replacing a hint given before
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = 1
    status = solver.solve(probe)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        set_hint(model, decisions)
        return None
    model.clear_hints()
    solution = list(solver.response_proto.solution)  # a value for every variable, in index order
    model.proto.solution_hint.vars.extend(range(len(solution)))
    model.proto.solution_hint.values.extend(solution)
    return solver.objective_value


def set_hint(model: cp_model.CpModel, decisions: Iterable[tuple[cp_model.IntVar, int]]) -> None:
    """Replace the model's hint by `decisions` (variables or negated literals), written in bulk:
    `add_hint` one variable at a time cost as much as a school's search for its first timetable."""
    model.clear_hints()
    pairs = [(var.index, int(value)) if var.index >= 0 else (-var.index - 1, int(not value))
             for var, value in decisions]
    model.proto.solution_hint.vars.extend(index for index, _ in pairs)
    model.proto.solution_hint.values.extend(value for _, value in pairs)
