"""Campuses cut off (road closed, typhoon) or closed to pupils, and the dated occurrences that changes.

A campus cut off keeps its pupils but nobody can travel to or from it: lessons
there by teachers from elsewhere (走教), lessons elsewhere by its own teachers,
assistants who would come in, and research meetings it hosts are affected. The
first two become online co-teaching where a lead and an assistant can be found
(the teacher herself teaching from where she is, first of all) or covers as for
an absence; meetings go online. A campus closed to pupils cancels what happens
there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.covers.absences import NOON, AbsenceError, Affected, check_span, dates, within
from scheduler.covers.days import DayPlans, school_day, terms_on
from scheduler.covers.models import Disruption
from scheduler.dataset.schema import Dataset

Windows = dict[tuple[str, date], list[tuple[int, int]]]


def campus_school(ds: Dataset, campus: str) -> str | None:
    return next((s.code for s in ds.schools for c in s.campuses if c.code == campus), None)


def record_disruption(session: Session, ds: Dataset, campus: str, start: date, end: date | None = None, *,
                      half: str | None = None, closed: bool = False, reason: str = "", by: str = "",
                      now: datetime) -> Disruption:
    """Validate and store a disruption; raises AbsenceError (nothing stored) on bad input."""
    if campus_school(ds, campus) is None:
        raise AbsenceError(f"--campus：没有校区 {campus}")
    last = check_span(start, end, half, None)
    if not terms_on(ds, start) and not terms_on(ds, last):
        raise AbsenceError(f"--from：{start.isoformat()} 不在任何学期内")
    found = Disruption(campus_code=campus, start_date=start, end_date=last, half=half, closed=closed,
                       reason=reason.strip() or ("停课" if closed else "交通中断"), created_at=now, created_by=by)
    session.add(found)
    session.flush()
    return found


def half_windows(half: str | None) -> list[tuple[int, int]]:
    return {"am": [(0, NOON)], "pm": [(NOON, 24 * 60)]}.get(half or "", [(0, 24 * 60)])


def cut_off_windows(session: Session, first: date, last: date) -> Windows:
    """(campus, date) -> the clock windows during which nobody travels to or from it."""
    found: Windows = {}
    for d in session.scalars(select(Disruption).where(Disruption.start_date <= last, Disruption.end_date >= first,
                                                      Disruption.closed.is_(False))):
        for day in dates(max(d.start_date, first), min(d.end_date, last)):
            found.setdefault((d.campus_code, day), []).extend(half_windows(d.half))
    return found


def _community_of_campus(ds: Dataset, campus: str) -> str | None:
    school = campus_school(ds, campus)
    return next((c.code for c in ds.communities if school == c.core_school or school in c.members), None)


def _closed(entry: dict[str, Any], campus: str) -> list[tuple[str, str, str, str, str]]:
    """(teacher, role, campus, start, end) of the parts of an activity held at a closed campus."""
    if entry["kind"] == "coteach" and entry["campus"] != campus:
        return [(r.get("assistant") or "", "assist", r["campus"], r["start"], r["end"])
                for r in entry.get("remote", []) if r["campus"] == campus]
    if entry["campus"] != campus:
        return []
    role = {"lesson": "teach", "coteach": "lead", "research": "attend"}[entry["kind"]]
    return [((entry["teachers"] or [""])[0], role, campus, entry["start"], entry["end"])]


def _cut_off(ds_home: dict[str, str], entry: dict[str, Any], campus: str) -> list[tuple[str, str, str, str, str]]:
    """The parts of an activity that need someone to cross into or out of a cut-off campus."""
    parts = []
    if entry["kind"] == "research":
        if entry["campus"] == campus and any(ds_home.get(t) != campus for t in entry["teachers"]):
            parts.append((entry["teachers"][0], "attend", campus, entry["start"], entry["end"]))
        return parts
    for t in entry["teachers"]:
        home, where = ds_home.get(t), entry["campus"]
        if where != "online" and (where == campus) != (home == campus):
            parts.append((t, "teach" if entry["kind"] == "lesson" else "lead", where, entry["start"], entry["end"]))
    for r in entry.get("remote", []):
        a = r.get("assistant")
        if a and (r["campus"] == campus) != (ds_home.get(a) == campus):
            parts.append((a, "assist", r["campus"], r["start"], r["end"]))
    return parts


def affected_by(session: Session, ds: Dataset, disruption: Disruption) -> list[Affected]:
    """Every dated occurrence of the campus's community the disruption changes."""
    campus = disruption.campus_code
    community = _community_of_campus(ds, campus)
    if community is None:
        return []
    home = {t.code: t.campus for t in ds.teachers}
    cause = "closed" if disruption.closed else "cut_off"
    windows = half_windows(disruption.half)
    days = DayPlans(session, ds)
    found: list[Affected] = []
    for day in dates(disruption.start_date, disruption.end_date):
        for term in terms_on(ds, day):
            sday = school_day(term, day)
            if sday is None:
                continue
            for entry in days.get(community, term, sday).activities:
                parts = _closed(entry, campus) if disruption.closed else _cut_off(home, entry, campus)
                for teacher, role, where, s, e in parts:
                    if within(s, e, None, windows):
                        found.append(Affected(day, community, term.code, sday.follows, entry, teacher, role, where,
                                              s, e, cause))
    found.sort(key=lambda a: (a.date, a.start, a.entry["code"]))
    return found
