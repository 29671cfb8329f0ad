"""Solver benchmark: S, M and L generated communities, and the stability scenario.

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
the window, within 20 s.

    .venv/bin/python bench/solve.py [--profiles S,M,L,stability] [--time-limit SECONDS]
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
from scheduler.solver import solve  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "solve.json"
LIMITS = {"S": 10.0, "M": 60.0, "L": 300.0, "stability": 20.0}
SEED = 0
AFTERNOON = 12 * 60


def _gap(stats: dict[str, Any]) -> float | None:
    objective, bound = stats.get("objective"), stats.get("bound")
    if objective is None or bound is None:
        return None
    return 0.0 if objective == bound else (objective - bound) / max(abs(objective), 1e-9)


def _summary(profile: str, plan: dict[str, Any], violations: int, wall: float) -> dict[str, Any]:
    stats = plan["stats"]
    return {"profile": profile, "wall_seconds": round(wall, 2),
            "first_plan_seconds": stats.get("first_plan_seconds"), "objective": stats.get("objective"),
            "bound": stats.get("bound"), "gap": _gap(stats), "status": stats.get("status"),
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


def _child(profile: str, time_limit: float, queue: Any) -> None:
    if profile == "stability":
        queue.put(_stability(time_limit, LIMITS["M"]))
    else:
        queue.put(_solve(profile, time_limit))


def run_profile(profile: str, time_limit: float, previous_peak: int) -> tuple[dict[str, Any], int]:
    queue: Any = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_child, args=(profile, time_limit, queue))
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
    parser.add_argument("--profiles", default="S,M,L,stability")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per solve instead of the targets' limits (10/60/300/20)")
    args = parser.parse_args()
    results, peak = [], 0
    for profile in [p.strip() for p in args.profiles.split(",") if p.strip()]:
        limit = args.time_limit if args.time_limit is not None else LIMITS[profile]
        print(f"{profile}: solving with a {limit:g} s limit ...", flush=True)
        result, peak = run_profile(profile, limit, peak)
        results.append(result)
    header = f"{'profile':10} {'limit':>6} {'first plan s':>12} {'objective':>10} {'bound':>10} {'gap':>7} " \
             f"{'unmet':>6} {'violations':>10} {'peak MiB':>10} {'changed':>8}"
    print(header)
    for r in results:
        changed = f"{r['changed_vs_published']}/{r['allowed_changes']}" if "allowed_changes" in r else "-"
        print(f"{r['profile']:10} {r['time_limit']:>6g} {_cell(r['first_plan_seconds'], '{:.1f}'):>12} "
              f"{_cell(r['objective'], '{:.0f}'):>10} {_cell(r['bound'], '{:.0f}'):>10} "
              f"{_cell(r['gap'], '{:.1%}'):>7} {r['unmet_periods']:>6} {r['violations']:>10} "
              f"{_cell(r['peak_rss_mib']):>10} {changed:>8}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": {"python": platform.python_version(), "cpus": multiprocessing.cpu_count()},
                                   "seed": SEED, "results": results}, ensure_ascii=False, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
