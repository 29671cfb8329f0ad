"""The travelling teachers' timetable alone: a proven lower bound and a head start.

Nearly all of the timetable's penalty is the travel of the few teachers
who teach at campuses beyond their own (travel days, campus changes, the
balance) and the spread their classes pay for it. The full model's LP sees
this poorly and an LP that holds every implication is slow to solve, so
CP-SAT's bound stays far below plans that are in fact optimal.

The travellers' part of the problem (all their teachings, every research
meeting, nothing else) is a relaxation of the whole: a full timetable
restricted to those teachings is a timetable of the part, and every goal
of the part then costs no more than in the whole (fewer lessons share a
class's day, fewer periods place a teacher at a campus, the published plan
does not enter) -- except idle gaps, which a teacher's missing activities
can create, so the part leaves them out. Its proven bound is therefore a
bound of the whole (the objective is integral, so its ceiling is too).

The part is small (a few hundred to a few thousand Booleans) and CP-SAT
proves it at the root on one worker with linearization level 2 and
without symmetry detection: its symmetry handling keeps the LP bound of
these models from rising for seconds. Its best timetable is where travel
is cheapest, and the constructive timetable starts from it.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from scheduler.solver.model import TimetableModel
from scheduler.solver.problem import Assignment, Problem
from scheduler.solver.staffing import Staffing


def travellers_first(problem: Problem, model: TimetableModel, *, time_limit: float) -> tuple[float, Assignment]:
    """The travellers' part of `model`, solved within `time_limit` seconds: its bound and its lessons.

    The bound is 0 when nobody travels or nothing was proven; the lessons
    are the travellers' in the part's best timetable (empty everywhere else,
    and everywhere when nothing was found).
    """
    placed = Assignment.empty(problem)
    mine = [ti for ti, t in enumerate(problem.teachings) if t.teacher in model.cw]
    if not mine or time_limit <= 0:
        return 0.0, placed
    part = TimetableModel(Problem(problem.inst, Staffing([problem.teachings[ti] for ti in mine], [], {}, [])),
                          idle_gaps=False)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.symmetry_level = 0
    status = solver.solve(part.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0.0, placed
    for k, lessons in enumerate(part.read(solver).lessons):
        placed.lessons[mine[k]] = lessons
    return max(0.0, math.ceil(solver.best_objective_bound - 1e-6)), placed
