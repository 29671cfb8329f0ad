"""One solve of one community and term: staffing, construction, lean timetable, full timetable, plan.

Time budget: phase 1 (staffing) gets 15% of the limit, at least 6 s (or a
third of a short limit) and at most 40 s; small communities prove
optimality in well under a second and leave the rest. The constructive
timetable and its check take a few seconds.

Feasibility first: the lean model (hard rules only, every staffed period and
meeting required, no objective) is searched first, with `LEAN_SHARE` of the
time left, and stops at its first solution; after `LEAN_HEAD_START` the
constructive timetable is built beside it, and a complete construction
cancels it. A complete timetable, constructed or lean, is the hint of the full
model, which then only optimises the soft goals over complete timetables.
Only when the lean model is proven infeasible, or finds nothing in its share,
does the full model run relaxed (periods may be left short, penalised), and
the re-staffing below may follow. Every search stops early by the rules of
`search.py` (`stats.stop`); the time limit is a ceiling.

Between construction and CP-SAT, the travelling teachers' part of the
timetable is solved alone (`travellers.py`, a few seconds at most): its
proven bound is the timetable's bound wherever the LP's is weaker, and its
timetable gives a second constructive start, kept when it is cheaper.

A first complete plan early: when the staffing has choices to make (and
the limit is at least `QUICK_MIN_LIMIT`), its greedy staffing is
time-tabled first, with `QUICK_SHARE` of the limit, before the staffing
search starts; the final plan is the better of that quick plan and the one
from the searched staffing (fewer periods left out, then lower 罚分).

Phase 1 cannot see time, so it may give a pool teacher lessons that fit
nowhere in the week (a campus too far for the breaks, say). If phase 2
ends, or is a quarter through its time, with periods unplaced, the solve
re-staffs once (given a little time left): the teachers and links that fell short are capped at what
they managed, the units concerned are opened to every allowed teacher and
to co-teaching, and phase 2 restarts from the timetable found so far.

If a phase finds nothing in time, the plan falls back to what is known to
be valid (the constructive timetable, or nothing at all): the caller always
gets a plan, never an exception for a hard instance. Each unmet entry says
whether it is proven impossible or only not found in time (`unmet.py`).

`objective` is the whole plan's penalty (罚分: staffing plus timetable).
`stats.bound` and `stats.gap` are given only where the bound holds for the
whole problem: when the staffing made no choice (every unit had one possible
teacher, no co-teaching) and costs nothing. Otherwise they are None and
`stats.phases` carries each phase's objective, bound and gap: the
timetable's bound holds for plans with the staffing found, not for the
undecomposed problem.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.solver.extract import activities, teaching_loads, unmet_periods
from scheduler.solver.greedy import construct
from scheduler.solver.instance import Instance
from scheduler.solver.model import TimetableModel
from scheduler.solver.problem import Assignment, Problem
from scheduler.solver.published import changed, published_staffing, published_wish
from scheduler.solver.search import NoSolution, Progress, ProgressFn, SearchResult, relative_gap, run, set_hint
from scheduler.solver.staffing import Caps, Staffing, staff
from scheduler.solver.travellers import travellers_first
from scheduler.solver.unmet import Reasons

STAFFING_SHARE = 0.15
STAFFING_MAX = 40.0
STAFFING_RETRY_SHARE = 0.5  # of the time left, for a second staffing search when the first found nothing
STAFFING_RETRY_MIN = 0.2  # seconds: a search with less than this is not worth starting
STAFFING_MIN = 6.0  # a few seconds are what 50-80 classes need, whatever the limit (up to a third of it)
TRAVELLERS_SHARE = 0.1  # of the time left, at most, for the travelling teachers' part alone
TRAVELLERS_MAX = 5.0  # seconds; a part of 50-80 classes' travellers proves optimal in one or two
HINT_SHARE = 0.3  # of the time left, at most, for proving the constructed timetable and completing the hint
LEAN_SHARE = 0.5  # of the time left, at most, for the lean model to find a complete timetable
LEAN_HEAD_START = 1.0  # seconds the lean search runs alone before the construction starts beside it
# the lean search's tries in turn: (`search.run`'s presolve, seconds at most; None: the time left)
LEAN_TRIES = (("none", 0.15), ("light", 0.85), ("full", None))
LEAN_MIN = 0.1  # seconds: the lean model's share is never less (a small limit still tries)
STALL_SHARE = 0.1  # of the limit: the default stall window when the community sets none (at least 5 s)
QUICK_SHARE = 0.1  # of the limit, at most, for time-tabling the greedy staffing: the first complete plan, early
QUICK_LEAN_SHARE = 0.9  # of that, for its lean search
QUICK_MIN_LIMIT = 20.0  # seconds: below this the quick plan would eat the budget of the real one
REPAIR_AFTER = 0.25  # of the timetable's time, after which a timetable still short of periods re-staffs
REPAIR_MIN_SECONDS = 2.0  # re-staffing is not worth starting with less time left


@dataclass
class _Attempt:
    """One staffing and the timetable found for it."""

    staffing: Staffing
    problem: Problem
    model: TimetableModel
    result: SearchResult
    start: Assignment  # the constructive timetable
    placed: Assignment  # the best timetable (CP-SAT's, else the constructive one)
    plans: list[tuple[float, float, int]]  # (seconds, objective, unmet periods) of each valid plan in turn
    constructed: float  # seconds when the constructive timetable was ready (and checked)
    lean: SearchResult | None = None  # the lean model's search, when the construction left something out

    def caps(self) -> Caps:
        """What each short teaching and joining managed, for re-staffing."""
        p, caps = self.problem, {}
        taught: Counter[tuple[str, tuple[str, str], str]] = Counter()
        for ti, t in enumerate(p.teachings):
            if not t.requested:
                taught["teach", (t.class_, t.subject), t.teacher] += len(self.placed.lessons[ti])
        for ti, t in enumerate(p.teachings):
            if not t.requested and len(self.placed.lessons[ti]) < t.periods:
                key = ("teach", (t.class_, t.subject), t.teacher)
                caps[key] = taught[key]
        for ji, j in enumerate(p.joinings):
            if len(self.placed.joins[ji]) < j.periods:
                caps["join", (j.class_, j.subject), p.teachings[j.lead].class_] = len(self.placed.joins[ji])
        return caps


def solve(ds: Dataset, community: str, term: str, *, time_limit: float = 60.0, workers: int = 2,
          published: dict[str, Any] | None = None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """A weekly plan of `community` for `term`: {"activities", "unmet", "stats"} per spec/plan.md.

    Raises ValueError only for an unknown community or term.
    """
    report = Progress(progress, time.monotonic())
    inst = Instance(ds, community, term)
    if not inst.stall_given:  # the default window grows with the limit: big problems improve slowly
        inst.stop = replace(inst.stop, stall_seconds=max(inst.stop.stall_seconds, time_limit * STALL_SHARE))
    kept = published_staffing(published) if published else None
    staffing_time = min(STAFFING_MAX, max(min(STAFFING_MIN, time_limit / 3), time_limit * STAFFING_SHARE))
    quick: list[_Attempt] = []

    def first(greedy: Staffing) -> None:
        """A first complete plan from the greedy staffing, before the staffing search (see module docstring)."""
        if time_limit >= QUICK_MIN_LIMIT:
            quick.append(_timetable(inst, greedy, published, published, report,
                                    report.elapsed() + time_limit * QUICK_SHARE, workers, repair=False, quick=True))

    try:
        staffing = staff(inst, time_limit=staffing_time, workers=workers, progress=report, published=kept,
                         first=first)
    except NoSolution:
        retry = (time_limit - report.elapsed()) * STAFFING_RETRY_SHARE
        try:  # found nothing in its share: once more with part of the time left, if worth it
            if retry < STAFFING_RETRY_MIN:
                raise
            staffing = staff(inst, time_limit=retry, workers=workers, progress=report, published=kept)
        except NoSolution:
            staffing = Staffing([], [], dict(inst.demand), [])
    attempt = _timetable(inst, staffing, published, published, report, time_limit, workers, repair=True)
    plans = attempt.plans
    if _shortfall(attempt.problem, attempt.placed) and time_limit - report.elapsed() >= REPAIR_MIN_SECONDS:
        try:
            restaffed = staff(inst, time_limit=staffing_time / 2, workers=workers, progress=report,
                              published=kept, caps=attempt.caps())
            seed = {"activities": activities(attempt.problem, attempt.placed)}
            attempt = _timetable(inst, restaffed, published, seed, report, time_limit, workers, repair=False)
            plans = [*plans, *attempt.plans]
        except NoSolution:
            pass  # keep the first attempt's plan
    ended_by = attempt.result.stop  # the last search run decides what ended the solve
    if quick:
        plans = [*quick[0].plans, *plans]
        if _left_out(quick[0]) < _left_out(attempt) or (
                _left_out(quick[0]) == _left_out(attempt) and _objective(quick[0]) < _objective(attempt)):
            attempt = quick[0]  # the quick plan stays the better one (a hard staffing search, little time)
    return _plan(inst, attempt, plans, published, report, ended_by)


def _left_out(attempt: _Attempt) -> int:
    return sum(attempt.staffing.unmet.values()) + _shortfall(attempt.problem, attempt.placed)


def _objective(attempt: _Attempt) -> float:
    return float("inf") if attempt.result.objective is None else attempt.result.objective


def _timetable(inst: Instance, staffing: Staffing, published: dict[str, Any] | None, seed: dict[str, Any] | None,
               report: Progress, time_limit: float, workers: int, repair: bool, quick: bool = False) -> _Attempt:
    """Phase 2 for one staffing: construct (from `seed`'s placements), lean model if needed, hint, solve.

    Stability is always judged against `published`; `seed` only guides the
    constructive start (the previous attempt's timetable when re-staffing).
    With a seed the construction goes first (it keeps the seed's placements,
    which a lean solution would not) and the lean model, hinted with it,
    runs only when it is short; without one the lean search goes first.
    `quick` (the greedy staffing's first plan) gives the lean search nearly
    all of the time and does not polish what it finds.
    """
    problem = Problem(inst, staffing)
    offset = staffing.result.objective if staffing.result and staffing.result.objective is not None else 0.0
    staffed_unmet = sum(staffing.unmet.values())
    lean_time = max(LEAN_MIN, (time_limit - report.elapsed()) * (QUICK_LEAN_SHARE if quick else LEAN_SHARE))
    wish = published_wish(seed, problem) if seed else None
    if wish is not None:  # stability first: construct from the published plan, the lean model only if short
        report.report("construct", force=True)
        start = construct(problem, wish)
        ready, lean = report.elapsed(), None
        if not _complete(problem, start) or problem.construction_blind:
            hinted_lean = _Lean(problem, report, workers, lean_time, hint=start)
            lean = hinted_lean.result()
            if lean.found:
                start, ready = hinted_lean.model.read(lean.solver), hinted_lean.found_at
    else:
        start, ready, lean = _lean_first(problem, report, workers, lean_time)
    model = TimetableModel(problem, published_wish(published, problem) if published else None)
    left = time_limit - report.elapsed()
    hint_time = max(0.1, min(left, max(1.0, left * HINT_SHARE)))  # never far beyond the limit
    hinted = model.hint(start, time_limit=hint_time)
    # complete and proven valid by the full model: optimise over complete timetables only
    complete = _complete(problem, start) and hinted is not None
    if complete:
        model.require_all()
    constructed = report.elapsed()
    if hinted is not None:
        report.report("construct", hinted + offset, force=True)
    built = [(ready, hinted, start)]  # starting timetables hinted in turn (None: not proven)
    floor, travel = (0.0, Assignment.empty(problem)) if quick else travellers_first(
        problem, model, time_limit=min(TRAVELLERS_MAX, (time_limit - report.elapsed()) * TRAVELLERS_SHARE))
    if seed is None and any(travel.lessons):  # also start from the travellers' own timetable
        travelled = construct(problem, travel)
        if _shortfall(problem, travelled) <= _shortfall(problem, start):
            better = model.hint(travelled, time_limit=hint_time)
            if better is not None and (hinted is None or better < hinted):
                built.append((report.elapsed(), better, travelled))
                report.report("construct", better + offset, force=True)
                start, hinted = travelled, better
            elif hinted is not None:
                model.hint(start, time_limit=hint_time)  # the first start stays the hint
    left = time_limit - report.elapsed()
    if quick and hinted is not None:  # the start as it is: the searched staffing's timetable polishes
        result = run(model.model, phase="timetable", time_limit=max(1.0, left), workers=1, progress=report,
                     watch=model.unmet, offset=offset, fixed=True)
    else:
        result = run(model.model, phase="timetable", time_limit=left, workers=workers, progress=report,
                     watch=model.unmet, offset=offset, lp_worker=True, floor=floor, stop=inst.stop,
                     give_up_after=left * REPAIR_AFTER if repair and staffing.result is not None and not complete
                     else None)
    plans = [(t, objective, staffed_unmet + short) for t, objective, short in result.solutions]
    if hinted is not None or not result.found:  # the starting timetables, valid on their own
        plans[:0] = [(t, (h or 0.0) + offset, staffed_unmet + _shortfall(problem, a))
                     for t, h, a in built if h is not None or not result.found]
    if result.found:
        placed = model.read(result.solver)
    elif hinted is None and not (lean is not None and lean.found) and problem.construction_blind:
        placed = Assignment.empty(problem)  # an unchecked construction may break a rule it ignores
    else:
        placed = start
    return _Attempt(staffing, problem, model, result, start, placed, plans, constructed, lean)


def _lean_first(problem: Problem, report: Progress, workers: int,
                lean_time: float) -> tuple[Assignment, float, SearchResult | None]:
    """The lean search first, the construction beside it after a head start: the start, when it was
    known, and the lean search (None when a complete construction made it unneeded)."""
    lean_search = _Lean(problem, report, workers, lean_time)
    start: Assignment | None = None
    ready = 0.0
    if not lean_search.done(LEAN_HEAD_START):  # a lean search that needs more runs beside the construction
        report.report("construct", force=True)
        start = construct(problem, None)
        ready = report.elapsed()
        if _complete(problem, start) and not problem.construction_blind:
            lean_search.cancel()
    lean: SearchResult | None = lean_search.result()
    assert lean is not None
    if lean.found:
        start, ready = lean_search.model.read(lean.solver), lean_search.found_at
    elif lean.stop == "cancelled":
        lean = None  # not needed: the construction was complete
    if start is None:  # the lean search proved infeasible or found nothing at once: construct after all
        start = construct(problem, None)
        ready = report.elapsed()
    return start, ready, lean


class _Lean:
    """The lean model (hard rules only, every period required), searched in a thread beside the construction.

    It searches without LP relaxation (`linearization` 0): the model has no
    objective for an LP to bound, and on one worker the LP's cost per node
    made schools' first timetables 5-25 times slower (bench/solve.py's tight
    schools, FET's examples). It tries `LEAN_TRIES` in turn (`search.run`'s
    `presolve`): no presolve first, which finds most schools' first
    timetable soonest (FET's examples: 0.034 s at the median against 0.069 s
    with the light presolve and several times that with the full one), the
    light presolve next, which some models need, then the full presolve with
    the time left, which a few hard ones need. It runs alone for `LEAN_HEAD_START` (a
    school's lean model is solved by then, and no construction is needed); then, CP-SAT releasing the GIL, the
    constructive timetable is built in Python beside it. When the
    construction turns out complete the search is cancelled, otherwise its
    first solution is the start.
    """

    def __init__(self, problem: Problem, report: Progress, workers: int, time_limit: float,
                 hint: Assignment | None = None):
        self.model = TimetableModel(problem, lean=True)
        if hint is not None:
            set_hint(self.model.model, self.model.decisions(hint))
        self._cancel = threading.Event()
        self._result: SearchResult | None = None
        self.found_at = 0.0

        def work() -> None:
            search = partial(run, self.model.model, phase="lean", workers=workers, progress=report,
                             linearization=0, cancel=self._cancel)
            spent = 0.0
            for presolve, seconds in LEAN_TRIES:
                left = time_limit - spent
                if self._result is not None and left < LEAN_MIN:
                    break
                tried = search(time_limit=left if seconds is None else min(seconds, left), presolve=presolve)
                spent += tried.seconds
                self._result = replace(tried, seconds=spent)
                if tried.found or tried.stop in ("infeasible", "cancelled"):
                    break
            self.found_at = report.elapsed()

        self._thread = threading.Thread(target=work, name="lean-timetable", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def done(self, seconds: float) -> bool:
        """Wait up to `seconds` for the search to end; whether it ended with a solution."""
        self._thread.join(seconds)
        return not self._thread.is_alive() and self._result is not None and self._result.found

    def result(self) -> SearchResult:
        self._thread.join()
        assert self._result is not None
        return self._result


def _complete(problem: Problem, placed: Assignment) -> bool:
    """Whether every staffed period and every research meeting is placed."""
    return not _shortfall(problem, placed) and all(
        len(placed.meetings[i]) == m.group.per_week for i, m in enumerate(problem.meetings))


def _plan(inst: Instance, attempt: _Attempt, plans: list[tuple[float, float, int]],
          published: dict[str, Any] | None, report: Progress, ended_by: str) -> dict[str, Any]:
    """The plan document of the final attempt, with unmet reasons and stats."""
    acts = activities(attempt.problem, attempt.placed)
    short = unmet_periods(inst.demand, acts)
    loads = teaching_loads(acts)
    staffed = attempt.staffing.result
    exhausted = attempt.result.stop == "optimal" and staffed is not None and staffed.stop == "optimal"
    reasons = Reasons(inst, loads, report.elapsed(), exhausted)
    unmet = [{"class": c, "subject": s, "periods": n, "reason": reasons.explain(c, s)}
             for (c, s), n in sorted(short.items())]
    stats = _stats(attempt, plans, report.elapsed(), sum(short.values()))
    stats["stop"] = ended_by
    problem, placed = attempt.problem, attempt.placed
    missed = {m.group.code: m.group.per_week - len(placed.meetings[i]) for i, m in enumerate(problem.meetings)}
    if any(missed.values()):
        stats["research_missed"] = {code: n for code, n in missed.items() if n}
    if published is not None:
        stats["changed_vs_published"] = changed(published, acts)
    report.report("done", stats["objective"], stats["bound"], force=True)
    return {"activities": acts, "unmet": unmet, "stats": stats}


def _phase(result: SearchResult | None) -> dict[str, Any]:
    if result is None:
        return {"status": "UNKNOWN"}
    return {"status": result.status, "objective": result.objective, "bound": result.bound, "gap": result.gap,
            "stop": result.stop, "seconds": round(result.seconds, 3)}


def _shortfall(problem: Problem, placed: Assignment) -> int:
    return (sum(t.periods - len(placed.lessons[i]) for i, t in enumerate(problem.teachings))
            + sum(j.periods - len(placed.joins[i]) for i, j in enumerate(problem.joinings)))


def _stats(attempt: _Attempt, plans: list[tuple[float, float, int]], elapsed: float,
           unmet_periods: int) -> dict[str, Any]:
    """Stats of spec/plan.md plus each phase's own figures, soft-goal terms and dropped requests.

    `first_plan_seconds` is when the first valid plan as complete as the
    final one (no more unmet periods) appeared.
    """
    result, staffing = attempt.result, attempt.staffing
    first = next((t for t, _, short in plans if short <= unmet_periods), None)
    whole = (staffing.forced and staffing.result is not None and staffing.result.objective == 0
             and result.found)  # the timetable's bound then bounds every plan (module docstring)
    bound = result.bound if whole else None
    phases = {"staffing": _phase(staffing.result), "timetable": _phase(result)}
    if attempt.lean is not None:
        phases["lean"] = {"status": attempt.lean.status, "stop": attempt.lean.stop,
                          "seconds": round(attempt.lean.seconds, 3), "presolve": attempt.lean.presolve}
    return {
        "objective": result.objective,
        "bound": bound,
        "gap": relative_gap(result.objective, bound),
        "solve_seconds": round(elapsed, 3),
        "first_plan_seconds": None if first is None else round(first, 3),
        "status": result.status,
        "stop": result.stop,
        "unmet_periods": unmet_periods,
        "construct_seconds": round(attempt.constructed, 3),
        "phases": phases,
        "objective_terms": {"staffing": staffing.terms,
                            "timetable": attempt.model.breakdown(result.solver) if result.found else {}},
        "restaffed": len(plans) > len(attempt.plans),
        "coteach_dropped": staffing.dropped,
    }
