"""The generated county over a whole school year, with rotation facts and published plans, for
bench/report.py and bench/rotation.py.

The generator writes one autumn term; a school year needs the spring term too.
chinesecalendar does not know 2027 yet, so the spring term lists the year's
holidays itself (Qingming, Labour Day, Dragon Boat, as the pattern of earlier
years puts them; a bench needs the volume, not the official dates). Teachers
get a `school_since` year and some a preference list, seeded, so eligibility
and quotas are realistic. Plans are `feed_plans.construct_plan`'s (seconds,
not solver minutes), published for both terms.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from feed_plans import construct_plan
from scheduler.dataset.load import import_file
from scheduler.dataset.store import load_dataset
from scheduler.db import make_engine, transaction, upgrade
from scheduler.generate import generate_county
from scheduler.plans import set_published, store_plan

SPRING = {
    "code": "2026-2", "name": "2026学年第二学期", "start": "2027-02-22", "end": "2027-07-02",
    "statutory_calendar": "cn",
    "statutory_overrides": {"holidays": ["2027-04-05", "2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04",
                                         "2027-05-05", "2027-06-09"], "workdays": []},
}


def policy_county(communities: int = 40, seed: int = 1) -> dict[str, Any]:
    doc = generate_county(communities, seed)
    doc["terms"].append(SPRING)
    rng = random.Random(seed)
    members = {c["core_school"]: c["members"] for c in doc["communities"]}
    for t in doc["teachers"]:
        t["school_since"] = rng.randint(1995, 2025)
        if members.get(t["school"]) and rng.random() < 0.3:
            t["preferences"] = rng.sample(members[t["school"]], min(2, len(members[t["school"]])))
    return doc


def published_county(url: str, document: dict[str, Any], workdir: Path) -> float:
    """Import the county and publish a constructed plan of every community for every term; seconds taken."""
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    path = workdir / "county.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    import_file(engine, path)
    with transaction(engine) as session:
        ds = load_dataset(session)
    assert ds is not None
    for community in ds.communities:
        plan = construct_plan(ds, community.code)
        with transaction(engine) as session:
            for term in ds.terms:
                set_published(session, store_plan(session, community.code, term.code, plan))
    engine.dispose()
    return time.perf_counter() - started
