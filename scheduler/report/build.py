"""Assembling the policy report: every figure against its target, missed targets first.

Each figure comes from one function of its own module (coteach, research,
travel, pool, coverage, rotation); this module only scales the community
targets to the report's period, words the advice, and orders the result.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from scheduler.dataset.schema import Community
from scheduler.dataset.travel import TravelTimes
from scheduler.dated import many_small_objects
from scheduler.report.coteach import coteach_rows, lessons_advice, subjects_advice
from scheduler.report.coverage import coverage_rows, deep_share
from scheduler.report.model import (
    COUNTY, CoteachRow, PlanInput, Report, ReportInput, ResearchRow, Target, Unit, scaled,
)
from scheduler.report.pool import pool_rows, shortages, unmet_rows
from scheduler.report.research import research_advice, research_rows
from scheduler.report.rotation import rotation_rows, rotation_targets
from scheduler.report.travel import travel_rows
from scheduler.report.units import class_campus, community_units, teacher_campus

PAIR_KEYS = ("coteach_subjects", "coteach_lessons", "online_research", "onsite_research")
PAIR_LABELS = {
    "coteach_subjects": ("同步课堂学科数", "门"),
    "coteach_lessons": ("同步课堂节数", "节"),
    "online_research": ("网络研修次数", "次"),
    "onsite_research": ("面对面教研次数", "次"),
}
KEY_ORDER = {key: i for i, key in enumerate(
    ("coverage_rural_town", "coverage_small", "coverage_boarding", "deep_share", "rotation_share",
     "rotation_backbone_share", *PAIR_KEYS))}


def _pair_targets(community: Community, unit: Unit, cot: CoteachRow, res: ResearchRow, terms: int,
                  weeks: int, short_subjects: list[str], subject_names: dict[str, str],
                  published: bool, modes: set[str]) -> list[Target]:
    goals = community.targets
    values = {"coteach_subjects": len(cot.subjects), "coteach_lessons": cot.lessons,
              "online_research": res.online, "onsite_research": res.onsite}
    result = []
    for key in PAIR_KEYS:
        goal = getattr(goals, key)
        target = goal if key == "coteach_subjects" else scaled(goal, goals.period, terms)
        short = target - values[key]
        advice = ""
        if short > 0:
            if key == "coteach_subjects":
                advice = subjects_advice(short, cot, short_subjects, subject_names)
            elif key == "coteach_lessons":
                advice = lessons_advice(short, weeks)
            else:
                onsite = key == "onsite_research"
                advice = research_advice(short, weeks, onsite=onsite)
                if ("onsite" if onsite else "online") not in modes:
                    kind = "面对面（线下）" if onsite else "网络（线上）"
                    advice = (f"本教共体没有{kind}教研组：请在「联合教研」中新增形式为"
                              f"「{'线下' if onsite else '线上'}」的教研组；" + advice)
            if not published:
                advice = "本期尚未发布排课方案，请先排课并发布；" + advice
        label, unit_name = PAIR_LABELS[key]
        result.append(Target(key, label, community.code, community.name, unit.code, unit.name,
                             values[key], target, unit_name, advice))
    return result


def _county_pairs(targets: list[Target], county: str, county_name: str) -> list[Target]:
    """For the county: how many pairs meet each per-pair target."""
    by_key: dict[str, list[Target]] = defaultdict(list)
    for t in targets:
        by_key[t.key].append(t)
    result = []
    for key in PAIR_KEYS:
        pairs = by_key.get(key, [])
        met = sum(t.met for t in pairs)
        missed = [t.school_name or "" for t in pairs if not t.met]
        advice = f"未达标：{'、'.join(missed[:10])}{' 等' if len(missed) > 10 else ''}" if missed else ""
        result.append(Target(key, f"{PAIR_LABELS[key][0]}达标的结对学校", COUNTY, county_name, None, None,
                             met, len(pairs), "所", advice))
    return result


def _coverage_targets(report: Report, inp: ReportInput) -> list[Target]:
    ds = inp.dataset
    names = {s.code: s.name for s in ds.schools}
    result = []
    for row in report.coverage:
        advice = ""
        if row.uncovered:
            shown = "、".join(names[c] for c in row.uncovered[:10])
            advice = f"将 {shown}{' 等' if len(row.uncovered) > 10 else ''}纳入教共体"
        result.append(Target(f"coverage_{row.key}", f"{row.label}纳入教共体的比例", COUNTY, ds.county.name,
                             None, None, row.share, 1.0, "%", advice))
    deep, total = deep_share(ds)
    goal = ds.county.goals.deep_share
    share = deep / total if total else 0.0
    advice = ""
    if share + 1e-9 < goal:
        need = math.ceil(goal * total - 1e-9) - deep
        candidates = [c.name for c in ds.communities if c.model == "collaboration"]
        advice = (f"再有 {need} 个协作型教共体升级为融合型或共建型"
                  f"（候选：{'、'.join(candidates[:10])}{' 等' if len(candidates) > 10 else ''}）")
    result.append(Target("deep_share", "融合型和共建型教共体占比", COUNTY, ds.county.name, None, None,
                         share, goal, "%", advice))
    return result


def _order(t: Target) -> tuple[object, ...]:
    return (t.met, t.scope != COUNTY, t.scope, t.school or "", KEY_ORDER.get(t.key, 99))


def build_report(inp: ReportInput, today: date | None = None) -> Report:
    with many_small_objects():
        return _build(inp, today)


def _build(inp: ReportInput, today: date | None) -> Report:
    ds = inp.dataset
    report = Report(ds.county.code, ds.county.name, inp.period, inp.terms, inp.school_year, inp.weeks,
                    today or date.today())
    plans: dict[str, list[PlanInput]] = defaultdict(list)
    for plan in inp.plans:
        plans[plan.community].append(plan)
    classes, teachers = class_campus(ds), teacher_campus(ds)
    travel = TravelTimes.of(ds)
    subject_names = {s.code: s.name for s in ds.subjects}
    pair_targets: list[Target] = []
    modes: dict[str, set[str]] = defaultdict(set)
    for group in ds.research_groups:
        modes[group.community].add(group.mode)
    for community in ds.communities:
        mine = plans.get(community.code, [])
        report.missing_plans += [(community.code, term) for term in inp.terms
                                 if term not in {p.term for p in mine}]
        units = community_units(ds, community)
        occurrences = [o for p in mine for o in p.occurrences]
        cot = coteach_rows(units, occurrences, classes)
        res = research_rows(units, occurrences, teachers)
        report.coteach += cot
        report.research += res
        report.pool += pool_rows(units, occurrences, teachers, classes)
        for plan in mine:
            report.travel += travel_rows(ds, plan, travel)
            report.unmet += unmet_rows(ds, plan)
        short = shortages(ds, mine, units)
        for unit, c_row, r_row in zip(units, cot, res, strict=True):
            ranked = sorted({s for (campus, s, _), n in short.items() if campus in unit.campuses and n},
                            key=lambda s: -sum(n for (campus, x, _), n in short.items()
                                               if x == s and campus in unit.campuses))
            pair_targets += _pair_targets(community, unit, c_row, r_row, len(inp.terms), inp.weeks, ranked,
                                          subject_names, published=len(mine) == len(inp.terms),
                                          modes=modes.get(community.code, set()))
    report.travel.sort(key=lambda r: (-r.minutes, -r.minutes_per_week, r.teacher, r.term))
    report.coverage = coverage_rows(ds)
    report.rotation = rotation_rows(ds, inp.school_year)
    targets = [*_coverage_targets(report, inp), *rotation_targets(ds, report.rotation),
               *_county_pairs(pair_targets, ds.county.code, ds.county.name), *pair_targets]
    report.targets = sorted(targets, key=_order)
    return report
