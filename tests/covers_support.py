"""Hand-made weekly plans on the generated S community (co-construction: a town core school and two
rural schools without English teachers) for the cover tests, and helpers to run a batch."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Engine

from calendars.publish import republish
from feeds_support import COMMUNITY, CONFIG, TERM, _period, base_plan, dataset, load, store_and_publish
from scheduler.covers.absences import Affected, affected, record_absence
from scheduler.covers.disruptions import affected_by, record_disruption
from scheduler.covers.review import Proposed, propose_covers
from scheduler.dataset.schema import Dataset
from scheduler.dataset.store import apply, load_dataset
from scheduler.db import transaction
from scheduler.generate import generate_community_dataset

CORE, RURAL_B, RURAL_C = "DQ-S001-A", "DQ-S002-A", "DQ-S003-A"
MONDAY = date(2026, 11, 16)  # a school day; the week runs to Friday 20 November
AT = datetime(2026, 11, 16, 0, 0, tzinfo=timezone.utc)  # 08:00 in Shanghai, Monday morning
BEFORE_TERM = datetime(2026, 8, 25, 2, 0, tzinfo=timezone.utc)


def lesson(cls: str, subject: str, day: str, n: int, teacher: str) -> dict[str, Any]:
    campus = next(c.campus for c in dataset().classes if c.code == cls)
    start, end = _period(campus, n)
    return {"kind": "lesson", "code": f"{cls}.{subject}", "subject": subject, "day": day, "start": start,
            "end": end, "campus": campus, "classes": [cls], "teachers": [teacher]}


def busy_week() -> list[dict[str, Any]]:
    """A week with something in every slot: each class taught periods 1, 2, 4 and 5 from Monday to Friday
    by qualified teachers of its campus (subjects in turn), English at rural campus C on Tuesday and
    Thursday by the core school's T00016 (so she is at two campuses), plus the co-teaching lesson and
    meetings of the feed tests' plan. Enough for covers of every kind on one day in many feeds."""
    ds = dataset()
    taken: set[tuple[str, str, int]] = set()  # (teacher, day, period)
    activities = [a for a in base_plan() if a["kind"] != "lesson"]
    for a in activities:
        if a["kind"] == "coteach":
            taken |= {(t, a["day"], 3) for t in [*a["teachers"], *(r["assistant"] for r in a["remote"])]}
    for cls in ds.classes:
        qualified = [t for t in ds.teachers if t.campus == cls.campus
                     and any(cls.grade in q.grades for q in t.subjects)]
        subjects = sorted({q.subject for t in qualified for q in t.subjects if cls.grade in q.grades})
        turn = 0
        for day in ("mon", "tue", "wed", "thu", "fri"):
            for n in (1, 2, 4, 5):
                travelling = cls.campus == RURAL_C and cls.grade >= 3 and day in ("tue", "thu") and n < 3
                pool = ["T00016"] if travelling else [
                    t.code for t in qualified if not (t.code == "T00016" and day in ("tue", "thu"))]
                for _ in range(len(subjects)):
                    subject = "YY" if travelling else subjects[turn % len(subjects)]
                    turn += 1
                    free = [t for t in pool if (t, day, n) not in taken and any(
                        q.subject == subject and cls.grade in q.grades
                        for q in next(x for x in ds.teachers if x.code == t).subjects)]
                    if free:
                        taken.add((free[0], day, n))
                        activities.append(lesson(cls.code, subject, day, n, free[0]))
                        break
    return activities


def campus_teachers(campus: str) -> list[str]:
    return [t.code for t in dataset().teachers if t.campus == campus]


def publish_plan(engine: Engine, activities: list[dict[str, Any]]) -> None:
    load(engine)
    store_and_publish(engine, activities, BEFORE_TERM)


def publish_with_rules(engine: Engine, covers: dict[str, Any], activities: list[dict[str, Any]]) -> None:
    """The S community with `rules.covers` set, and the plan published."""
    document = generate_community_dataset("S", seed=1)
    document["communities"][0].setdefault("rules", {})["covers"] = covers
    with transaction(engine) as session:
        apply(session, Dataset.model_validate(document), "generated")
    store_and_publish(engine, activities, BEFORE_TERM)


def absent_and_propose(engine: Engine, teacher: str, day: date = MONDAY, *, half: str | None = None,
                       now: datetime = AT, time_limit: float = 5) -> tuple[list[Affected], Proposed]:
    with transaction(engine) as session:
        ds = load_dataset(session)
        assert ds is not None
        absence = record_absence(session, ds, teacher, day, day, half=half, reason="病假", now=now)
        found = affected(session, ds, absence)
        proposed = propose_covers(session, ds, found, now=now, today=now.date(),
                                  absence_ids={(teacher, day): absence.id}, time_limit=time_limit, workers=1)
        return found, proposed


def settle(engine: Engine, at: datetime | None = None) -> None:
    """Republish at `at` (default now), so feed windows sit where a publication at that time puts them:
    comparing feeds before and after a cover then shows only what the cover changed."""
    with transaction(engine) as session:
        republish(session, COMMUNITY, TERM, config=CONFIG, now=at or datetime.now(timezone.utc))


def disrupt_and_propose(engine: Engine, campus: str, day: date = MONDAY, *, closed: bool = False,
                        now: datetime = AT) -> tuple[list[Affected], Proposed]:
    with transaction(engine) as session:
        ds = load_dataset(session)
        assert ds is not None
        found_disruption = record_disruption(session, ds, campus, day, day, closed=closed, reason="台风", now=now)
        found = affected_by(session, ds, found_disruption)
        proposed = propose_covers(session, ds, found, now=now, today=now.date(),
                                  disruption_id=found_disruption.id, time_limit=5, workers=1)
        return found, proposed
