"""走教: which teachers teach at more than one campus in a day, and how long they spend on the road.

A teacher's day is the sequence of places they must be in person (lessons,
co-teaching led or assisted, on-site research); joining online has no place.
Travel is the travel time between consecutive places that differ, as the
solver and the checker count it. The weekly pattern gives the figures of the
plan; the dated occurrences give what the term really holds (holidays,
make-up days and daily changes included).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.dataset.travel import TravelTimes
from scheduler.report.model import PlanInput, TravelRow

ONLINE = "online"
Place = tuple[str, str, str, str]  # (teacher, start HH:MM, end HH:MM, campus)


def places(entry: dict[str, Any]) -> list[Place]:
    """Where each teacher of a plan entry has to be in person, and when."""
    kind = entry["kind"]
    if kind == "research":
        if entry["campus"] == ONLINE:
            return []
        return [(t, entry["start"], entry["end"], entry["campus"]) for t in entry["teachers"]]
    result = [(t, entry["start"], entry["end"], entry["campus"]) for t in entry["teachers"][:1]]
    if kind == "coteach":
        result += [(r["assistant"], r["start"], r["end"], r["campus"])
                   for r in entry.get("remote", []) if r.get("assistant")]
    return result


def day_travel(stops: list[tuple[str, str, str]], travel: TravelTimes) -> tuple[int, frozenset[str]]:
    """Minutes on the road in one day of (start, end, campus) stops, and the campuses visited."""
    ordered = sorted(stops)
    total = 0
    for (_, _, a), (_, _, b) in zip(ordered, ordered[1:]):
        if a != b:
            total += travel.minutes(a, b) or 0
    return total, frozenset(c for _, _, c in ordered)


def _by_teacher_day(entries: list[tuple[Any, dict[str, Any]]]) -> dict[tuple[str, Any], list[tuple[str, str, str]]]:
    """Each teacher's stops per day, for the teachers who are ever at two campuses (the others never travel).

    A county's year is millions of occurrences of a few thousand plan entries;
    each entry's places are computed once, and the single-campus teachers
    (most of them) are left out before any grouping by day.
    """
    cache: dict[int, list[Place]] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    for _, entry in entries:
        if id(entry) not in cache:
            cache[id(entry)] = places(entry)
            for teacher, _, _, campus in cache[id(entry)]:
                seen[teacher].add(campus)
    movers = {t for t, campuses in seen.items() if len(campuses) > 1}
    stops: dict[tuple[str, Any], list[tuple[str, str, str]]] = defaultdict(list)
    for day, entry in entries:
        for teacher, start, end, campus in cache[id(entry)]:
            if teacher in movers:
                stops[teacher, day].append((start, end, campus))
    return stops


def travel_rows(ds: Dataset, plan: PlanInput, travel: TravelTimes) -> list[TravelRow]:
    """One row per teacher who changes campus on at least one day of the pattern or the term."""
    names = {t.code: t.name for t in ds.teachers}
    weekly: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
    for (teacher, _), stops in _by_teacher_day([(e["day"], e) for e in plan.activities]).items():
        minutes, campuses = day_travel(stops, travel)
        if len(campuses) > 1:
            weekly[teacher].append((minutes, campuses))
    dated: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
    for (teacher, _), stops in _by_teacher_day([(o.date, o.activity) for o in plan.occurrences]).items():
        minutes, campuses = day_travel(stops, travel)
        if len(campuses) > 1:
            dated[teacher].append((minutes, campuses))
    rows = []
    for teacher in sorted(weekly.keys() | dated.keys()):
        week, term = weekly.get(teacher, []), dated.get(teacher, [])
        campuses = sorted(set().union(*(c for _, c in week + term)))
        rows.append(TravelRow(teacher, names.get(teacher, teacher), plan.community, plan.term, tuple(campuses),
                              len(week), sum(m for m, _ in week), len(term), sum(m for m, _ in term)))
    return rows
