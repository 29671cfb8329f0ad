"""Tight single schools: every lesson's teacher locked, teachers loaded to 80-95% of their free periods.

This is the shape of real timetables that made the first solver slow: one
school of 10-35 primary classes (7 periods a day, 30 of 35 filled from grade
3 up), each class's subject taught by one fixed teacher, each teacher
carrying 28-33 periods, a third of them with unavailable periods.

A full timetable exists by construction: the generator places every lesson
first (teacher by teacher, spread over the week, in periods where both the
class and the teacher are free), drops the few lessons it could not place
from the curriculum (`curriculum_overrides`), and only then marks
unavailable periods among each teacher's free ones. So a solver that leaves
a period of these schools unmet has missed a cover that exists.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Any

from scheduler.generate import CURRICULUM, FORMAT, SUBJECTS

DAYS = ("mon", "tue", "wed", "thu", "fri")
BELL = [("08:40", "09:20"), ("09:30", "10:10"), ("10:40", "11:20"), ("11:30", "12:10"),
        ("13:30", "14:10"), ("14:20", "15:00"), ("15:15", "15:55")]
SLOTS = len(DAYS) * len(BELL)
LOAD = (28, 33)  # periods a teacher is packed to (80-95% of 35)
BUSY_SHARE = (0.80, 0.95)  # of the periods a teacher is available
UNAVAILABLE_SHARE = 1 / 3  # of the teachers
SCHOOL = "TS"


def _periods(grade: int, fill: int = 0) -> dict[str, int]:
    """The grade's weekly periods; `fill` more of 综合实践 (ZH), up to a full bell."""
    periods = dict(next(subjects for grades, subjects in CURRICULUM if grade in grades))
    periods["ZH"] = periods.get("ZH", 0) + min(fill, SLOTS - sum(periods.values()))
    return periods


def generate_tight_school(classes: int, seed: int = 0, fill: int = 0) -> dict[str, Any]:
    """A `tongpan-dataset/1` document of one tight school (see `tight_school_and_plan`)."""
    return tight_school_and_plan(classes, seed, fill)[0]


def tight_school_and_plan(classes: int, seed: int = 0, fill: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """A tight school with `classes` classes (community `TS-C`) and the plan planted in it.

    The plan is a `tongpan-plan/1` document covering the whole curriculum:
    the proof that a cover exists (the independent checker accepts it).

    `fill` adds that many weekly periods of 综合实践 to every class, up to a
    full bell (the curriculum then comes from `curriculum_overrides`).
    """
    rng = random.Random(seed)
    per_grade = [classes // 6 + (1 if g < classes % 6 else 0) for g in range(6)]
    class_codes: list[tuple[str, int]] = []
    for grade, count in enumerate(per_grade, 1):
        class_codes += [(f"{SCHOOL}-A-{grade}-{n}", grade) for n in range(1, count + 1)]
    units = [(code, subject, n) for code, grade in class_codes for subject, n in _periods(grade, fill).items()]
    order = {s: i for i, (s, _) in enumerate(SUBJECTS)}
    units.sort(key=lambda u: (order[u[1]], u[0]))

    # Pack units into teachers, subject after subject: a teacher may take two subjects, as in small schools.
    teachers: list[list[tuple[str, str, int]]] = [[]]
    target = rng.randint(*LOAD)
    for unit in units:
        if teachers[-1] and sum(u[2] for u in teachers[-1]) + unit[2] > target:
            teachers.append([])
            target = rng.randint(*LOAD)
        teachers[-1].append(unit)

    # Plant a timetable: teacher by teacher, each unit spread over the days where possible.
    class_busy: dict[str, set[int]] = defaultdict(set)
    placed: dict[int, set[int]] = {}
    lessons: list[tuple[int, str, str, int]] = []  # (teacher index, class, subject, slot)
    dropped: dict[tuple[str, str], int] = defaultdict(int)
    for ti in sorted(range(len(teachers)), key=lambda i: -sum(u[2] for u in teachers[i])):
        mine: set[int] = set()
        for code, subject, n in teachers[ti]:
            for _ in range(n):
                free = [s for s in range(SLOTS) if s not in mine and s not in class_busy[code]]
                if not free:
                    dropped[code, subject] += 1
                    continue
                used_days = {s // len(BELL) for s in class_busy[code]}
                rng.shuffle(free)
                free.sort(key=lambda s: (s // len(BELL)) in used_days)  # a day without this class's lessons first
                slot = free[0]
                mine.add(slot)
                class_busy[code].add(slot)
                lessons.append((ti, code, subject, slot))
        placed[ti] = mine

    doc_teachers = []
    staffing = []
    grades_of = dict(class_codes)
    picks = set(rng.sample(range(len(teachers)), round(len(teachers) * UNAVAILABLE_SHARE)))
    for ti, taught in enumerate(teachers):
        code = f"T{ti + 1:03d}"
        load = len(placed[ti])
        subjects: dict[str, set[int]] = defaultdict(set)
        for class_, subject, _ in taught:
            subjects[subject].add(grades_of[class_])
            staffing.append({"class": class_, "subject": subject, "teacher": code, "locked": True})
        unavailable: list[dict[str, Any]] = []
        if ti in picks and load:
            # k unavailable periods leave SLOTS - k available, with load / (SLOTS - k) within BUSY_SHARE
            lo = max(1, math.ceil(SLOTS - load / BUSY_SHARE[0]))
            hi = max(1, math.floor(SLOTS - load / BUSY_SHARE[1]))
            free = [s for s in range(SLOTS) if s not in placed[ti]]
            k = min(len(free), hi)  # the most the share allows: as tight as the profile says
            by_day: dict[int, list[int]] = defaultdict(list)
            for s in rng.sample(free, k):
                by_day[s // len(BELL)].append(s % len(BELL) + 1)
            unavailable = [{"day": DAYS[d], "periods": sorted(p)} for d, p in sorted(by_day.items())]
        doc_teachers.append({
            "code": code, "name": f"教师{ti + 1}", "school": SCHOOL, "campus": f"{SCHOOL}-A",
            "subjects": [{"subject": s, "grades": sorted(g)} for s, g in sorted(subjects.items())],
            "max_periods_per_week": load, "unavailable": unavailable})

    plan = {"format": "tongpan-plan/1", "community": f"{SCHOOL}-C", "term": "2026-1", "unmet": [], "activities": [
        {"kind": "lesson", "code": f"{class_}.{subject}", "subject": subject, "day": DAYS[slot // len(BELL)],
         "start": BELL[slot % len(BELL)][0], "end": BELL[slot % len(BELL)][1], "campus": f"{SCHOOL}-A",
         "classes": [class_], "teachers": [f"T{ti + 1:03d}"]} for ti, class_, subject, slot in lessons]}
    doc = {
        "format": FORMAT,
        "county": {"code": "330521", "name": "德清县"},
        "terms": [{"code": "2026-1", "name": "2026学年第一学期", "start": "2026-09-01", "end": "2026-12-31"}],
        "subjects": [{"code": c, "name": n} for c, n in SUBJECTS],
        "bell_schedules": [{"code": "primary", "days": list(DAYS),
                            "periods": [{"n": i + 1, "start": s, "end": e} for i, (s, e) in enumerate(BELL)]}],
        "schools": [{"code": SCHOOL, "name": "紧凑小学", "area": "town",
                     "campuses": [{"code": f"{SCHOOL}-A", "name": "紧凑小学本部", "bell_schedule": "primary"}]}],
        "communities": [{"code": f"{SCHOOL}-C", "name": "紧凑小学", "model": "fusion", "core_school": SCHOOL,
                         "members": [], "targets": {"coteach_subjects": 0, "coteach_lessons": 0}}],
        "teachers": doc_teachers,
        "classes": [{"code": c, "name": f"{g}年级({c.rsplit('-', 1)[1]})班", "campus": f"{SCHOOL}-A", "grade": g}
                    for c, g in class_codes],
        "curriculum": [{"grades": list(grades), "subject": s, "periods_per_week": n}
                       for grades, subjects in CURRICULUM if max(grades) <= 6 for s, n in subjects.items()],
        "curriculum_overrides": [
            {"class": c, "subject": s, "periods_per_week": n - dropped.get((c, s), 0)}
            for c, g in class_codes for s, n in _periods(g, fill).items()
            if dropped.get((c, s)) or n != _periods(g).get(s, 0)],
        "staffing": staffing,
    }
    return doc, plan
