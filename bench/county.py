"""Regenerate a generated county of 40 communities with 1, then 2 Celery worker processes.

Each round gets a fresh PostgreSQL schema and a private Redis, imports the same
county, starts N `tongpan worker` processes (concurrency 1, solver workers 1,
so N processes use N cores), triggers the county and waits on the job table
until every job has finished. Prints the wall time of each round and the
speed-up, and writes bench/results/county.json.

Targets: speed-up >= 1.8 on 2 cores; the county within 10 minutes with 2 workers
at the default solver settings (time limit TONGPAN_SOLVER_TIME_LIMIT's default
60 s as a ceiling; the stop rules end most solves well before it).

    .venv/bin/python bench/county.py [--communities 40] [--time-limit 60] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.db import make_engine, scratch_schema, transaction  # noqa: E402
from scheduler.generate import generate_county  # noqa: E402
from tasks.config import Limits  # noqa: E402
from tasks.models import Job  # noqa: E402

TONGPAN = str(Path(sys.executable).with_name("tongpan"))
POSTGRES_URL = os.environ.get("TONGPAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TERM = "2026-1"
TARGET_SPEEDUP = 1.8
TARGET_TWO_WORKER_SECONDS = 600.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()


@contextmanager
def postgres_schema() -> Iterator[str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with scratch_schema(admin, POSTGRES_URL, "bench") as url:
            yield url
    finally:
        admin.dispose()


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([TONGPAN, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"tongpan {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def round_with(workers: int, dataset: Path, time_limit: float, logs: Path) -> dict[str, Any]:
    with postgres_schema() as database_url, redis_server(logs) as broker_url:
        env = {**os.environ, "TONGPAN_DATABASE_URL": database_url, "TONGPAN_BROKER_URL": broker_url,
               "TONGPAN_SOLVER_TIME_LIMIT": str(time_limit), "TONGPAN_SOLVER_WORKERS": "1"}
        run(["db", "upgrade"], env)
        run(["import", str(dataset)], env)
        processes = [subprocess.Popen([TONGPAN, "worker", "--queues", "solve,publish", "--concurrency", "1",
                                       "--hostname", f"bench{i}@%h", "--loglevel", "WARNING"], env=env,
                                      stdout=(logs / f"worker-{workers}-{i}.log").open("w"),
                                      stderr=subprocess.STDOUT, start_new_session=True)
                     for i in range(workers)]
        try:
            while subprocess.run([TONGPAN, "workers"], env=env, capture_output=True,
                                 text=True).stdout.count("bench") < workers:
                time.sleep(0.5)
            started = time.monotonic()
            run(["regenerate", "--county", "--term", TERM], env)
            engine = make_engine(database_url)
            while True:
                with transaction(engine) as session:
                    jobs = list(session.scalars(select(Job)))
                if jobs and all(j.state in ("succeeded", "failed", "cancelled") for j in jobs):
                    break
                time.sleep(1)
            wall = time.monotonic() - started
            engine.dispose()
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(timeout=120)
    durations = [(j.finished_at - j.started_at).total_seconds() for j in jobs if j.started_at and j.finished_at]
    states = {s: sum(j.state == s for j in jobs) for s in ("succeeded", "failed", "cancelled")}
    print(f"{workers} worker process(es): {wall:.1f} s for {len(jobs)} communities {states}", flush=True)
    return {"workers": workers, "wall_seconds": round(wall, 1), "jobs": len(jobs), "states": states,
            "mean_job_seconds": round(sum(durations) / len(durations), 1) if durations else None,
            "failures": [j.message for j in jobs if j.state != "succeeded"][:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=Limits().solver_seconds,
                        help="Solver seconds per community (default: the solver's default).")
    parser.add_argument("--workers", default="1,2", help="Worker processes of each round, e.g. 2 for one round.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "county.json")
    options = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is needed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="tongpan-bench-") as tmp:
        directory = Path(tmp)
        dataset = directory / "county.json"
        dataset.write_text(json.dumps(generate_county(options.communities, options.seed), ensure_ascii=False),
                           encoding="utf-8")
        rounds = [round_with(int(n), dataset, options.time_limit, directory) for n in options.workers.split(",")]
    by_workers = {r["workers"]: r for r in rounds}
    speedup = (by_workers[1]["wall_seconds"] / by_workers[2]["wall_seconds"]
               if 1 in by_workers and 2 in by_workers else None)
    two = by_workers.get(2, {}).get("wall_seconds")
    print(f"speed-up with 2 worker processes: {'-' if speedup is None else f'{speedup:.2f}x'} "
          f"(target >= {TARGET_SPEEDUP}); 2 workers: {'-' if two is None else f'{two:.0f} s'} "
          f"(target <= {TARGET_TWO_WORKER_SECONDS:.0f} s)")
    result = {
        "benchmark": "county regeneration through Celery workers",
        "communities": options.communities, "seed": options.seed, "term": TERM,
        "solver_time_limit_seconds": options.time_limit, "solver_workers_per_job": 1,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "database": "postgresql", "broker": "redis",
        "rounds": rounds, "speedup": None if speedup is None else round(speedup, 2),
        "targets": {"speedup": TARGET_SPEEDUP, "two_worker_wall_seconds": TARGET_TWO_WORKER_SECONDS},
        "met": {"speedup": None if speedup is None else speedup >= TARGET_SPEEDUP,
                "two_worker_wall_seconds": None if two is None else two <= TARGET_TWO_WORKER_SECONDS},
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {options.out}")


if __name__ == "__main__":
    main()
