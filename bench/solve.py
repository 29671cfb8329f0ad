"""Solver benchmark: S, M and L generated communities, the stability scenario, and tight schools.

Each profile runs in a subprocess of its own so its peak memory can be read
from `resource.getrusage(RUSAGE_CHILDREN)` without the other profiles'
(the parent waits for one child at a time and takes the growth of the
children's maximum, which is the new child's peak once it exceeds the
previous ones; a smaller child is reported as "<= previous peak").
Figures are printed as a table and written to bench/results/solve.json.

Targets (2 cores, workers=2): S gap <= 1% in 10 s; M first plan <= 15 s and
gap <= 5% in 60 s; L first plan <= 60 s, gap <= 10% in 300 s, peak < 2 GiB;
stability (M, one teacher unavailable on Wednesday afternoons, re-solved
with the previous plan published): changes <= 3 x that teacher's lessons in
the window, within 20 s. The gap is the whole problem's where a bound holds
for it (`stats.gap`), else the timetable phase's, which holds for the staffing
found (`stats.phases.timetable.gap`, marked "tt" in the table).

Tight schools (`scheduler/generate_tight.py`: 10-35 classes, every lesson's
teacher locked, teachers at 80-95% of their available periods, a third with
unavailable periods; "+5" instances fill every class's bell, which the
constructive timetable alone cannot place): in the same run the plain CP-SAT
model of `bench/plain.py` (hard rules only) gives the anchor. Targets:
tongpan's first complete plan within 2x the plain model's time on every
instance, and no unmet period where the plain model finds a cover.

    .venv/bin/python bench/solve.py [--profiles S,M,L,stability,tight] [--time-limit SECONDS]
        [--tight-count N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.check import check_plan  # noqa: E402
from scheduler.dataset.validate import parse  # noqa: E402
from scheduler.generate import generate_community_dataset  # noqa: E402
from scheduler.generate_tight import generate_tight_school  # noqa: E402
from scheduler.solver import solve  # noqa: E402

from bench.plain import plain_cover  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "solve.json"
LIMITS = {"S": 10.0, "M": 60.0, "L": 300.0, "stability": 20.0, "tight": 20.0}
# (classes, extra periods filling each class's bell) of the tight-school instances, in run order
TIGHT = ((10, 0), (20, 5), (35, 0), (15, 0), (35, 5), (25, 0), (30, 0), (12, 5), (28, 5), (32, 0))
TIGHT_RATIO = 2.0  # target: tongpan's first complete plan within this many times the plain model's
SEED = 0
AFTERNOON = 12 * 60


def _gap(stats: dict[str, Any]) -> tuple[float | None, str]:
    """The gap as the solver reports it: the whole problem's, else the timetable phase's ("timetable")."""
    if stats.get("gap") is not None:
        return stats["gap"], "whole"
    return ((stats.get("phases") or {}).get("timetable") or {}).get("gap"), "timetable"


def _summary(profile: str, plan: dict[str, Any], violations: int, wall: float) -> dict[str, Any]:
    stats = plan["stats"]
    gap, gap_of = _gap(stats)
    bound = stats.get("bound") if gap_of == "whole" else stats["phases"]["timetable"].get("bound")
    return {"profile": profile, "wall_seconds": round(wall, 2),
            "first_plan_seconds": stats.get("first_plan_seconds"), "objective": stats.get("objective"),
            "bound": bound, "gap": gap, "gap_of": gap_of, "stop": stats.get("stop"), "status": stats.get("status"),
            "unmet_periods": stats.get("unmet_periods"), "activities": len(plan["activities"]),
            "violations": violations, "phases": stats.get("phases"),
            "objective_terms": stats.get("objective_terms")}


def _solve(profile: str, time_limit: float) -> dict[str, Any]:
    ds, _ = parse(generate_community_dataset(profile, SEED), profile)
    community = ds.communities[0].code
    started = time.monotonic()
    plan = solve(ds, community, "2026-1", time_limit=time_limit, workers=2)
    wall = time.monotonic() - started
    return _summary(profile, plan, len(check_plan(ds, plan, community, "2026-1")), wall)


def _wednesday_afternoon(plan: dict[str, Any]) -> tuple[str, int]:
    """The teacher with the most lessons on Wednesday afternoon, and how many."""
    counts: dict[str, int] = {}
    for a in plan["activities"]:
        hours, minutes = a["start"].split(":")
        if a["kind"] != "research" and a["day"] == "wed" and int(hours) * 60 + int(minutes) >= AFTERNOON:
            people = [a["teachers"][0], *(r["assistant"] for r in a.get("remote", []))]
            for t in people:
                counts[t] = counts.get(t, 0) + 1
    teacher = max(sorted(counts), key=lambda t: counts[t])
    return teacher, counts[teacher]


def _stability(time_limit: float, base_limit: float) -> dict[str, Any]:
    """Solve M, block one teacher's Wednesday afternoons, re-solve with the first plan published."""
    doc = generate_community_dataset("M", SEED)
    ds, _ = parse(doc, "M")
    community = ds.communities[0].code
    first = solve(ds, community, "2026-1", time_limit=base_limit, workers=2)
    teacher, lessons = _wednesday_afternoon(first)
    entry = next(t for t in doc["teachers"] if t["code"] == teacher)
    bell = next(b for b in doc["bell_schedules"] if b["code"] == next(
        c["bell_schedule"] for s in doc["schools"] for c in s["campuses"] if c["code"] == entry["campus"]))
    afternoon = [p["n"] for p in bell["periods"] if int(p["start"][:2]) >= 12]
    entry["unavailable"] = [*entry["unavailable"], {"day": "wed", "periods": afternoon}]
    changed_ds, _ = parse(doc, "M'")
    started = time.monotonic()
    second = solve(changed_ds, community, "2026-1", time_limit=time_limit, workers=2,
                   published={"activities": first["activities"], "unmet": first["unmet"]})
    wall = time.monotonic() - started
    result = _summary("stability", second, len(check_plan(changed_ds, second, community, "2026-1")), wall)
    changed = second["stats"]["changed_vs_published"]
    result.update(teacher=teacher, lessons_in_window=lessons, changed_vs_published=changed,
                  allowed_changes=3 * lessons, base_time_limit=base_limit)
    return result


def _tight(time_limit: float, count: int) -> dict[str, Any]:
    """Each tight school solved by the plain model and by tongpan, one after the other."""
    rows = []
    for seed, (classes, fill) in enumerate(TIGHT[:count]):
        ds, _ = parse(generate_tight_school(classes, seed, fill), "tight")
        plain = plain_cover(ds, workers=2)
        started = time.monotonic()
        plan = solve(ds, "TS-C", "2026-1", time_limit=time_limit, workers=2)
        wall = time.monotonic() - started
        first = plan["stats"].get("first_plan_seconds")
        ratio = None if first is None or not plain["cover"] else first / max(plain["seconds"], 1e-3)
        unmet = plan["stats"]["unmet_periods"]
        rows.append({"classes": classes, "fill": fill, "seed": seed, "plain_seconds": plain["seconds"],
                     "plain_cover": plain["cover"], "first_plan_seconds": first, "ratio": ratio,
                     "unmet_periods": unmet, "wall_seconds": round(wall, 2), "stop": plan["stats"].get("stop"),
                     "lean": plan["stats"]["phases"].get("lean", {}).get("status"),
                     "violations": len(check_plan(ds, plan, "TS-C", "2026-1")),
                     "met": ratio is not None and ratio <= TIGHT_RATIO and (unmet == 0 or not plain["cover"])})
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    return {"profile": "tight", "instances": rows, "worst_ratio": max(ratios, default=None),
            "unmet_where_plain_covers": sum(r["unmet_periods"] for r in rows if r["plain_cover"]),
            "met": all(r["met"] for r in rows), "unmet_periods": sum(r["unmet_periods"] for r in rows),
            "violations": sum(r["violations"] for r in rows), "first_plan_seconds": None, "objective": None,
            "bound": None, "gap": None}


def _child(profile: str, time_limit: float, queue: Any, tight_count: int) -> None:
    if profile == "stability":
        queue.put(_stability(time_limit, LIMITS["M"]))
    elif profile == "tight":
        queue.put(_tight(time_limit, tight_count))
    else:
        queue.put(_solve(profile, time_limit))


def run_profile(profile: str, time_limit: float, previous_peak: int,
                tight_count: int = len(TIGHT)) -> tuple[dict[str, Any], int]:
    queue: Any = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_child,
                                                         args=(profile, time_limit, queue, tight_count))
    child.start()
    result = queue.get()
    child.join()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    result["peak_rss_mib"] = round(peak / 1024, 1) if peak > previous_peak else f"<= {round(previous_peak / 1024, 1)}"
    result["time_limit"] = time_limit
    return result, max(peak, previous_peak)


def _cell(value: Any, fmt: str = "{}") -> str:
    if value is None:
        return "-"
    return fmt.format(value) if not isinstance(value, str) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="S,M,L,stability,tight")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per solve instead of the targets' limits (10/60/300/20, tight 20)")
    parser.add_argument("--tight-count", type=int, default=len(TIGHT), help="tight-school instances to run")
    args = parser.parse_args()
    results, peak = [], 0
    for profile in [p.strip() for p in args.profiles.split(",") if p.strip()]:
        limit = args.time_limit if args.time_limit is not None else LIMITS[profile]
        print(f"{profile}: solving with a {limit:g} s limit ...", flush=True)
        result, peak = run_profile(profile, limit, peak, args.tight_count)
        results.append(result)
    header = f"{'profile':10} {'limit':>6} {'first plan s':>12} {'objective':>10} {'bound':>10} {'gap':>10} " \
             f"{'unmet':>6} {'violations':>10} {'peak MiB':>10} {'changed':>8}"
    print(header)
    for r in results:
        changed = f"{r['changed_vs_published']}/{r['allowed_changes']}" if "allowed_changes" in r else "-"
        gap = _cell(r['gap'], '{:.1%}') + (" tt" if r.get("gap_of") == "timetable" else "")
        print(f"{r['profile']:10} {r['time_limit']:>6g} {_cell(r['first_plan_seconds'], '{:.1f}'):>12} "
              f"{_cell(r['objective'], '{:.0f}'):>10} {_cell(r['bound'], '{:.0f}'):>10} "
              f"{gap:>10} {r['unmet_periods']:>6} {r['violations']:>10} "
              f"{_cell(r['peak_rss_mib']):>10} {changed:>8}")
    for r in results:
        if r["profile"] != "tight":
            continue
        print(f"\ntight schools (target: first plan <= {TIGHT_RATIO:g} x plain, no unmet where plain covers)")
        print(f"{'classes':>8} {'plain s':>8} {'tongpan s':>10} {'ratio':>6} {'unmet':>6} {'lean':>8} {'met':>4}")
        for row in r["instances"]:
            name = f"{row['classes']}" + (f"+{row['fill']}" if row["fill"] else "")
            print(f"{name:>8} {row['plain_seconds']:>8.2f} {_cell(row['first_plan_seconds'], '{:.2f}'):>10} "
                  f"{_cell(row['ratio'], '{:.2f}'):>6} {row['unmet_periods']:>6} {_cell(row['lean']):>8} "
                  f"{'yes' if row['met'] else 'NO':>4}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    ran = {r["profile"] for r in results}
    kept = []  # a run of some profiles keeps the others' last figures
    if RESULTS.exists():
        kept = [r for r in json.loads(RESULTS.read_text()).get("results", []) if r.get("profile") not in ran]
    RESULTS.write_text(json.dumps({"machine": {"python": platform.python_version(), "cpus": multiprocessing.cpu_count()},
                                   "seed": SEED, "results": kept + results}, ensure_ascii=False, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
