"""Travel minutes between campuses, as the dataset spec defines them.

Given pairs are symmetric unless both directions are listed; a missing pair is
estimated from coordinates; a pair that can be neither given nor estimated is
unknown (None), which forbids same-day teaching at both campuses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from scheduler.dataset.schema import Dataset

Point = tuple[float, float]


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def estimated_minutes(a: Point, b: Point) -> int:
    """The spec's estimate: straight line x 1.4 at 40 km/h, rounded up to 5 minutes."""
    raw = distance_km(a, b) * 1.4 / 40 * 60
    return int(math.ceil(round(raw, 6) / 5) * 5)


class TravelTimes:
    """Look-up of travel minutes for any ordered pair of campus codes."""

    def __init__(self, given: Iterable[tuple[str, str, int]], points: dict[str, Point]):
        """From (from, to, minutes) triples as listed and campus coordinates (lat, lon)."""
        given = list(given)
        self._given: dict[tuple[str, str], int] = {(a, b): minutes for a, b, minutes in given}
        for a, b, minutes in given:
            self._given.setdefault((b, a), minutes)
        self._points: dict[str, Point] = dict(points)

    @classmethod
    def of(cls, ds: Dataset) -> TravelTimes:
        return cls([(t.from_, t.to, t.minutes) for t in ds.travel_minutes],
                   {c.code: (c.lat, c.lon) for s in ds.schools for c in s.campuses
                    if c.lat is not None and c.lon is not None})

    def minutes(self, a: str, b: str) -> int | None:
        """Minutes from campus `a` to campus `b`; 0 for the same campus; None when unknown."""
        if a == b:
            return 0
        if (a, b) in self._given:
            return self._given[(a, b)]
        if a in self._points and b in self._points:
            return estimated_minutes(self._points[a], self._points[b])
        return None
