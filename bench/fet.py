"""tongpan against fet-cl on FET's own example schools (Debian's `fet` and `fet-data`).

For every example file that imports (`tongpan import-fet`) into at least one
weekly period, the run writes the problem back as a FET file
(`export-fet --problem-only`: exactly the constraints tongpan carried), so
both engines solve the same problem. A file whose buildings became campuses
with travel time between them is skipped with the reason printed: FET keeps
free hours between buildings where tongpan keeps minutes, so the two would
not solve the same problem (`scheduler.fet.writer.inexact`). Files whose
problem is the same as an earlier file's are counted once. Then, each
`--repeat` times, on one core each (`taskset`; the two engines run side by
side, FET on core 0 and tongpan on core 1):

- `fet-cl` with a time limit: seconds to a timetable (wall time of the process);
- `tongpan solve --workers 1` at its default settings (its own time limit, its
  stop rules), start-up included: the stored plan's `stats.first_plan_seconds`
  (first complete plan), `stats.solve_seconds` and the whole command's wall time.

Prints per file: classes, teachers, periods, FET's seconds, tongpan's seconds to
its first complete plan and to its finished plan, unmet periods, the ratios;
then the medians and how many files each engine solved. Results to
bench/results/fet.json. Installs nothing: without fet-cl or fet-data it says
what to install and exits 2.

    .venv/bin/python bench/fet.py [--repeat 3] [--fet-limit 60] [--max-files N] [--match TEXT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.dataset.issues import DatasetInvalid  # noqa: E402
from scheduler.dataset.validate import parse  # noqa: E402
from scheduler.fet.reader import FetError, read_fet  # noqa: E402
from scheduler.fet.writer import FetExportError, inexact, write_fet  # noqa: E402

EXAMPLES = Path("/usr/share/doc/fet-data/examples")
RESULTS = ROOT / "bench" / "results" / "fet.json"
TONGPAN = str(Path(sys.executable).with_name("tongpan"))


def _pin(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def problems(match: str | None) -> list[tuple[Path, dict[str, Any], bytes]]:
    """(example file, dataset, stripped FET file) for every distinct problem that imports and
    that FET can be given exactly: one whose campuses need travel time is skipped, saying why."""
    seen: set[str] = set()
    found = []
    for path in sorted(EXAMPLES.rglob("*.fet")):
        if "data_and_timetable" in path.name or (match and match not in str(path)):
            continue
        try:
            doc = read_fet(path).dataset
            ds, _ = parse(doc, str(path))
            stripped = write_fet(ds, doc["communities"][0]["code"])
        except (FetError, DatasetInvalid, FetExportError):
            continue
        if not doc["curriculum_overrides"]:
            continue
        reasons = inexact(ds, doc["communities"][0]["code"])
        if reasons:
            print(f"skipped {path.relative_to(EXAMPLES)}: its FET file is not tongpan's problem ({'；'.join(reasons)})",
                  flush=True)
            continue
        digest = hashlib.sha256(stripped).hexdigest()
        if digest not in seen:
            seen.add(digest)
            found.append((path, doc, stripped))
    return found


def run_fet(stripped: bytes, limit: int, work: Path) -> dict[str, Any]:
    source = work / "problem.fet"
    source.write_bytes(stripped)
    out = work / "fet-out"
    shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    done = subprocess.run([*_pin(0), "fet-cl", f"--inputfile={source}", f"--outputdir={out}",
                           f"--timelimitseconds={limit}", "--htmllevel=0", "--writetimetablesxml=false"],
                          capture_output=True, text=True, timeout=limit + 60)
    seconds = time.perf_counter() - began
    solved = "Simulation successful" in done.stdout and any(out.rglob("*_data_and_timetable.fet"))
    return {"seconds": round(seconds, 3), "solved": solved}


def run_tongpan(doc: dict[str, Any], work: Path) -> dict[str, Any]:
    dataset = work / "dataset.json"
    dataset.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "TONGPAN_DATABASE_URL": f"sqlite:///{work / 'tongpan.db'}"}
    for args in (["db", "upgrade"], ["import", str(dataset)]):
        subprocess.run([TONGPAN, *args], env=env, check=True, capture_output=True, timeout=300)
    community, term = doc["communities"][0]["code"], doc["terms"][0]["code"]
    began = time.perf_counter()
    solved = subprocess.run([*_pin(1), TONGPAN, "solve", "--community", community, "--term", term,
                             "--workers", "1"], env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - began
    plan = json.loads(subprocess.run([TONGPAN, "export", "plan", "--community", community, "--term", term],
                                     env=env, check=True, capture_output=True, text=True).stdout)
    (work / "tongpan.db").unlink()
    stats = plan["stats"]
    unmet = sum(u["periods"] for u in plan["unmet"])
    return {"wall_seconds": round(wall, 3), "first_plan_seconds": stats.get("first_plan_seconds"),
            "solve_seconds": stats.get("solve_seconds"), "unmet": unmet, "complete": unmet == 0,
            "stop": stats.get("stop"), "exit": solved.returncode}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fet-limit", type=int, default=60, help="fet-cl's time limit per run, seconds")
    parser.add_argument("--max-files", type=int, default=None)
    parser.add_argument("--match", default=None, help="only example files whose path contains this")
    args = parser.parse_args()
    if shutil.which("fet-cl") is None or not EXAMPLES.is_dir():
        print("fet-cl or FET's examples are missing: apt-get install -y fet fet-data", file=sys.stderr)
        return 2
    found = problems(args.match)[: args.max_files]
    print(f"{len(found)} distinct FET example problems import into tongpan", flush=True)
    rows = []
    header = f"{'file':58} {'cls':>4} {'tch':>4} {'per':>5} {'fet s':>7} {'first s':>8} {'done s':>7} " \
             f"{'wall s':>7} {'unmet':>5} {'first/fet':>9} {'wall/fet':>8}"
    print(header, flush=True)
    for path, doc, stripped in found:
        fet_runs, tp_runs = [], []
        with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
            for i in range(args.repeat):
                fet_dir, tp_dir = Path(tmp) / f"fet{i}", Path(tmp) / f"tp{i}"
                fet_dir.mkdir()
                tp_dir.mkdir()
                fet_job = pool.submit(run_fet, stripped, args.fet_limit, fet_dir)
                tp_job = pool.submit(run_tongpan, doc, tp_dir)
                fet_runs.append(fet_job.result())
                tp_runs.append(tp_job.result())
        fet_s = _median([r["seconds"] for r in fet_runs if r["solved"]])
        first = _median([r["first_plan_seconds"] for r in tp_runs if r["complete"] and r["first_plan_seconds"]])
        row = {
            "file": str(path.relative_to(EXAMPLES)), "classes": len(doc["classes"]), "teachers": len(doc["teachers"]),
            "periods": sum(o["periods_per_week"] for o in doc["curriculum_overrides"]),
            "fet_solved": all(r["solved"] for r in fet_runs), "fet_seconds": fet_s,
            "tongpan_complete": all(r["complete"] for r in tp_runs), "tongpan_first_plan_seconds": first,
            "tongpan_solve_seconds": _median([r["solve_seconds"] for r in tp_runs if r["solve_seconds"]]),
            "tongpan_wall_seconds": _median([r["wall_seconds"] for r in tp_runs]),
            "tongpan_unmet": max(r["unmet"] for r in tp_runs), "stops": [r["stop"] for r in tp_runs],
            "fet_runs": fet_runs, "tongpan_runs": tp_runs,
        }
        row["first_over_fet"] = round(first / fet_s, 2) if first and fet_s else None
        row["wall_over_fet"] = round(row["tongpan_wall_seconds"] / fet_s, 2) if fet_s else None
        rows.append(row)

        def show(value: Any) -> str:
            return "—" if value is None else str(value)

        print(f"{row['file'][-58:]:58} {row['classes']:>4} {row['teachers']:>4} {row['periods']:>5} "
              f"{show(fet_s):>7} {show(first):>8} {show(row['tongpan_solve_seconds']):>7} "
              f"{show(row['tongpan_wall_seconds']):>7} {row['tongpan_unmet']:>5} {show(row['first_over_fet']):>9} "
              f"{show(row['wall_over_fet']):>8}", flush=True)
    both = [r for r in rows if r["fet_solved"] and r["tongpan_complete"]]
    summary = {
        "files": len(rows), "fet_solved": sum(r["fet_solved"] for r in rows),
        "tongpan_complete": sum(r["tongpan_complete"] for r in rows),
        "tongpan_complete_where_fet_solved": sum(r["tongpan_complete"] for r in rows if r["fet_solved"]),
        "median_fet_seconds": _median([r["fet_seconds"] for r in both]),
        "median_tongpan_first_plan_seconds": _median([r["tongpan_first_plan_seconds"] for r in both]),
        "median_tongpan_wall_seconds": _median([r["tongpan_wall_seconds"] for r in both]),
    }
    if summary["median_fet_seconds"]:
        summary["median_first_over_fet"] = round(summary["median_tongpan_first_plan_seconds"]
                                                 / summary["median_fet_seconds"], 2)
        summary["median_wall_over_fet"] = round(summary["median_tongpan_wall_seconds"]
                                                / summary["median_fet_seconds"], 2)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                                   "settings": vars(args), "summary": summary, "files": rows},
                                  ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
