"""One CP-SAT model over a whole batch of affected occurrences: which candidate handles each.

Candidates are checked one by one in `candidates.py`; what only the batch can
decide is here: one teacher cannot give two covers at one time, nor two at
campuses too far apart for the break between them, nor go beyond the campuses
per day; a lesson can be swapped into only once; nobody exceeds the weekly cap
of covers. The objective is the community's weights plus fairness (a cover by
someone who already gave many in the window costs more) and balance (the
square of each teacher's new covers), so covers spread over the staff room.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from scheduler.covers.absences import Affected
from scheduler.covers.candidates import ONLINE, Block, Option, Use, World, options_for


@dataclass
class Proposal:
    """The solver's choice per affected occurrence, with the alternatives ranked."""

    affected: list[Affected]
    options: list[list[Option]]  # per occurrence, ranked best first
    chosen: list[int]  # index into options[i]
    status: str
    seconds: float

    def choice(self, i: int) -> Option:
        return self.options[i][self.chosen[i]]

    def new_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for i in range(len(self.affected)):
            for t in self.choice(i).counted:
                counts[t] += 1
        return dict(counts)


def _rank(world: World, options: list[Option]) -> list[Option]:
    fairness = lambda o: sum(world.counts.get(t, 0) for t in o.counted)  # noqa: E731
    return sorted(options, key=lambda o: (o.weight + world.rules_weight(o, "fairness") * fairness(o), o.reason))


def _compatible(world: World, a: Use, b: Use) -> bool:
    """Whether one teacher can take both uses on one day on top of what she already does: no overlap,
    and every change of campus in the day still has its travel minutes free of any activity."""
    if a.start < b.end and b.start < a.end:
        return False
    existing = world.blocks.get((a.teacher, a.date), [])
    return world.day_ok([*existing, Block(a.start, a.end, a.campus), Block(b.start, b.end, b.campus)])


def propose(world: World, affected: list[Affected], *, time_limit: float = 20.0, workers: int = 2) -> Proposal:
    """Choose a candidate for every affected occurrence in one solve (cancel is always possible)."""
    began = time.monotonic()
    taken = {(a.date.isoformat(), a.entry["kind"], a.entry["code"], a.entry["start"]) for a in affected}
    options = [_rank(world, options_for(world, i, a, taken)) for i, a in enumerate(affected)]
    model = cp_model.CpModel()
    x = [[model.NewBoolVar(f"x{i}_{k}") for k in range(len(opts))] for i, opts in enumerate(options)]
    for row in x:
        model.AddExactlyOne(row)

    uses: dict[tuple[str, date], list[tuple[cp_model.IntVar, Use, int]]] = defaultdict(list)
    slots: dict[tuple[str, str, str, str], list[cp_model.IntVar]] = defaultdict(list)
    counted: dict[str, list[tuple[cp_model.IntVar, date]]] = defaultdict(list)
    for i, opts in enumerate(options):
        for k, o in enumerate(opts):
            for u in o.uses:
                uses[u.teacher, u.date].append((x[i][k], u, i))
            if o.slot:
                slots[o.slot].append(x[i][k])
            for t in o.counted:
                counted[t].append((x[i][k], affected[i].date))
    for (teacher, day), found in uses.items():
        t = world.teachers[teacher]
        limit = world.max_campuses(t)
        base = world.places(teacher, day)
        for p in {u.start for _, u, _ in found}:
            clique = [v for v, u, _ in found if u.start <= p < u.end]
            if len(clique) > 1:
                model.AddAtMostOne(clique)
        for n, (v1, u1, i1) in enumerate(found):
            for v2, u2, i2 in found[n + 1:]:
                if i1 == i2 or (u1.start < u2.end and u2.start < u1.end):
                    continue  # one occurrence's options exclude each other already; overlaps are cliques
                places = base | {c for c in (u1.campus, u2.campus) if c != ONLINE}
                if not _compatible(world, u1, u2) or len(places) > limit:
                    model.AddBoolOr([v1.Not(), v2.Not()])
    for found_slot in slots.values():
        if len(found_slot) > 1:
            model.AddAtMostOne(found_slot)

    objective = []
    for i, opts in enumerate(options):
        for k, o in enumerate(opts):
            cost = o.weight + sum(world.rules_weight(o, "fairness") * world.counts.get(t, 0) for t in o.counted)
            if cost:
                objective.append(cost * x[i][k])
    for teacher, found_t in counted.items():
        by_week: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for v, day in found_t:
            by_week[day.isocalendar()[:2]].append(v)
        cap = world.cap(teacher)
        for week, vs in by_week.items():
            model.Add(sum(vs) <= max(0, cap - world.week_counts.get((teacher, week), 0)))
        if len(found_t) > 1:
            n = model.NewIntVar(0, len(found_t), f"n_{teacher}")
            model.Add(n == sum(v for v, _ in found_t))
            square = model.NewIntVar(0, len(found_t) ** 2, f"sq_{teacher}")
            model.AddMultiplicationEquality(square, [n, n])
            objective.append(world.balance_weight(teacher) * square)
    model.Minimize(sum(objective))
    # The cheapest option of each occurrence, alone, is a good start.
    for row in x:
        model.AddHint(row[0], 1)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"cover model: {solver.StatusName(status)}")  # cancelling everything is always feasible
    chosen = [next(k for k, v in enumerate(row) if solver.Value(v)) for row in x]
    return Proposal(affected, options, chosen, solver.StatusName(status), time.monotonic() - began)
