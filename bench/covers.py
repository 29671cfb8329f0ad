"""Cover benchmark: one school day of a 40-community county with 5% of teachers absent all day.

Generates and imports the county, publishes plans from the fast deterministic
construction (bench/feed_plans.py, not the solver: the figure is the cover
layer's), then on a Monday of the term records the absences and measures:
- seconds to propose covers for every affected occurrence in one CP-SAT solve
  over the whole batch (target < 30 s on 2 cores), including finding what the
  absences affect and every candidate;
- seconds to confirm them and republish the feeds (target < 10 s; CPU seconds and the
  load average beside it, since the machine is shared), and how many feeds that changed
  and how many it left alone;
- the share of occurrences covered in person, by supervised study, online, by
  swap and cancelled, and the largest number of covers any teacher gives.
The plan with its dated overrides is then re-verified by the independent
checker on the date concerned, and a full republish of every feed and date
must find nothing left to change (confirming recomputes only the feeds and
dates the overrides touch).

    .venv/bin/python bench/covers.py [--communities 40] [--seed 1] [--share 0.05] [--time-limit 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calendars.config import FeedConfig  # noqa: E402
from calendars.models import Feed  # noqa: E402
from calendars.publish import publish, republish  # noqa: E402
from feed_plans import construct_plan  # noqa: E402
from scheduler.covers.absences import affected, record_absence  # noqa: E402
from scheduler.covers.days import DayPlans, check_date  # noqa: E402
from scheduler.covers.review import propose_covers, proposed  # noqa: E402
from scheduler.dataset.schema import Dataset  # noqa: E402
from scheduler.dataset.store import apply, load_stored  # noqa: E402
from scheduler.db import make_engine, transaction, upgrade  # noqa: E402
from scheduler.generate import generate_county  # noqa: E402
from scheduler.plans import store_plan  # noqa: E402
from tongpan.daily import confirm_and_publish  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "covers.json"
TERM = "2026-1"
DAY = date(2026, 11, 16)  # a Monday of the generated term
NOW = datetime(2026, 11, 15, 23, 0, tzinfo=timezone.utc)  # 07:00 that morning in Shanghai
TARGETS = {"propose_seconds": 30.0, "republish_seconds": 10.0}


def setup(url: str, communities: int, seed: int, config: FeedConfig) -> tuple[object, Dataset, float]:
    engine = make_engine(url)
    upgrade(engine)
    ds = Dataset.model_validate(generate_county(communities, seed))
    with transaction(engine) as session:
        apply(session, ds, "generated")
    with transaction(engine) as session:
        stored = load_stored(session)
        assert stored is not None
        for community in ds.communities:
            store_plan(session, community.code, TERM, construct_plan(ds, community.code),
                       dataset_revision=stored.revision)
    started = time.perf_counter()
    for community in ds.communities:
        with transaction(engine) as session:
            publish(session, community.code, TERM, config=config, now=NOW, dataset=stored)
    return engine, ds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--share", type=float, default=0.05, help="share of teachers absent all day")
    parser.add_argument("--time-limit", type=float, default=15, help="CP-SAT seconds for the batch")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    config = FeedConfig(secret="bench-secret")
    os.environ["TONGPAN_FEED_SECRET"] = config.secret or ""

    with tempfile.TemporaryDirectory(prefix="tongpan-bench-covers-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'tongpan.db'}"
        print(f"generating, importing and publishing a county of {args.communities} communities …")
        engine, ds, publish_seconds = setup(url, args.communities, args.seed, config)
        print(f"published every community in {publish_seconds:.1f} s "
              "(plans: fast deterministic construction, bench/feed_plans.py, not the solver)")
        teachers = sorted(t.code for t in ds.teachers)
        absent = sorted(random.Random(args.seed).sample(teachers, round(len(teachers) * args.share)))

        started = time.perf_counter()
        with transaction(engine) as session:
            batch, ids = [], {}
            days = DayPlans(session, ds)
            for code in absent:
                absence = record_absence(session, ds, code, DAY, DAY, reason="病假", now=NOW)
                found = affected(session, ds, absence, days)
                batch.extend(found)
                ids.update({(a.teacher, a.date): absence.id for a in found})
            made = propose_covers(session, ds, batch, now=NOW, today=DAY, absence_ids=ids,
                                  time_limit=args.time_limit, workers=2, days=days)
        propose_seconds = time.perf_counter() - started
        solve = made.proposal
        print(f"{len(absent)} of {len(teachers)} teachers absent on {DAY}: {len(batch)} affected occurrences; "
              f"covers proposed in {propose_seconds:.1f} s (CP-SAT {solve.seconds:.1f} s, {solve.status})")

        term = next(t for t in ds.terms if t.code == TERM)
        with transaction(engine) as session:  # the constructed plans are not checked plans: note what they break
            baseline = {str(v) for c in ds.communities for v in check_date(session, ds, c.code, term, DAY)}

        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        with transaction(engine) as session:
            results = confirm_and_publish(session, proposed(session, day=DAY), now=NOW, config=config)
        republish_seconds, republish_cpu = time.perf_counter() - started, time.process_time() - cpu
        changed = sum(r.feeds_changed for r in results)
        unchanged = sum(r.feeds_unchanged for r in results)
        with transaction(engine) as session:
            feeds = session.scalar(select(func.count()).select_from(Feed)) or 0
        print(f"confirmed and republished {len(results)} communities in {republish_seconds:.1f} s "
              f"({republish_cpu:.1f} s CPU, load average {load:.2f} before): {changed} feeds changed, "
              f"{unchanged} recomputed unchanged, {feeds - changed - unchanged} of {feeds} not recomputed")

        with transaction(engine) as session:
            covers = proposed(session, day=DAY, state="confirmed")
            modes = Counter(c.mode for c in covers)
            given = Counter(t for c in covers for t in c.counted)
        with transaction(engine) as session:
            after = [v for c in ds.communities for v in check_date(session, ds, c.code, term, DAY)]
        violations = [v for v in after if str(v) not in baseline]
        print(f"independent checker on {DAY} with the overrides: {len(violations)} violations the overrides "
              f"introduce ({len(baseline)} in the constructed plans before, {len(after)} after)")
        for v in violations[:10]:
            print(f"  {v}")
        with transaction(engine) as session:
            left = sum(republish(session, c.code, TERM, config=config, now=NOW, dataset=ds).feeds_changed
                       for c in ds.communities)
        print(f"a full republish of every feed and date afterwards changes {left} feeds (must be 0)")

    total = sum(modes.values()) or 1
    shares = {mode: round(n / total, 4) for mode, n in sorted(modes.items())}
    largest = max(given.values(), default=0)
    results_doc = {
        "communities": args.communities, "seed": args.seed, "term": TERM, "date": DAY.isoformat(),
        "plans": "fast deterministic construction (bench/feed_plans.py), not the solver",
        "teachers": len(teachers), "absent": len(absent), "affected_occurrences": len(batch),
        "propose_seconds": round(propose_seconds, 2), "cp_sat_seconds": round(solve.seconds, 2),
        "cp_sat_status": solve.status, "time_limit": args.time_limit,
        "republish_seconds": round(republish_seconds, 2), "republish_cpu_seconds": round(republish_cpu, 2),
        "load_average_1min": round(load, 2), "feeds": feeds, "feeds_changed": changed,
        "feeds_unchanged": unchanged, "feeds_not_recomputed": feeds - changed - unchanged,
        "full_republish_changes": left,
        "modes": dict(modes), "shares": shares, "largest_cover_count": largest,
        "checker_violations_introduced": len(violations), "checker_violations_before": len(baseline),
        "targets": TARGETS,
        "met": {"propose_seconds": propose_seconds < TARGETS["propose_seconds"],
                "republish_seconds": republish_seconds < TARGETS["republish_seconds"],
                "every_occurrence_handled": len(covers) == len(batch),
                "overrides_break_no_rule": not violations, "full_republish_agrees": left == 0},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results_doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print()
    print(f"{'measure':40} {'value':>10} {'target':>10}")
    print(f"{'propose covers (s)':40} {propose_seconds:10.1f} {'< 30':>10}")
    print(f"{'confirm and republish feeds (s)':40} {republish_seconds:10.1f} {'< 10':>10}")
    print(f"{'  of which CPU (s); load average':40} {republish_cpu:10.1f} {load:10.2f}")
    print(f"{'  feeds changed / not recomputed':40} {changed:10d} {feeds - changed - unchanged:10d}")
    for mode in ("in_person", "study", "online", "swap", "cancel", "assist", "excused"):
        print(f"{'share ' + mode:40} {shares.get(mode, 0) * 100:9.1f}%")
    print(f"{'largest cover count of a teacher':40} {largest:10d}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}; targets met: "
          + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in results_doc["met"].items()))


if __name__ == "__main__":
    main()
