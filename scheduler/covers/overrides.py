"""Confirmed covers as dated overrides: removals and additions on single dates of one plan version.

Feeds (calendars/publish.py) and every reader of dated occurrences
(scheduler/dated.py, whose change sources include confirmed covers) apply the same overrides
with `apply_changes`, so a cover shows in teachers' calendars and counts in
reports alike.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.covers.models import Cover

Entry = dict[str, Any]


def occurrence_key(entry: Entry) -> tuple[str, str, str]:
    """An activity's identity within one date: kind, code and (lead) start."""
    return entry["kind"], entry["code"], entry["start"]


def apply_changes(entries: list[Entry], changes: Iterable[dict[str, Any]], day: date, follows: str,
                  plan_id: int | None = None) -> list[Entry]:
    """The activities of `day` after the dated overrides meant for it (removals, then additions).

    An override made against another plan version than the one applying on
    the date (a new plan was published from an earlier date since) no longer
    applies: its removal might not match, and its addition could clash.
    """
    mine = [c for c in changes if c["date"] == day.isoformat() and (plan_id is None or c.get("plan") == plan_id)]
    if not mine:
        return entries
    removed = {(c["remove"]["kind"], c["remove"]["code"], c["remove"]["start"]) for c in mine if c.get("remove")}
    kept = [e for e in entries if occurrence_key(e) not in removed]
    for c in mine:
        if c.get("add"):
            added = copy.deepcopy(c["add"])
            added["day"] = follows
            kept.append(added)
    return kept


def confirmed_changes(session: Session, community: str, term: str, days: Iterable[date] | None = None,
                      *, exclude: Iterable[int] = ()) -> list[dict[str, Any]]:
    """The dated overrides of every confirmed cover of a community's term (optionally only some dates).

    A cover's overrides fall in its own ISO week, not always on its date (a
    swap moves the other lesson to a later day of the week), so the covers of
    the weeks concerned are read and their overrides kept by date.
    """
    query = select(Cover).where(Cover.community_code == community, Cover.term_code == term,
                                Cover.state == "confirmed")
    wanted = None
    if days is not None:
        dates = sorted(set(days))
        if not dates:
            return []
        wanted = {d.isoformat() for d in dates}
        query = query.where(Cover.date >= dates[0] - timedelta(days=dates[0].weekday()),
                            Cover.date <= dates[-1] + timedelta(days=6 - dates[-1].weekday()))
    skip = set(exclude)
    changes = []
    for cover in session.scalars(query.order_by(Cover.confirmed_at, Cover.id)):
        if cover.id not in skip:
            changes.extend(c for c in cover.changes if wanted is None or c["date"] in wanted)
    return changes
