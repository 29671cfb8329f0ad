"""A fast deterministic weekly plan for every community of a county, for the feed benchmark.

The solver takes minutes per community; the feed benchmark needs the realistic
volume of a county (every class's full curriculum, the co-teaching links, the
research groups) in seconds, not an optimal or fully checked plan. Lessons are
placed greedily without teacher or class double-booking; co-teaching takes the
same period number at the remote campus; research meetings go to free
afternoons. Nothing here is used outside benchmarks.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import cycle
from typing import Any

from scheduler.dataset.schema import Dataset
from scheduler.dataset.validate import weekly_periods
from scheduler.plan_document import Plan, read_plan


def _qualified(teacher: Any, subject: str, grade: int) -> bool:
    return any(q.subject == subject and grade in q.grades for q in teacher.subjects)


def construct_plan(ds: Dataset, community: str) -> Plan:
    """A `tongpan-plan/1` result (`activities`, `unmet`, `stats`) for one community."""
    c = next(x for x in ds.communities if x.code == community)
    schools = {c.core_school, *c.members}
    campuses = {p.code: p for s in ds.schools if s.code in schools for p in s.campuses}
    bells = {b.code: b for b in ds.bell_schedules}
    classes = [k for k in ds.classes if k.campus in campuses]
    teachers = [t for t in ds.teachers if t.school in schools]
    staffing = {(s.class_, s.subject): s.teacher for s in ds.staffing}
    demand = weekly_periods(ds)
    busy: dict[str, set[tuple[str, int]]] = defaultdict(set)  # teacher or class -> (day, period)
    load: dict[str, int] = defaultdict(int)
    activities: list[dict[str, Any]] = []

    def slots(campus: str) -> list[tuple[str, int, str, str]]:
        bell = bells[campuses[campus].bell_schedule]
        return [(day, p.n, p.start, p.end) for p in bell.periods for day in bell.days]

    def teacher_for(cls: Any, subject: str) -> Any:
        code = staffing.get((cls.code, subject))
        pool = [t for t in teachers if t.code == code] or sorted(
            (t for t in teachers if _qualified(t, subject, cls.grade)),
            key=lambda t: (t.campus != cls.campus, load[t.code] >= t.max_periods_per_week,
                           load[t.code] - t.max_periods_per_week, t.code))
        return pool[0] if pool else None

    for link in ds.coteaching:
        lead = next((k for k in classes if k.code == link.lead_class), None)
        remotes = [k for k in classes if k.code in link.remote_classes]
        if lead is None or not remotes:
            continue
        helpers = {r.code: min((t for t in teachers if t.campus == r.campus),
                               key=lambda t: (load[t.code] - t.max_periods_per_week, t.code)) for r in remotes}
        for t in {link.lead_teacher, *(h.code for h in helpers.values())}:
            load[t] += link.lessons_per_week
        placed = 0
        for day, n, start, end in slots(lead.campus):
            people = {lead.code, link.lead_teacher, *(r.code for r in remotes), *(t.code for t in helpers.values())}
            if placed == link.lessons_per_week or any((day, n) in busy[p] for p in people):
                continue
            remote = []
            for r in remotes:
                _, _, r_start, r_end = next(s for s in slots(r.campus) if s[:2] == (day, n))
                remote.append({"class": r.code, "campus": r.campus, "start": r_start, "end": r_end,
                               "assistant": helpers[r.code].code})
            activities.append({"kind": "coteach", "code": link.code, "subject": link.subject, "day": day,
                               "start": start, "end": end, "campus": lead.campus,
                               "classes": [lead.code, *(r.code for r in remotes)],
                               "teachers": [link.lead_teacher], "remote": remote})
            for p in people:
                busy[p].add((day, n))
            for k in (lead, *remotes):
                demand[k.code, link.subject] -= 1
            placed += 1

    unmet = []
    for cls in classes:
        free = cycle(slots(cls.campus))
        for subject in sorted(s for (k, s) in demand if k == cls.code):
            teacher = teacher_for(cls, subject)
            if teacher is not None:
                load[teacher.code] += max(demand[cls.code, subject], 0)
            for _ in range(max(demand[cls.code, subject], 0)):
                if teacher is None:
                    unmet.append({"class": cls.code, "subject": subject, "periods": 1, "reason": "无合格教师"})
                    continue
                for _ in range(60):
                    day, n, start, end = next(free)
                    if (day, n) not in busy[cls.code] and (day, n) not in busy[teacher.code]:
                        break
                else:
                    unmet.append({"class": cls.code, "subject": subject, "periods": 1, "reason": "无空闲时段"})
                    continue
                busy[cls.code].add((day, n))
                busy[teacher.code].add((day, n))
                activities.append({"kind": "lesson", "code": f"{cls.code}.{subject}", "subject": subject,
                                   "day": day, "start": start, "end": end, "campus": cls.campus,
                                   "classes": [cls.code], "teachers": [teacher.code]})

    afternoons = cycle([("wed", "15:15"), ("thu", "15:15"), ("tue", "15:15"), ("fri", "13:30")])
    for group in (g for g in ds.research_groups if g.community == community):
        members = group.teachers if isinstance(group.teachers, list) else [
            t.code for t in teachers if any(q.subject == group.subject and set(q.grades) & set(group.grades)
                                            for q in t.subjects)]
        for _ in range(group.per_week):
            day, start = next(afternoons)
            hours, minutes = divmod(int(start[:2]) * 60 + int(start[3:]) + group.minutes, 60)
            activities.append({"kind": "research", "code": group.code, "subject": group.subject, "day": day,
                               "start": start, "end": f"{hours:02d}:{minutes:02d}",
                               "campus": (group.host_campus or next(iter(campuses))) if group.mode == "onsite"
                               else "online",
                               "classes": [], "teachers": members})
    return read_plan({"activities": activities, "unmet": unmet, "stats": {"status": "CONSTRUCTED"}})
