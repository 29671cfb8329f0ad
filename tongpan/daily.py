"""Daily changes as the CLI, the admin API and the dashboard run them: record, propose, confirm and publish.

One place joins the scheduler's covers (who covers what) and the calendar
layer (republishing only the feeds that change), so every entry point does
the same thing in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from calendars.config import FeedConfig
from calendars.publish import PublishResult, republish
from scheduler.covers.absences import AbsenceError, Affected, affected, record_absence
from scheduler.covers.candidates import MODE_NAMES
from scheduler.covers.days import DayPlans
from scheduler.covers.disruptions import affected_by, record_disruption
from scheduler.covers.models import Absence, Cover, Disruption
from scheduler.covers.review import confirm, propose_covers
from scheduler.dataset.schema import Dataset
from scheduler.dataset.store import load_dataset_whole
from scheduler.dated import many_small_objects


@dataclass
class Recorded:
    absence: Absence
    affected: list[Affected]
    covers: list[Cover]  # proposed, one per affected occurrence from today on
    past: list[Affected]  # affected occurrences already past: nothing to cover, kept for the ledger


def dataset_or_fail(session: Session) -> Dataset:
    ds = load_dataset_whole(session)
    if ds is None:
        raise AbsenceError("数据库中还没有数据，请先 tongpan import")
    return ds


def local_today(ds: Dataset, now: datetime) -> date:
    return now.astimezone(ZoneInfo(ds.county.timezone)).date()


def add_absence(session: Session, teacher: str, start: date, end: date | None, *, half: str | None,
                periods: list[int] | None, reason: str, by: str, now: datetime | None = None,
                time_limit: float = 20.0, propose: bool = True) -> Recorded:
    """Record an absence, list what it affects and propose covers for what is still ahead."""
    now = now or datetime.now(timezone.utc)
    ds = dataset_or_fail(session)
    absence = record_absence(session, ds, teacher, start, end, half=half, periods=periods, reason=reason, by=by,
                             now=now)
    days = DayPlans(session, ds)
    found = affected(session, ds, absence, days)
    today = local_today(ds, now)
    ahead = [a for a in found if a.date >= today]
    covers: list[Cover] = []
    if propose and ahead:
        covers = propose_covers(session, ds, ahead, now=now, today=today,
                                absence_ids={(a.teacher, a.date): absence.id for a in ahead},
                                time_limit=time_limit, days=days).covers
    return Recorded(absence, found, covers, [a for a in found if a.date < today])


@dataclass
class Disrupted:
    disruption: Disruption
    affected: list[Affected]
    covers: list[Cover]
    past: list[Affected]


def add_disruption(session: Session, campus: str, start: date, end: date | None, *, half: str | None,
                   closed: bool, reason: str, by: str, now: datetime | None = None,
                   time_limit: float = 20.0) -> Disrupted:
    """Record a cut-off or closed campus, list what it changes and propose how (online, covers, cancel)."""
    now = now or datetime.now(timezone.utc)
    ds = dataset_or_fail(session)
    disruption = record_disruption(session, ds, campus, start, end, half=half, closed=closed, reason=reason, by=by,
                                   now=now)
    found = affected_by(session, ds, disruption)
    today = local_today(ds, now)
    ahead = [a for a in found if a.date >= today]
    covers = propose_covers(session, ds, ahead, now=now, today=today, disruption_id=disruption.id,
                            time_limit=time_limit).covers if ahead else []
    return Disrupted(disruption, found, covers, [a for a in found if a.date < today])


def confirm_and_publish(session: Session, covers: list[Cover], *, now: datetime | None = None,
                        config: FeedConfig | None = None) -> list[PublishResult]:
    """Confirm proposed covers and republish the feeds of the communities concerned.

    The dataset and the plans read here are hundreds of thousands of objects
    without cycles: the cyclic collector waits, else a process that already
    holds many (the web server) rescans them all at every allocation burst.
    """
    now = now or datetime.now(timezone.utc)
    with many_small_objects():
        ds = dataset_or_fail(session)
        changes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for cover in covers:
            if cover.state == "proposed":
                changes.setdefault((cover.community_code, cover.term_code), []).extend(cover.changes)
        confirm(session, covers, now)
        return [republish(session, community, term, config=config, now=now, dataset=ds, changes=found)
                for (community, term), found in sorted(changes.items())]


def cover_row(cover: Cover) -> dict[str, Any]:
    """A cover as the CLI, the API and the dashboard show it."""
    return {"id": cover.id, "date": cover.date.isoformat(), "start": cover.start, "kind": cover.kind,
            "activity": cover.activity_code, "absent": cover.absent_code, "mode": cover.mode,
            "mode_name": MODE_NAMES.get(cover.mode, cover.mode), "teacher": cover.teacher_code,
            "reason": cover.reason, "state": cover.state,
            "alternatives": [{"n": n, "mode": a["mode"], "mode_name": MODE_NAMES.get(a["mode"], a["mode"]),
                              "teacher": a["teacher"], "helpers": a["helpers"], "reason": a["reason"],
                              "count": a["count"]} for n, a in enumerate(cover.alternatives, 1)]}


def affected_row(a: Affected) -> dict[str, Any]:
    return {"date": a.date.isoformat(), "start": a.start, "end": a.end, "kind": a.entry["kind"],
            "activity": a.entry["code"], "role": a.role, "campus": a.campus, "teacher": a.teacher, "cause": a.cause}
