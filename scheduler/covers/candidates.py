"""Every way to handle one affected occurrence, each checked against the hard rules on its date.

Candidates, in the county's usual order of preference (weights in
`rules.covers.weights`): a qualified substitute in person, any free teacher of
the campus for supervised study (自习), an online co-teaching lesson from a
qualified teacher at another campus with a local assistant (同步课堂 as cover),
a swap with another lesson of the same class within the week (调课), and a
cancelled lesson (停课). A candidate is offered only if it breaks no hard rule
on its own: the teacher is present and available, has no clash, can reach the
campus in the travel time and back, stays within the campuses per day, and the
community model lets them teach there. What candidates do to each other (two
covers for one teacher at one time) is the solver's part.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scheduler.covers.absences import Affected, period_times, teacher_roles
from scheduler.covers.days import DayPlan, minutes
from scheduler.dataset.schema import Community, Dataset, Teacher
from scheduler.dataset.travel import TravelTimes

ONLINE = "online"
# 自习 ranks after online co-teaching: a lesson taught online by a qualified teacher, with a local
# teacher in the room, is worth more than the same local teacher supervising study (docs/decisions.md).
DEFAULT_WEIGHTS = {"in_person": 10, "assist": 10, "online": 40, "study": 60, "swap": 80, "cancel": 1000,
                   "excused": 0, "to_online": 0, "fairness": 6, "balance": 4}
DEFAULT_CAP_PER_WEEK = 3
LABELS = {"in_person": "【代课】", "study": "【自习】", "online": "【代课】", "swap": "【调课】", "cancel": "【停课】",
          "assist": "", "excused": "", "to_online": "【改线上】"}
CANCEL_LABELS = {"in_person": "【代课】", "study": "【代课】", "online": "【代课】", "swap": "【已调课】",
                 "cancel": "【停课】", "assist": "【代课】", "excused": "【请假】", "to_online": "【改线上】"}
MODE_NAMES = {"in_person": "面授代课", "study": "自习看班", "online": "同步课堂代课", "swap": "调课", "cancel": "停课",
              "assist": "代助教", "excused": "请假（教研）", "to_online": "改为线上"}


@dataclass(frozen=True)
class CoverRules:
    """A community's cover settings (`rules.covers`): weights, the weekly cap, the counting window."""

    weights: dict[str, int]
    cap_per_week: int
    window: str  # week | month | term

    @classmethod
    def of(cls, community: Community) -> CoverRules:
        given = (community.rules.model_extra or {}).get("covers")
        given = given if isinstance(given, dict) else {}
        weights = dict(DEFAULT_WEIGHTS)
        raw = given.get("weights")
        if isinstance(raw, dict):
            weights.update({k: int(v) for k, v in raw.items() if k in DEFAULT_WEIGHTS
                            and isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0})
        cap = given.get("cap_per_week")
        window = given.get("window")
        return cls(weights, int(cap) if isinstance(cap, int) and cap >= 0 else DEFAULT_CAP_PER_WEEK,
                   window if window in ("week", "month", "term") else "month")


@dataclass(frozen=True)
class Use:
    """A teacher's time an option takes: on `date` from `start` to `end` (minutes) at `campus`."""

    teacher: str
    date: date
    start: int
    end: int
    campus: str


@dataclass
class Option:
    need: int
    mode: str
    teacher: str | None  # who gives the cover (None for a cancellation)
    helpers: tuple[str, ...]  # e.g. the local assistant of an online cover
    uses: tuple[Use, ...]
    changes: list[dict[str, Any]]
    reason: str
    weight: int
    slot: tuple[str, str, str, str] | None = None  # a swap takes this (date, kind, code, start)
    counted: tuple[str, ...] = field(default=())  # teachers whose cover count this adds to
    community: str = ""


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    campus: str | None  # None: away (absent, unavailable), blocks any use


def longest_free(lo: int, hi: int, blocks: list[Block]) -> int:
    """The longest stretch between `lo` and `hi` that no block covers (0 when there is none)."""
    cursor, best = lo, 0
    for b in sorted(blocks, key=lambda b: b.start):
        if b.end <= lo or b.start >= hi:
            continue
        best = max(best, b.start - cursor)
        cursor = max(cursor, b.end)
    return max(best, hi - cursor)


class World:
    """Who is where on the dates of a batch: the day plans, absences and the dataset's rules."""

    def __init__(self, ds: Dataset, plans: dict[tuple[str, date], DayPlan],
                 away: dict[tuple[str, date], list[tuple[int, int]]], counts: dict[str, int],
                 week_counts: dict[tuple[str, tuple[int, int]], int], today: date,
                 cut_off: dict[tuple[str, date], list[tuple[int, int]]] | None = None) -> None:
        self.ds = ds
        self.plans = plans  # (community, date) -> day plan
        self.today = today
        self.counts = counts  # covers already given in the fairness window
        self.week_counts = week_counts
        self.cut_off = cut_off or {}  # (campus, date) -> windows nobody can travel to or from
        self.travel = TravelTimes.of(ds)
        self.teachers: dict[str, Teacher] = {t.code: t for t in ds.teachers}
        self.campus_school = {c.code: s.code for s in ds.schools for c in s.campuses}
        self.class_grade = {c.code: c.grade for c in ds.classes}
        self.class_campus = {c.code: c.campus for c in ds.classes}
        self.communities = {c.code: c for c in ds.communities}
        self.rules = {c.code: CoverRules.of(c) for c in ds.communities}
        self.community_of = {}
        for c in ds.communities:
            for school in (c.core_school, *c.members):
                self.community_of[school] = c.code
        self.members: dict[str, list[Teacher]] = defaultdict(list)
        for t in ds.teachers:
            if t.school in self.community_of:
                self.members[self.community_of[t.school]].append(t)
        self.blocks: dict[tuple[str, date], list[Block]] = defaultdict(list)
        for (community, day), plan in plans.items():
            for entry in plan.activities:
                for teacher in {*entry["teachers"], *(r.get("assistant") for r in entry.get("remote", []))}:
                    if not teacher:
                        continue
                    for _, campus, s, e in teacher_roles(entry, teacher):
                        self.blocks[teacher, day].append(Block(minutes(s), minutes(e), campus))
        for (teacher, day), windows in away.items():
            self.blocks[teacher, day].extend(Block(s, e, None) for s, e in windows)

    def unavailable(self, t: Teacher, follows: str) -> list[tuple[int, int]]:
        """The teacher's weekly unavailability on the weekday a date follows, as clock windows."""
        found: list[tuple[int, int]] = []
        for u in t.unavailable:
            if u.day != follows:
                continue
            if u.periods is None:
                found.append((0, 24 * 60))
            else:
                found.extend(period_times(self.ds, t.campus, u.periods))
        return found

    def may_teach_at(self, t: Teacher, campus: str) -> bool:
        """The community model: who may teach in person at another school's campus."""
        if campus == t.campus:
            return True
        if not t.can_travel:
            return False
        community = self.communities[self.community_of[t.school]]
        if self.campus_school.get(campus) == t.school or community.model == "fusion":
            return True
        return community.model == "co_construction" and t.exchange

    def rules_of(self, teacher: str) -> CoverRules:
        return self.rules[self.community_of[self.teachers[teacher].school]]

    def rules_weight(self, option: Option, key: str) -> int:
        return self.rules[option.community].weights[key]

    def cap(self, teacher: str) -> int:
        return self.rules_of(teacher).cap_per_week

    def balance_weight(self, teacher: str) -> int:
        return self.rules_of(teacher).weights["balance"]

    def max_campuses(self, t: Teacher) -> int:
        community = self.community_of.get(t.school)
        return self.communities[community].rules.max_campuses_per_day if community else 2

    def places(self, teacher: str, day: date) -> set[str]:
        """The campuses the teacher is at that day already."""
        return {b.campus for b in self.blocks.get((teacher, day), ()) if b.campus not in (None, ONLINE)}

    def minutes_between(self, a: str, b: str) -> int | None:
        return 0 if a == b or ONLINE in (a, b) else self.travel.minutes(a, b)

    def reachable(self, campus: str, day: date, start: int, end: int) -> bool:
        """Whether the campus is cut off around that time (nobody arrives or leaves)."""
        return not any(s < end and start < e for s, e in self.cut_off.get((campus, day), ()))

    def fits(self, t: Teacher, day: date, follows: str, start: int, end: int, campus: str,
             ignore: tuple[tuple[int, int, str], ...] = ()) -> bool:
        """Whether the teacher can take [start, end) at `campus` on `day` on top of what they already do."""
        if any(s < end and start < e for s, e in self.unavailable(t, follows)):
            return False
        every = [b for b in self.blocks.get((t.code, day), ()) if (b.start, b.end, b.campus) not in ignore]
        if any(b.start < end and start < b.end for b in every):
            return False
        blocks = [b for b in every if b.campus is not None]  # away windows only block, they are nowhere
        limit = self.max_campuses(t)
        places = {b.campus for b in blocks if b.campus not in (None, ONLINE)}
        if campus != ONLINE:
            places.add(campus)
            if len(places) > limit:
                return False
        before = [b for b in blocks if b.end <= start]
        after = [b for b in blocks if b.start >= end]
        if campus == ONLINE:
            # Online teaching is no time to travel: the change of campus around it must fit beside it.
            return self.day_ok([*every, Block(start, end, ONLINE)])
        # A change of campus needs the travel minutes free of every activity, online ones included.
        for b in before:
            need = self.minutes_between(b.campus, campus)  # type: ignore[arg-type]
            if need is None or (need and (longest_free(b.end, start, every) < need
                                          or not self.reachable(campus, day, b.end, start))):
                return False
        for b in after:
            need = self.minutes_between(campus, b.campus)  # type: ignore[arg-type]
            if need is None or (need and (longest_free(end, b.start, every) < need
                                          or not self.reachable(campus, day, end, b.start))):
                return False
        if campus != t.campus and not before and not self.reachable(campus, day, 0, start):
            return False  # coming in from home through a cut-off road
        return True

    def day_ok(self, blocks: list[Block]) -> bool:
        """Whether a teacher's day of blocks keeps travel: between consecutive places, the travel minutes
        fit into a stretch free of every block, online ones included (the checker's rule 4)."""
        physical = sorted((b for b in blocks if b.campus not in (None, ONLINE)), key=lambda b: b.start)
        for p, q in zip(physical, physical[1:]):
            if p.campus == q.campus:
                continue
            need = self.minutes_between(p.campus, q.campus)  # type: ignore[arg-type]
            if need is None or longest_free(p.end, q.start, blocks) < need:
                return False
        return True

    def qualified(self, t: Teacher, subject: str, grade: int) -> bool:
        return any(q.subject == subject and grade in q.grades for q in t.subjects)


def _replace_teacher(entry: dict[str, Any], old: str, new: str, label: str) -> dict[str, Any]:
    out = copy.deepcopy(entry)
    out["teachers"] = [new if t == old else t for t in out["teachers"]]
    if label:
        out["label"] = label
    return out


def _change(day: date, entry: dict[str, Any], add: dict[str, Any] | None, label: str) -> dict[str, Any]:
    return {"date": day.isoformat(), "remove": {"kind": entry["kind"], "code": entry["code"], "start": entry["start"]},
            "add": add, "label": label}


def _ranked(world: World, teachers: list[Teacher]) -> list[Teacher]:
    """Fewest covers in the window first (fairness), then by code for stable results."""
    return sorted(teachers, key=lambda t: (world.counts.get(t.code, 0), t.code))


def options_for(world: World, index: int, a: Affected, taken: set[tuple[str, str, str, str]],
                limit: int = 12) -> list[Option]:
    """Every candidate for one affected occurrence, cancel (or its equivalent) always among them."""
    rules = world.rules[a.community]
    w = rules.weights
    entry, s, e = a.entry, minutes(a.start), minutes(a.end)
    day, follows = a.date, a.follows
    free = [t for t in world.members[a.community] if t.code != a.teacher]  # absences block through `fits`
    found: list[Option] = []

    def option(mode: str, teacher: str | None, uses: tuple[Use, ...], changes: list[dict[str, Any]], reason: str,
               helpers: tuple[str, ...] = (), slot: tuple[str, str, str, str] | None = None,
               counted: tuple[str, ...] | None = None) -> Option:
        counted = counted if counted is not None else tuple(u.teacher for u in uses)
        return Option(index, mode, teacher, helpers, uses, changes, reason, w[mode], slot, counted, a.community)

    if a.cause == "closed":
        return [_closed_option(a, index, w["cancel"])]
    if a.cause == "cut_off" and a.role == "attend":
        add = copy.deepcopy(entry)
        add["campus"] = ONLINE
        return [option("to_online", None, (), [_change(day, entry, add, CANCEL_LABELS["to_online"])],
                       f"校区 {a.campus} 交通中断，教研改为线上", counted=())]
    if a.role == "attend":
        rest = [t for t in entry["teachers"] if t != a.teacher]
        if rest:
            add = copy.deepcopy(entry)
            add["teachers"] = rest
            return [option("excused", None, (), [_change(day, entry, add, CANCEL_LABELS["excused"])],
                           "教研活动照常进行，该教师请假", counted=())]
        return [option("cancel", None, (), [_change(day, entry, None, "【停课】")], "教研活动无人参加，取消",
                       counted=())]

    if a.role == "assist":
        remote = next(r for r in entry["remote"] if r.get("assistant") == a.teacher)
        local = [t for t in free if t.campus == remote["campus"] and world.fits(t, day, follows, s, e, remote["campus"])]
        for t in _ranked(world, local)[:limit]:
            add = copy.deepcopy(entry)
            for r in add["remote"]:
                if r is not None and r.get("assistant") == a.teacher and r["class"] == remote["class"]:
                    r["assistant"] = t.code
            found.append(option("assist", t.code, (Use(t.code, day, s, e, remote["campus"]),),
                                [_change(day, entry, add, CANCEL_LABELS["assist"])],
                                f"{t.name}（{t.code}）本校区教师，该时段空闲，代任助教"))
        dropped = copy.deepcopy(entry)
        dropped["remote"] = [r for r in dropped["remote"] if r["class"] != remote["class"]]
        dropped["classes"] = [c for c in dropped["classes"] if c != remote["class"]]
        found.append(option("cancel", None, (), [_change(day, entry, dropped, "【停课】")],
                            f"{remote['class']} 无助教，本次不参加同步课堂", counted=()))
        return found

    cls = entry["classes"][0]
    grade = world.class_grade.get(cls, 0)
    campus = a.campus
    subject = entry["subject"]
    for t in _ranked(world, [t for t in free if world.qualified(t, subject, grade)
                             and world.may_teach_at(t, campus)
                             and world.fits(t, day, follows, s, e, campus)])[:limit]:
        found.append(option("in_person", t.code, (Use(t.code, day, s, e, campus),),
                            [_change(day, entry, _replace_teacher(entry, a.teacher, t.code, LABELS["in_person"]),
                                     CANCEL_LABELS["in_person"])],
                            f"{t.name}（{t.code}）有{subject} {grade} 年级任教资格，该时段空闲，能按时到达"))
    if a.role == "lead":
        found.append(option("cancel", None, (), [_change(day, entry, None, "【停课】")], "无人能代主讲，同步课堂停课",
                            counted=()))
        return found

    qualified_codes = {o.teacher for o in found}
    study = [t for t in free if t.campus == campus and t.code not in qualified_codes
             and world.fits(t, day, follows, s, e, campus)]
    for t in _ranked(world, study)[:max(3, limit // 3)]:
        found.append(option("study", t.code, (Use(t.code, day, s, e, campus),),
                            [_change(day, entry, _replace_teacher(entry, a.teacher, t.code, LABELS["study"]),
                                     CANCEL_LABELS["study"])],
                            f"{t.name}（{t.code}）本校区教师，该时段空闲，看班自习"))

    leads = _ranked(world, [t for t in free if t.campus != campus and world.qualified(t, subject, grade)
                            and world.fits(t, day, follows, s, e, ONLINE)])[:4]
    own = world.teachers.get(a.teacher)
    if a.cause == "cut_off" and own is not None and world.fits(own, day, follows, s, e, ONLINE,
                                                               ignore=((s, e, campus),)):
        leads.insert(0, own)  # she cannot get there, but can teach her own class online
    assistants = _ranked(world, [t for t in free if t.campus == campus
                                 and world.fits(t, day, follows, s, e, campus)])[:3]
    for lead in leads:
        mine = lead.code == a.teacher
        for helper in assistants:
            add = {"kind": "coteach", "code": f"CV-{entry['code']}", "subject": subject, "day": follows,
                   "start": entry["start"], "end": entry["end"], "campus": ONLINE, "classes": [cls],
                   "teachers": [lead.code], "label": LABELS["online"],
                   "remote": [{"class": cls, "campus": campus, "start": entry["start"], "end": entry["end"],
                               "assistant": helper.code}]}
            if mine:  # her own lesson, taught online: no cover given by her, no clash with her own slot
                add["label"] = LABELS["to_online"]
                found.append(option("to_online", lead.code, (Use(helper.code, day, s, e, campus),),
                                    [_change(day, entry, add, CANCEL_LABELS["to_online"])],
                                    f"校区 {campus} 交通中断：{lead.name}（{lead.code}）改为线上授课，"
                                    f"{helper.name}（{helper.code}）在班助教", helpers=(helper.code,),
                                    counted=(helper.code,)))
                continue
            found.append(option("online", lead.code, (Use(lead.code, day, s, e, ONLINE),
                                                      Use(helper.code, day, s, e, campus)),
                                [_change(day, entry, add, CANCEL_LABELS["online"])],
                                f"{lead.name}（{lead.code}，另一校区，有任教资格）线上主讲，"
                                f"{helper.name}（{helper.code}）在班助教", helpers=(helper.code,)))

    found.extend(_swaps(world, index, a, taken))
    found.append(option("cancel", None, (), [_change(day, entry, None, "【停课】")], "没有可代课、调课的安排，停课",
                        counted=()))
    return found


def _closed_option(a: Affected, index: int, weight: int) -> Option:
    """A campus closed to pupils: what is held there is cancelled (a remote class drops out)."""
    entry, day = a.entry, a.date
    if a.role == "assist":
        dropped = copy.deepcopy(entry)
        dropped["remote"] = [r for r in dropped["remote"] if r["campus"] != a.campus]
        dropped["classes"] = [c for c in dropped["classes"]
                              if c not in {r["class"] for r in entry["remote"] if r["campus"] == a.campus}]
        change = _change(day, entry, dropped, "【停课】")
    else:
        change = _change(day, entry, None, "【停课】")
    return Option(index, "cancel", None, (), (), [change], f"校区 {a.campus} 停课", weight, None, (), a.community)


def _swaps(world: World, index: int, a: Affected, taken: set[tuple[str, str, str, str]]) -> list[Option]:
    """Swaps with another lesson of the same class later in the same week (调课)."""
    w = world.rules[a.community].weights
    entry, cls, campus = a.entry, a.entry["classes"][0], a.campus
    if a.entry["kind"] != "lesson" or len(entry["teachers"]) != 1:
        return []
    s1, e1 = minutes(a.start), minutes(a.end)
    year, week, _ = a.date.isocalendar()
    absent_teacher = world.teachers[a.teacher]
    found: list[Option] = []
    for (community, other_day), plan in sorted(world.plans.items(), key=lambda kv: kv[0][1]):
        if community != a.community or other_day == a.date or other_day < world.today:
            continue
        if other_day.isocalendar()[:2] != (year, week):
            continue
        for b in plan.activities:
            if b["kind"] != "lesson" or b["classes"] != [cls] or len(b["teachers"]) != 1:
                continue
            u = world.teachers.get(b["teachers"][0])
            key = (other_day.isoformat(), b["kind"], b["code"], b["start"])
            if u is None or u.code == a.teacher or key in taken:
                continue
            s2, e2 = minutes(b["start"]), minutes(b["end"])
            if (e2 - s2) != (e1 - s1):
                continue
            if not world.fits(u, a.date, a.follows, s1, e1, campus):
                continue
            if not world.fits(absent_teacher, other_day, plan.day.follows, s2, e2, campus):
                continue
            b_here = copy.deepcopy(b)
            b_here.update(start=entry["start"], end=entry["end"], label=LABELS["swap"])
            a_there = copy.deepcopy(entry)
            a_there.update(start=b["start"], end=b["end"], label=LABELS["swap"])
            changes = [_change(a.date, entry, b_here, CANCEL_LABELS["swap"]),
                       _change(other_day, b, a_there, CANCEL_LABELS["swap"])]
            found.append(Option(index, "swap", u.code, (), (Use(u.code, a.date, s1, e1, campus),
                                                            Use(a.teacher, other_day, s2, e2, campus)),
                                changes, f"与 {other_day.isoformat()} {b['start']} 的{b['subject']}课"
                                         f"（{u.name}，{u.code}）对调", w["swap"], key, (), a.community))
            if len(found) >= 4:
                return found
    return found
