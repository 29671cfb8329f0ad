"""A running web workplace over a generated county, for the dashboard benchmark and the screenshots.

Plans come from the fast deterministic construction of bench/feed_plans.py
(the solver would take minutes per community); they are published, so feeds
and QR codes exist, and a second version with a few moved lessons is stored
beside each published one, so the versions and diff pages have work to do.
"""

from __future__ import annotations

import copy
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from calendars.publish import publish  # noqa: E402
from feed_plans import construct_plan  # noqa: E402
from scheduler.dataset.schema import Dataset  # noqa: E402
from scheduler.dataset.store import apply  # noqa: E402
from scheduler.db import make_engine, transaction, upgrade  # noqa: E402
from scheduler.plans import find_version, store_plan  # noqa: E402
from serve_support import CHROMIUM, CHROMIUM_ARGS, sign_in, tongpan_serve  # noqa: E402,F401 (the site's browser)
from tasks.access import create_token  # noqa: E402

TERM = "2026-1"


@dataclass
class Site:
    base: str
    token: str
    dataset: Dataset
    communities: list[str]


def _moved(activities: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """A copy with `count` lessons moved to the next weekday (what a small re-plan changes)."""
    days = ["mon", "tue", "wed", "thu", "fri"]
    moved = copy.deepcopy(activities)
    lessons = [a for a in moved if a["kind"] == "lesson"]
    for a in lessons[:: max(len(lessons) // count, 1)][:count]:
        a["day"] = days[(days.index(a["day"]) + 1) % 5]
    return moved


def build(url: str, document: dict[str, Any]) -> tuple[Dataset, str]:
    """Import, store and publish a constructed plan per community, store a second version; a county token."""
    engine = make_engine(url)
    upgrade(engine)
    ds = Dataset.model_validate(document)
    with transaction(engine) as session:
        apply(session, ds, "generated")
    for community in ds.communities:
        with transaction(engine) as session:
            plan = store_plan(session, community.code, TERM, construct_plan(ds, community.code))
            publish(session, community.code, TERM, plan.version, dataset=ds)
        with transaction(engine) as session:
            first = find_version(session, community.code, TERM, 1)
            store_plan(session, community.code, TERM, {"activities": _moved(first.activities, 12),
                                                       "unmet": first.unmet, "stats": {"status": "CONSTRUCTED"}})
    with transaction(engine) as session:
        token = create_token(session, None, "县教育局")
    engine.dispose()
    return ds, token


@contextmanager
def serving(url: str, workdir: Path) -> Iterator[str]:
    """`tongpan serve` over `url`, its log in `workdir`; yields its base address."""
    with tongpan_serve(url, workdir / "serve.log", timeout=120) as served:
        yield served.base


def travelling_teacher(ds: Dataset, community: str, engine_url: str) -> str:
    """The community's teacher with the most campus changes in one day of the published plan."""
    engine = make_engine(engine_url)
    with transaction(engine) as session:
        activities = find_version(session, community, TERM, 1).activities
    engine.dispose()
    days: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in activities:
        if a["campus"] != "online":
            for t in a["teachers"]:
                days[(t, a["day"])].add(a["campus"])
    best = max(days.items(), key=lambda item: (len(item[1]), item[0][0]))
    return best[0][0]
