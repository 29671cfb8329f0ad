"""Start-up of the `tongpan` command: issue 14 times a whole `tongpan solve`, start-up included,
against fet-cl, which starts in milliseconds; containers run `tongpan workers --local` as a healthcheck.

    .venv/bin/python bench/startup.py [--repeat 7] [--root DIR]

Median wall time of `--repeat` runs of: `tongpan --help`, `tongpan solve --help`, `tongpan check --help`,
`tongpan workers --local --timeout 0.1` (against TONGPAN_BROKER_URL, default the local Redis, with a
database URL set as in the containers; no worker answers, so it exits 1 after its 0.1 s wait), and a whole `tongpan solve --time-limit 1 --workers 1` of a
one-class school on SQLite. Also the import time of the modules a solve loads (`-X importtime`, top-level
cumulative times summed) and, for each, the heavy packages it loaded. `--root` measures another checkout
with this interpreter (an older commit unpacked with `git archive`, for a before figure) and writes
nothing; otherwise the figures go to bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from solver_cases import TERM, case, clock_bell, klass, school, teacher  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "startup.json"
TONGPAN = str(Path(sys.executable).with_name("tongpan"))
HEAVY = ("ortools", "pandas", "numpy", "fpdf", "openpyxl", "celery", "kombu", "icalendar", "sqlalchemy",
         "pydantic", "alembic")
SOLVE_MODULES = ("tongpan.cli", "tongpan.cli_plans", "scheduler.planning", "scheduler.solver.run")
BROKER = os.environ.get("TONGPAN_BROKER_URL") or "redis://127.0.0.1:6379/15"


def imports(run: subprocess.CompletedProcess[str]) -> tuple[float, list[str]]:
    """Seconds spent importing (top-level cumulative times of `-X importtime`) and the heavy packages."""
    total, packages = 0, set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):
                total += int(cumulative)
            packages.add(name.strip().split(".")[0])
    return round(total / 1e6, 3), sorted(packages & set(HEAVY))


def measure(args: list[str], env: dict[str, str], repeat: int) -> dict[str, Any]:
    """Median wall time of `repeat` runs, then one run under `-X importtime` (in the measured checkout,
    which `python -c` puts before PYTHONPATH)."""
    walls, codes = [], set()
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, *args], env=env, cwd=env["PYTHONPATH"], capture_output=True,
                              text=True, timeout=300)
        walls.append(time.perf_counter() - started)
        codes.add(done.returncode)
    traced = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, cwd=env["PYTHONPATH"],
                            capture_output=True, text=True, timeout=300)
    seconds, heavy = imports(traced)
    return {"wall_seconds": round(statistics.median(walls), 3), "exit": sorted(codes), "import_seconds": seconds,
            "heavy": heavy}


def solve_database(env: dict[str, str], work: Path) -> dict[str, str]:
    """A SQLite database holding a one-class school, made with the checkout being measured."""
    url = f"sqlite:///{work / 'tongpan.db'}"
    source = work / "school.json"
    source.write_text(json.dumps(case([school("U", "week")], [teacher("T1", "U", {"YW": [5]})], [klass("U", 5)],
                                      {"YW": 2}, [clock_bell("week", "08:00", 40, 10, 6)])), encoding="utf-8")
    env = {**env, "TONGPAN_DATABASE_URL": url}
    for args in (["db", "upgrade"], ["import", str(source)]):
        subprocess.run([sys.executable, TONGPAN, *args], env=env, check=True, capture_output=True, timeout=300)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--root", type=Path, help="Measure this checkout instead (writes nothing).")
    options = parser.parse_args()
    root = (options.root or ROOT).resolve()
    env = {k: v for k, v in os.environ.items() if k != "TONGPAN_BROKER_URL"}
    env["PYTHONPATH"] = str(root)
    figures: dict[str, Any] = {}
    for name, args in (("help", ["--help"]), ("solve_help", ["solve", "--help"]),
                       ("check_help", ["check", "--help"])):
        figures[name] = measure([TONGPAN, *args], env, options.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        figures["workers_local"] = measure(
            [TONGPAN, "workers", "--local", "--timeout", "0.1"],
            {**env, "TONGPAN_BROKER_URL": BROKER, "TONGPAN_DATABASE_URL": f"sqlite:///{Path(tmp) / 'unused.db'}"},
            options.repeat)
    figures["solve_imports"] = measure(["-c", "; ".join(f"import {m}" for m in SOLVE_MODULES)], env, options.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        figures["solve_one_class"] = measure(
            [TONGPAN, "solve", "--community", "C1", "--term", TERM, "--time-limit", "1", "--workers", "1"],
            solve_database(env, Path(tmp)), options.repeat)
    for name, figure in figures.items():
        print(f"{name:16s} {figure['wall_seconds']:6.3f} s wall, {figure['import_seconds']:6.3f} s importing, "
              f"exit {figure['exit']}, loads {' '.join(figure['heavy']) or '-'}")
    if options.root is None:
        load = os.getloadavg()[0]
        RESULTS.write_text(json.dumps({
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_1min": round(load, 2)},
            "settings": {"repeat": options.repeat, "broker": BROKER.split("@")[-1]},
            "figures": figures,
        }, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
