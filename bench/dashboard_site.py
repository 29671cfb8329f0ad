"""A running web workplace over a generated county, for the dashboard benchmark and the screenshots.

Plans come from the fast deterministic construction of bench/feed_plans.py
(the solver would take minutes per community); they are published, so feeds
and QR codes exist, and a second version with a few moved lessons is stored
beside each published one, so the versions and diff pages have work to do.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calendars.publish import publish  # noqa: E402
from feed_plans import construct_plan  # noqa: E402
from scheduler.dataset.schema import Dataset  # noqa: E402
from scheduler.dataset.store import apply  # noqa: E402
from scheduler.db import make_engine, transaction, upgrade  # noqa: E402
from scheduler.plans import find_version, store_plan  # noqa: E402
from tasks.access import create_token  # noqa: E402

TERM = "2026-1"
TONGPAN = str(Path(sys.executable).with_name("tongpan"))
CHROMIUM = os.environ.get("TONGPAN_CHROMIUM") or "/usr/bin/chromium"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(url: str, workdir: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "TONGPAN_DATABASE_URL": url, "TONGPAN_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    env.pop("TONGPAN_BROKER_URL", None)
    with (workdir / "serve.log").open("wb") as log:
        process = subprocess.Popen([TONGPAN, "serve", "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("tongpan serve did not start; see " + str(workdir / "serve.log"))
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


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
