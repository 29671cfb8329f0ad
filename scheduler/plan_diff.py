"""What changed between two plan versions: activities moved, re-staffed, re-located, added or gone.

Activities are matched by kind and code (a class's lessons of one subject
share a code, so they are matched as a multiset): identical ones cancel out;
of the rest, two at the same day and start are one activity whose teacher or
campus changed; remaining pairs (in time order) are one activity that moved;
what is left over appeared or went. So a lesson moved from Monday to Wednesday
is one change, not a removal and an addition. Codes, never database ids, as
everywhere in plans.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

ChangeKind = Literal["moved", "changed", "added", "removed"]
CHANGE_LABELS = {"moved": "调整时间", "changed": "更换教师或地点", "added": "新增", "removed": "取消"}
DAY_ORDER = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


@dataclass(frozen=True)
class Side:
    """The parts of an activity a change can touch."""

    day: str
    start: str
    end: str
    campus: str
    teachers: tuple[str, ...]
    remote: tuple[tuple[str, str, str, str, str], ...]  # (class, campus, start, end, assistant)

    @classmethod
    def of(cls, a: dict[str, Any]) -> Side:
        remote = tuple(sorted((r["class"], r["campus"], r["start"], r["end"], r.get("assistant") or "")
                              for r in a.get("remote", ())))
        return cls(a["day"], a["start"], a["end"], a["campus"], tuple(a.get("teachers", ())), remote)

    def order(self) -> tuple[int, str]:
        return DAY_ORDER.get(self.day, 9), self.start

    @property
    def people(self) -> set[str]:
        return set(self.teachers) | {r[4] for r in self.remote if r[4]}


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    activity: str  # lesson, coteach, research
    code: str
    subject: str
    classes: tuple[str, ...]
    before: Side | None
    after: Side | None

    @property
    def teachers(self) -> set[str]:
        return (self.before.people if self.before else set()) | (self.after.people if self.after else set())

    @property
    def all_classes(self) -> set[str]:
        remote = {r[0] for side in (self.before, self.after) if side for r in side.remote}
        return set(self.classes) | remote


def _key(a: dict[str, Any]) -> tuple[str, str]:
    return a["kind"], a["code"]


def _leftovers(activities: list[dict[str, Any]], wanted: Counter[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The activities whose signature is in `wanted`, as many of each as it counts."""
    left, found = [], Counter(wanted)
    for a in activities:
        sig = _signature(a)
        if found[sig] > 0:
            found[sig] -= 1
            left.append(a)
    return left


def diff_plans(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> list[Change]:
    """Every change from `old` to `new`, in (day, start) order of where it ends up (or was)."""
    old, new = list(old), list(new)
    before_count, after_count = Counter(map(_signature, old)), Counter(map(_signature, new))
    before: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    after: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    # Identical activities cancel out first, by signature; only the rest is matched one by one.
    for a in _leftovers(old, before_count - after_count):
        before[_key(a)].append(a)
    for a in _leftovers(new, after_count - before_count):
        after[_key(a)].append(a)
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        changes += _match(key, before.get(key, []), after.get(key, []))
    return sorted(changes, key=lambda c: ((c.after or c.before).order(), c.code))  # type: ignore[union-attr]


def _match(key: tuple[str, str], old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    sample = (new or old)[0]
    classes = tuple(sample.get("classes", ()))
    subject = sample.get("subject", "")
    gone = sorted((Side.of(a) for a in old), key=Side.order)
    came = sorted((Side.of(a) for a in new), key=Side.order)
    for side in list(came):  # identical activities cancel out
        if side in gone:
            gone.remove(side)
            came.remove(side)
    pairs: list[tuple[ChangeKind, Side | None, Side | None]] = []
    for side in list(came):  # same time, other teacher, campus or remote side
        same_time = next((g for g in gone if (g.day, g.start) == (side.day, side.start)), None)
        if same_time is not None:
            gone.remove(same_time)
            came.remove(side)
            pairs.append(("changed", same_time, side))
    for g, c in zip(list(gone), list(came)):  # what is left pairs up as moves, in time order
        gone.remove(g)
        came.remove(c)
        pairs.append(("moved", g, c))
    pairs += [("removed", g, None) for g in gone] + [("added", None, c) for c in came]
    return [Change(kind, key[0], key[1], subject, classes, b, a) for kind, b, a in pairs]


def group_by(changes: list[Change], owner: Literal["class", "teacher"]) -> dict[str, list[Change]]:
    """The changes each class (or teacher) sees, by code in sorted order."""
    groups: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        for code in (change.all_classes if owner == "class" else change.teachers):
            groups[code].append(change)
    return dict(sorted(groups.items()))


def _signature(a: dict[str, Any]) -> tuple[Any, ...]:
    remote = tuple(sorted((r["class"], r["campus"], r["start"], r["end"], r.get("assistant") or "")
                          for r in a.get("remote", ())))
    return a["kind"], a["code"], a["day"], a["start"], a["end"], a["campus"], tuple(a.get("teachers", ())), remote


def count_changes(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> int:
    """`len(diff_plans(old, new))` without building the changes (for lists of versions).

    Per kind and code, what is left after identical activities cancel pairs up
    (a change or a move) and the surplus appears or goes: max(gone, came) changes.
    """
    before, after = Counter(map(_signature, old)), Counter(map(_signature, new))
    gone, came = Counter(), Counter()
    for sig, n in (before - after).items():
        gone[sig[:2]] += n
    for sig, n in (after - before).items():
        came[sig[:2]] += n
    return sum(max(gone[k], came[k]) for k in gone.keys() | came.keys())
