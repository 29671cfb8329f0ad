"""Proposals an admin reviews: propose covers for affected occurrences, change a choice, confirm.

A proposal is stored as `cover` rows in state `proposed`, each with its chosen
dated overrides and its alternatives ranked (with each candidate's cover
count). Confirming marks them `confirmed`; the caller then republishes the
communities concerned, so only the feeds whose occurrences changed get new
bytes. Nothing here renders feeds (that is the calendars layer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.covers.absences import NOON, Affected, period_times
from scheduler.covers.candidates import MODE_NAMES, Option, World
from scheduler.covers.disruptions import cut_off_windows
from scheduler.covers.days import DayPlan, DayPlans, term_days, terms_on
from scheduler.covers.models import Absence, Cover
from scheduler.dataset.schema import Dataset

if TYPE_CHECKING:
    from scheduler.covers.solve import Proposal


class CoverError(ValueError):
    """A change to a proposal that cannot be made (Chinese message); nothing changes."""


def away_windows(ds: Dataset, absence: Absence) -> list[tuple[int, int]]:
    """The clock windows of a day an absence covers."""
    if absence.periods:
        teacher = next(t for t in ds.teachers if t.code == absence.teacher_code)
        return period_times(ds, teacher.campus, absence.periods)
    return {"am": [(0, NOON)], "pm": [(NOON, 24 * 60)]}.get(absence.half or "", [(0, 24 * 60)])


def _week_dates(days: Iterable[date]) -> set[date]:
    """Every date of the ISO weeks the days fall in (swaps look within the week)."""
    found: set[date] = set()
    for d in days:
        monday = d - timedelta(days=d.weekday())
        found.update(monday + timedelta(days=i) for i in range(7))
    return found


def _window_start(window: str, day: date, term_start: date) -> date:
    if window == "week":
        return day - timedelta(days=day.weekday())
    if window == "term":
        return term_start
    return day.replace(day=1)


def build_world(session: Session, ds: Dataset, affected: list[Affected], today: date,
                cut_off: dict[tuple[str, date], list[tuple[int, int]]] | None = None,
                days: DayPlans | None = None) -> World:
    """Everything the candidates need: day plans of the affected communities over the weeks concerned,
    every recorded absence on those dates, and the covers already confirmed (fairness)."""
    communities = sorted({a.community for a in affected})
    wanted = _week_dates(a.date for a in affected)
    plans: dict[tuple[str, date], DayPlan] = {}
    days = days or DayPlans(session, ds)
    for day in sorted(wanted):
        for term in terms_on(ds, day):
            sday = term_days(term).get(day)
            if sday is None:
                continue
            for community in communities:
                plan = days.get(community, term, sday)
                if plan.plan_version_id is not None:
                    plans[community, day] = plan
    first, last = min(wanted), max(wanted)
    away: dict[tuple[str, date], list[tuple[int, int]]] = defaultdict(list)
    for absence in session.scalars(select(Absence).where(Absence.start_date <= last, Absence.end_date >= first)):
        windows = away_windows(ds, absence)
        d = max(absence.start_date, first)
        while d <= min(absence.end_date, last):
            away[absence.teacher_code, d].extend(windows)
            d += timedelta(days=1)
    counts, week_counts = _confirmed_counts(session, ds, affected)
    if cut_off is None:
        cut_off = cut_off_windows(session, first, last)
    return World(ds, plans, dict(away), counts, week_counts, today, cut_off)


def _confirmed_counts(session: Session, ds: Dataset, affected: list[Affected]
                      ) -> tuple[dict[str, int], dict[tuple[str, tuple[int, int]], int]]:
    """Covers already confirmed per teacher in the fairness window, and per ISO week (the cap)."""
    if not affected:
        return {}, {}
    first = min(a.date for a in affected)
    term = next((t for t in ds.terms if t.code == affected[0].term), None)
    starts = []
    for c in ds.communities:
        window = (c.rules.model_extra or {}).get("covers", {})
        window = window.get("window", "month") if isinstance(window, dict) else "month"
        starts.append(_window_start(window, first, term.start if term else first))
    since = min(starts) if starts else first
    week_since = first - timedelta(days=first.weekday())
    counts: dict[str, int] = defaultdict(int)
    week_counts: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    for cover in session.scalars(select(Cover).where(Cover.state == "confirmed", Cover.date >= min(since, week_since))):
        for teacher in cover.counted:
            if cover.date >= since:
                counts[teacher] += 1
            week_counts[teacher, cover.date.isocalendar()[:2]] += 1
    return dict(counts), dict(week_counts)


def _alternative(option: Option, world: World) -> dict[str, Any]:
    return {"mode": option.mode, "teacher": option.teacher, "helpers": list(option.helpers),
            "reason": option.reason, "weight": option.weight, "changes": option.changes,
            "counted": list(option.counted), "slot": list(option.slot) if option.slot else None,
            "count": {t: world.counts.get(t, 0) for t in option.counted}}


@dataclass
class Proposed:
    proposal: Proposal
    covers: list[Cover]


def propose_covers(session: Session, ds: Dataset, affected: list[Affected], *, now: datetime, today: date,
                   absence_ids: dict[tuple[str, date], int] | None = None,
                   disruption_id: int | None = None, time_limit: float = 20.0, workers: int = 2,
                   cut_off: dict[tuple[str, date], list[tuple[int, int]]] | None = None,
                   alternatives: int = 8, days: DayPlans | None = None) -> Proposed:
    """Solve the batch and store one proposed cover per affected occurrence (replacing earlier
    proposals, never confirmed covers, for the same occurrences)."""
    from scheduler.covers.solve import propose  # OR-Tools: only proposing needs it, not listing or confirming

    world = build_world(session, ds, affected, today, cut_off, days)
    proposal = propose(world, affected, time_limit=time_limit, workers=workers)
    for a in affected:
        for old in session.scalars(select(Cover).where(
                Cover.state == "proposed", Cover.date == a.date, Cover.activity_code == a.entry["code"],
                Cover.start == a.entry["start"], Cover.absent_code == a.teacher)):
            session.delete(old)
    covers = []
    for i, a in enumerate(affected):
        chosen = proposal.choice(i)
        plan_id = world.plans[a.community, a.date].plan_version_id if (a.community, a.date) in world.plans else None
        ranked = proposal.options[i]
        shown = _shown(chosen, ranked, alternatives)
        cover = Cover(community_code=a.community, term_code=a.term, date=a.date, kind=a.entry["kind"],
                      activity_code=a.entry["code"], start=a.entry["start"], mode=chosen.mode, state="proposed",
                      teacher_code=chosen.teacher, absent_code=a.teacher,
                      absence_id=(absence_ids or {}).get((a.teacher, a.date)), disruption_id=disruption_id,
                      reason=chosen.reason, changes=_stamped(chosen.changes, plan_id), counted=list(chosen.counted),
                      plan_version_id=plan_id, alternatives=[_alternative(o, world) for o in shown],
                      created_at=now)
        session.add(cover)
        covers.append(cover)
    session.flush()
    return Proposed(proposal, covers)


def _shown(chosen: Option, ranked: list[Option], limit: int) -> list[Option]:
    """The alternatives an admin sees: the choice, the best of every other way, the next best, and
    cancelling last (always possible)."""
    last = next((o for o in reversed(ranked) if o.mode == "cancel"), None)
    rest = [o for o in ranked if o is not chosen and o is not last]
    best_of_mode = {}
    for o in rest:
        best_of_mode.setdefault(o.mode, o)
    picked = [chosen, *(o for o in best_of_mode.values() if o.mode != chosen.mode)]
    picked += [o for o in rest if o not in picked][:max(0, limit - 1 - len(picked))]
    ordered = [chosen] + sorted(picked[1:], key=ranked.index)
    if last is not None and last is not chosen:
        ordered.append(last)
    return ordered


def _stamped(changes: list[dict[str, Any]], plan_id: int | None) -> list[dict[str, Any]]:
    return [{**c, "plan": plan_id} for c in changes]


def choose(session: Session, cover_id: int, *, alternative: int | None = None, teacher: str | None = None) -> Cover:
    """Replace a proposed cover's choice by one of its alternatives (by number or by teacher)."""
    cover = session.get(Cover, cover_id)
    if cover is None:
        raise CoverError(f"没有代课记录 {cover_id}")
    if cover.state != "proposed":
        raise CoverError(f"代课记录 {cover_id} 已{'确认' if cover.state == 'confirmed' else '作废'}，不能再修改")
    options = cover.alternatives
    if alternative is not None:
        if not 1 <= alternative <= len(options):
            raise CoverError(f"--choice：应为 1 到 {len(options)} 之间的序号")
        picked = options[alternative - 1]
    else:
        picked = next((o for o in options if o["teacher"] == teacher), None)
        if picked is None:
            raise CoverError(f"--teacher：{teacher} 不在代课记录 {cover_id} 的候选人中")
    for other in session.scalars(select(Cover).where(Cover.date == cover.date, Cover.id != cover.id,
                                                     Cover.state.in_(("proposed", "confirmed")))):
        clash = set(other.counted) & set(picked["counted"])
        if clash and other.start == cover.start:
            raise CoverError(f"{'、'.join(sorted(clash))} 在 {cover.date.isoformat()} {cover.start} 已有代课"
                             f"（记录 {other.id}），不能同时代两节课")
    cover.mode, cover.teacher_code, cover.reason = picked["mode"], picked["teacher"], picked["reason"]
    cover.changes = _stamped(picked["changes"], cover.plan_version_id)
    cover.counted = picked["counted"]
    session.flush()
    return cover


def confirm(session: Session, covers: Iterable[Cover], now: datetime) -> set[tuple[str, str]]:
    """Confirm proposed covers; returns the (community, term) pairs whose feeds must be republished."""
    touched: set[tuple[str, str]] = set()
    for cover in covers:
        if cover.state == "proposed":
            cover.state, cover.confirmed_at = "confirmed", now
            touched.add((cover.community_code, cover.term_code))
    session.flush()
    return touched


def proposed(session: Session, *, day: date | None = None, absence: int | None = None,
             disruption: int | None = None, state: str = "proposed") -> list[Cover]:
    query = select(Cover).where(Cover.state == state)
    if day is not None:
        query = query.where(Cover.date == day)
    if absence is not None:
        query = query.where(Cover.absence_id == absence)
    if disruption is not None:
        query = query.where(Cover.disruption_id == disruption)
    return list(session.scalars(query.order_by(Cover.date, Cover.start, Cover.id)))


def describe(cover: Cover) -> str:
    """One line for the admin: what, who covers, how, why."""
    who = cover.teacher_code or "—"
    return (f"[{cover.id}] {cover.date.isoformat()} {cover.start} {cover.activity_code}（原 {cover.absent_code}）→ "
            f"{MODE_NAMES.get(cover.mode, cover.mode)} {who}：{cover.reason}")

