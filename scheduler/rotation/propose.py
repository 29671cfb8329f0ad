"""The annual rotation proposal (交流轮岗): which eligible teachers go to which member school, with CP-SAT.

Priorities, in this order (one weighted objective, each weight larger than
everything below it can add up to):

1. every sending school's quota (share of its eligible teachers) and 骨干 quota
   met wherever the candidates allow it; no school sends more than its quota;
2. member schools' shortages covered: the weekly periods per campus, subject and
   grade that the current plans leave unmet or fill with pool teachers from
   elsewhere, covered by a rotating teacher qualified for them;
3. the longest-serving first;
4. preferences honoured (first choice best).

Hard rules: only eligible teachers (scheduler/rotation/eligible.py), one
destination each, a destination of their own community (or any community's
member school with a shortage they can cover, where the county allows it), and
a destination with a class they are qualified to teach. Each choice and
non-choice gets a Chinese reason; a quota that cannot be met says why.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.dataset.schema import Community, Dataset, Teacher
from scheduler.report.pool import Shortage
from scheduler.report.units import community_units
from scheduler.rotation.eligible import Standing, sending_schools, standings

W_QUOTA = 10_000_000  # per teacher (or 骨干) a quota misses
W_COVER = 10_000  # per shortage period per week covered
W_SENIOR = 10  # per year at the school
W_PREF = 3  # per rank above the last preference


@dataclass(frozen=True)
class Destination:
    campus: str
    school: str
    name: str  # the campus's school and campus, for people
    community: str


@dataclass(frozen=True)
class Move:
    teacher: str
    name: str
    home: str
    home_name: str
    destination: Destination
    years: int
    backbone: bool
    covers: tuple[tuple[str, int, int], ...]  # (subject, grade, periods per week)
    preference: int | None  # 1 = first choice
    reason: str
    decided: bool = False  # already in the dataset's rotation history for the year


@dataclass(frozen=True)
class NonChoice:
    teacher: str
    name: str
    school: str
    eligible: bool
    years: int | None
    reason: str


@dataclass(frozen=True)
class Quota:
    school: str
    name: str
    eligible: int
    quota: int
    chosen: int
    backbone_quota: int
    backbone_chosen: int
    reason: str  # why a quota is not met (empty when both are)

    @property
    def met(self) -> bool:
        return self.chosen >= self.quota and self.backbone_chosen >= self.backbone_quota


@dataclass
class Proposal:
    year: int
    term_years: int
    moves: list[Move] = field(default_factory=list)
    non_choices: list[NonChoice] = field(default_factory=list)
    quotas: list[Quota] = field(default_factory=list)
    status: str = ""
    seconds: float = 0.0
    shortage_periods: int = 0
    covered_periods: int = 0

    @property
    def quotas_met(self) -> int:
        return sum(q.met for q in self.quotas)

    def document(self) -> dict[str, object]:
        """The proposal as JSON, the input of `tongpan rotation apply`."""
        return {"format": "tongpan-rotation/1", "year": self.year, "term_years": self.term_years,
                "moves": [{"teacher": m.teacher, "home": m.home, "school": m.destination.school,
                           "campus": m.destination.campus, "reason": m.reason} for m in self.moves]}


def _qualified(teacher: Teacher, subject: str, grade: int) -> bool:
    return any(q.subject == subject and grade in q.grades for q in teacher.subjects)


class _County:
    """Look-ups the model and the reasons share."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.schools = {s.code: s for s in ds.schools}
        self.campus_school = {c.code: s.code for s in ds.schools for c in s.campuses}
        self.campus_name = {c.code: f"{s.name}（{c.name}）" for s in ds.schools for c in s.campuses}
        self.community_of = {code: c for c in ds.communities for code in (c.core_school, *c.members)}
        self.subjects = {s.code: s.name for s in ds.subjects}
        grades: dict[str, set[int]] = defaultdict(set)
        for k in ds.classes:
            grades[k.campus].add(k.grade)
        self.grades = grades
        self.destinations: dict[str, list[Destination]] = {
            c.code: [Destination(campus, self.campus_school[campus], self.campus_name[campus], c.code)
                     for unit in community_units(ds, c) for campus in sorted(unit.campuses)]
            for c in ds.communities}

    def teaches_at(self, teacher: Teacher, campus: str) -> bool:
        return any(g in self.grades[campus] for q in teacher.subjects for g in q.grades)


def _destinations(county: _County, s: Standing, shortage: Shortage, across: bool) -> list[Destination]:
    community: Community | None = county.community_of.get(s.home)
    own = county.destinations.get(community.code, []) if community else []
    found = [d for d in own if county.teaches_at(s.teacher, d.campus)]
    if across:
        covers = {campus for (campus, subject, grade), n in shortage.items()
                  if n and _qualified(s.teacher, subject, grade)}
        found += [d for c, ds in county.destinations.items() if community is None or c != community.code
                  for d in ds if d.campus in covers]
    return found


def _preference(teacher: Teacher, school: str) -> int | None:
    prefs = teacher.preferences or []
    return prefs.index(school) + 1 if school in prefs else None


def propose(ds: Dataset, year: int, shortage: Shortage, *, time_limit: float = 30.0,
            workers: int = 2) -> Proposal:
    """The year's proposal: per sending school its quota of eligible teachers, each to a member school."""
    started = time.monotonic()
    rules = ds.county.rotation
    county = _County(ds)
    everyone = standings(ds, year)
    by_school: dict[str, list[Standing]] = defaultdict(list)
    for s in everyone:
        if s.eligible:
            by_school[s.home].append(s)
    candidates = [s for s in everyone if s.eligible and s.starts is None]
    options = {s.teacher.code: _destinations(county, s, shortage, rules.across_communities) for s in candidates}

    quotas: dict[str, tuple[int, int]] = {}
    for school in sorted(sending_schools(ds)):
        group = by_school.get(school, [])
        quota = math.ceil(rules.share * len(group) - 1e-9)
        quotas[school] = (quota, math.ceil(rules.backbone_share * quota - 1e-9))

    # Communities do not compete for anything unless teachers may cross them: one small model each.
    if rules.across_communities:
        parts = [sorted(quotas)]
    else:
        by_community: dict[str, list[str]] = defaultdict(list)
        for school in sorted(quotas):
            community = county.community_of.get(school)
            by_community[community.code if community else school].append(school)
        parts = list(by_community.values())
    by_campus: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for key, n in shortage.items():
        if n:
            by_campus[key[0]].append(key)
    picked: dict[str, Destination] = {}
    covered: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    statuses: list[str] = []
    for i, schools in enumerate(parts):
        remaining = time_limit - (time.monotonic() - started)
        share = max(0.5, remaining / (len(parts) - i))
        status = _solve(schools, by_school, quotas, options, shortage, by_campus, picked, covered,
                        time_limit=share, workers=workers)
        statuses.append(status)
    status = "OPTIMAL" if all(x == "OPTIMAL" for x in statuses) else "FEASIBLE"
    proposal = Proposal(year, rules.term_years, status=status)
    proposal.shortage_periods = sum(shortage.values())
    proposal.covered_periods = sum(n for c in covered.values() for _, _, n in c)
    _explain(proposal, county, everyone, by_school, picked, covered, options, quotas, shortage)
    proposal.seconds = round(time.monotonic() - started, 2)
    return proposal


def _solve(schools: list[str], by_school: dict[str, list[Standing]], quotas: dict[str, tuple[int, int]],
           options: dict[str, list[Destination]], shortage: Shortage,
           by_campus: dict[str, list[tuple[str, str, int]]], picked: dict[str, Destination],
           covered: dict[str, list[tuple[str, int, int]]], *, time_limit: float, workers: int) -> str:
    """One CP-SAT model for the sending schools given; writes its choices into `picked` and `covered`."""
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    chosen: dict[str, cp_model.LinearExprT] = {}
    objective: list[cp_model.LinearExprT] = []
    candidates = [s for school in schools for s in by_school.get(school, []) if s.starts is None]
    for s in candidates:
        code = s.teacher.code
        for d in options[code]:
            x[code, d.campus] = model.new_bool_var(f"x_{code}_{d.campus}")
        chosen[code] = sum(x[code, d.campus] for d in options[code])
        model.add(chosen[code] <= 1)
        objective.append(W_SENIOR * (s.years or 0) * chosen[code])
        for d in options[code]:
            rank = _preference(s.teacher, d.school)
            if rank is not None:
                objective.append(W_PREF * max(1, 4 - rank) * x[code, d.campus])
    for school in schools:
        group = by_school.get(school, [])
        quota, backbone_quota = quotas[school]
        fixed = sum(s.starts is not None for s in group)
        fixed_backbone = sum(s.starts is not None and s.teacher.backbone for s in group)
        free = [s for s in group if s.starts is None and options.get(s.teacher.code)]
        sent = sum((chosen[s.teacher.code] for s in free), cp_model.LinearExpr.constant(0))
        sent_backbone = sum((chosen[s.teacher.code] for s in free if s.teacher.backbone),
                            cp_model.LinearExpr.constant(0))
        short = model.new_int_var(0, quota, f"short_{school}")
        short_backbone = model.new_int_var(0, backbone_quota, f"short_bb_{school}")
        model.add(sent + fixed + short >= quota)
        model.add(sent_backbone + fixed_backbone + short_backbone >= backbone_quota)
        model.add(sent + fixed <= max(quota, fixed))
        objective.append(-W_QUOTA * (short + short_backbone))
    cover: dict[tuple[str, tuple[str, str, int]], cp_model.IntVar] = {}
    by_key: dict[tuple[str, str, int], list[cp_model.IntVar]] = defaultdict(list)
    for s in candidates:
        code, most = s.teacher.code, s.teacher.max_periods_per_week
        for d in options[code]:
            mine = [key for key in by_campus.get(d.campus, ()) if _qualified(s.teacher, key[1], key[2])]
            if not mine:
                continue
            parts = []
            for key in mine:
                var = model.new_int_var(0, min(shortage[key], most), f"c_{code}_{key[0]}_{key[1]}_{key[2]}")
                cover[code, key] = var
                by_key[key].append(var)
                parts.append(var)
            model.add(sum(parts) <= most * x[code, d.campus])
    for key, vars_ in by_key.items():
        model.add(sum(vars_) <= shortage[key])
        objective.append(W_COVER * sum(vars_))
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit)
    solver.parameters.num_workers = max(1, workers)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"交流轮岗求解未找到方案（{solver.status_name(status)}）")
    for s in candidates:
        for d in options[s.teacher.code]:
            if solver.value(x[s.teacher.code, d.campus]):
                picked[s.teacher.code] = d
    for (code, key), var in cover.items():
        value = solver.value(var)
        if value and code in picked and picked[code].campus == key[0]:
            covered[code].append((key[1], key[2], value))
    return solver.status_name(status)


def _move_reason(county: _County, s: Standing, rank_in_school: str, covers: list[tuple[str, int, int]],
                 preference: int | None, has_need: bool) -> str:
    parts = [f"在校 {s.years} 年（本校符合条件者中{rank_in_school}）"]
    if covers:
        parts.append("补" + "、".join(f"{county.subjects.get(sub, sub)}{g}年级 {n} 节/周" for sub, g, n in covers)
                     + " 的缺口")
    elif has_need:
        parts.append("所去学校本人学科的缺口已由其他交流教师补足，按服务年限入选")
    else:
        parts.append("所去学校无本人学科的缺口，按服务年限入选")
    if s.teacher.backbone:
        parts.append("骨干教师")
    parts.append(f"第 {preference} 志愿" if preference else ("未填志愿" if not s.teacher.preferences else "志愿学校无合适岗位"))
    return "；".join(parts)


def _explain(proposal: Proposal, county: _County, everyone: list[Standing],
             by_school: dict[str, list[Standing]], picked: dict[str, Destination],
             covered: dict[str, list[tuple[str, int, int]]], options: dict[str, list[Destination]],
             quotas: dict[str, tuple[int, int]], shortage: Shortage) -> None:
    """Words for every choice, every non-choice and every quota missed."""
    names = {s.code: s.name for s in county.ds.schools}
    ranks: dict[str, str] = {}  # "第 3 长" or, among equals, "并列第 3 长"
    for school, group in by_school.items():
        years = [s.years or 0 for s in group]
        for s in group:
            mine = s.years or 0
            rank = 1 + sum(y > mine for y in years)
            ranks[s.teacher.code] = f"{'并列' if years.count(mine) > 1 else ''}第 {rank} 长"
    for s in everyone:
        t = s.teacher
        if s.starts is not None and s.eligible:
            stint = next(x for x in t.rotation or [] if x.from_ == proposal.year)
            dest = Destination(t.campus if t.school == stint.school else "", stint.school,
                               names.get(stint.school, stint.school), "")
            proposal.moves.append(Move(t.code, t.name, s.home, names.get(s.home, s.home), dest, s.years or 0,
                                       t.backbone, (), _preference(t, stint.school), "数据中已确定本学年交流",
                                       decided=True))
        elif t.code in picked:
            d = picked[t.code]
            rank = _preference(t, d.school)
            proposal.moves.append(Move(t.code, t.name, s.home, names.get(s.home, s.home), d, s.years or 0,
                                       t.backbone, tuple(sorted(covered.get(t.code, []))), rank,
                                       _move_reason(county, s, ranks[t.code], covered.get(t.code, []), rank,
                                                    any(n and key[0] == d.campus and _qualified(t, key[1], key[2])
                                                        for key, n in shortage.items()))))
    moved = {m.teacher for m in proposal.moves}
    chosen_years: dict[str, int] = defaultdict(lambda: 10**6)
    for m in proposal.moves:
        chosen_years[m.home] = min(chosen_years[m.home], m.years)
    for s in everyone:
        t = s.teacher
        if t.code in moved or (s.home not in quotas):
            continue
        if not s.eligible:
            reason = s.reason
        elif not options.get(t.code):
            reason = "教共体成员校没有本人可任教学科和年级的班级，无处可去"
        elif quotas[s.home][0] == 0:
            reason = "本校本学年没有交流名额"
        elif (s.years or 0) > chosen_years[s.home]:
            reason = (f"在校 {s.years} 年；本校名额已给能补成员校学科缺口的教师"
                      if any(m.covers for m in proposal.moves if m.home == s.home) else
                      f"在校 {s.years} 年；本校名额已满（骨干名额优先）")
        else:
            reason = f"在校 {s.years} 年，短于入选教师；本校名额 {quotas[s.home][0]} 名已满"
        proposal.non_choices.append(NonChoice(t.code, t.name, s.home, s.eligible, s.years, reason))
    for school, (quota, backbone_quota) in quotas.items():
        group = by_school.get(school, [])
        sent = [m for m in proposal.moves if m.home == school]
        backbone_sent = sum(m.backbone for m in sent)
        reasons = []
        if len(sent) < quota:
            placeable = sum(1 for s in group if s.starts is None and options.get(s.teacher.code))
            reasons.append(f"交流名额 {quota} 名只能安排 {len(sent)} 名：符合条件的 {len(group)} 名教师中"
                           f"只有 {placeable} 名在成员校有可任教的班级")
        if backbone_sent < backbone_quota:
            backbone = [s for s in group if s.teacher.backbone]
            placeable = sum(1 for s in backbone if s.starts is None and options.get(s.teacher.code))
            reasons.append(f"骨干名额 {backbone_quota} 名只能安排 {backbone_sent} 名：符合条件的骨干教师"
                           f"只有 {len(backbone)} 名（其中 {placeable} 名有可去的成员校）")
        proposal.quotas.append(Quota(school, names.get(school, school), len(group), quota, len(sent),
                                     backbone_quota, backbone_sent, "；".join(reasons)))
    proposal.moves.sort(key=lambda m: (m.home, -m.years, m.teacher))
