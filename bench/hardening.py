"""Hardening figures (issue 10): racing imports, memory under hostile bodies, hostile files, recovery.

    .venv/bin/python bench/hardening.py [--rounds 20] [--skip-kill]

Prints each figure with its target and writes bench/results/hardening.json. Needs PostgreSQL
(TONGPAN_TEST_POSTGRES_URL, as the tests) and, for the SIGKILL figure, redis-server.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import create_engine  # noqa: E402

from scheduler.dataset.load import import_file, read_source  # noqa: E402
from scheduler.dataset.issues import DatasetInvalid  # noqa: E402
from scheduler.dataset.schema import dump  # noqa: E402
from scheduler.dataset.store import export_document  # noqa: E402
from scheduler.dataset.validate import parse  # noqa: E402
from scheduler.dataset.xlsx import read_workbook, write_workbook  # noqa: E402
from scheduler.db import make_engine, scratch_schema, snapshot, upgrade  # noqa: E402
from scheduler.generate import generate_county  # noqa: E402

POSTGRES_URL = os.environ.get("TONGPAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MB = 1024 * 1024


def canonical(document: dict[str, Any]) -> str:
    data = dump(parse(document, "x")[0])
    return json.dumps({k: sorted(json.dumps(e, sort_keys=True) for e in v) if isinstance(v, list) else v
                       for k, v in data.items()}, sort_keys=True)


def race(url: str, rounds: int, directory: Path) -> dict[str, int]:
    """Two imports started together, `rounds` times: how often the result is file A, file B, or neither."""
    engine = make_engine(url)
    upgrade(engine)
    paths, expected = {}, {}
    for name, seed in (("start", 9), ("a", 7), ("b", 8)):
        document = generate_county(2, seed=seed)
        paths[name] = directory / f"{name}.json"
        paths[name].write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        expected[name] = canonical(document)
    outcome = {"a": 0, "b": 0, "neither": 0, "error": 0}
    for _ in range(rounds):
        import_file(engine, paths["start"])
        barrier, errors = threading.Barrier(2), []

        def run(name: str) -> None:
            barrier.wait()
            try:
                import_file(engine, paths[name])
            except Exception as exc:  # counted, not raised: this measures outcomes
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with snapshot(engine) as session:
            result = canonical(export_document(session) or {})
        if errors:
            outcome["error"] += 1
        elif result == expected["a"]:
            outcome["a"] += 1
        elif result == expected["b"]:
            outcome["b"] += 1
        else:
            outcome["neither"] += 1
    engine.dispose()
    return outcome


def memory_under_bodies(directory: Path) -> dict[str, Any]:
    """`tongpan serve` RSS idle and at its peak while four 200 MB bodies are pushed at once."""
    from serve_support import empty_county, tongpan_serve
    from test_web_limits import push_body, rss_mib

    url, token = empty_county(directory / "serve.db", "bench")
    with tongpan_serve(url, directory / "serve.log") as served:
        time.sleep(1)
        idle = rss_mib(served.pid)
        runs = [({}, False), ({}, True), ({"Authorization": "Bearer tpa_x_y"}, True),
                ({"Authorization": f"Bearer {token}"}, True)]
        peak = idle
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(push_body, served.port, "/api/communities/X/regenerate", 200 * MB, h, c)
                       for h, c in runs]
            while not all(f.done() for f in futures):
                peak = max(peak, rss_mib(served.pid))
                time.sleep(0.05)
            statuses = [f.result() for f in futures]
        return {"idle_rss_mib": round(idle, 1), "peak_rss_mib": round(max(peak, rss_mib(served.pid)), 1),
                "statuses": statuses, "seconds": round(time.monotonic() - started, 2),
                "target_growth_mib": 100}


def hostile_files(directory: Path) -> dict[str, Any]:
    from workbook_files import padded, wrong_dimension

    document = generate_county(2, seed=7)
    good = directory / "good.xlsx"
    write_workbook(document, good)
    short = wrong_dimension(good, directory / "short.xlsx", "教师", "A1:B2")
    rows = len(read_workbook(short)[0]["teachers"])
    pad = padded(good, directory / "padded.xlsx", "教师")
    started = time.monotonic()
    read_workbook(pad)
    padded_seconds = time.monotonic() - started
    deep = directory / "deep.json"
    deep.write_text('{"format": "tongpan-dataset/1", "county": ' + "[" * 100_000 + "]" * 100_000 + "}")
    started = time.monotonic()
    try:
        read_source(deep)
        refused = False
    except DatasetInvalid:
        refused = True
    return {"wrong_dimension_teacher_rows": rows, "teachers_in_file": len(document["teachers"]),
            "padded_sheet_rows": len(document["teachers"]), "padded_sheet_seconds": round(padded_seconds, 2),
            "padded_sheet_seconds_before": 63.4, "nested_json_refused": refused,
            "nested_json_seconds": round(time.monotonic() - started, 4)}


def recovery() -> dict[str, Any]:
    """The SIGKILL and database-outage tests, run for their measured times."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                           "tests/test_recovery.py", "-k", "killed or outage"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    killed = re.search(r"recovered ([0-9.]+) s after the kill", done.stdout)
    outage = re.search(r"published ([0-9.]+) s after the outage began", done.stdout)
    return {"tests_passed": done.returncode == 0,
            "sigkill_to_published_seconds": float(killed.group(1)) if killed else None,
            "sigkill_target_seconds": 120,
            "outage_to_published_seconds": float(outage.group(1)) if outage else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-kill", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                                          f"{platform.python_version()}"}
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        (directory / "sqlite").mkdir()
        results["import_race_sqlite"] = race(f"sqlite:///{directory / 'sqlite' / 'race.db'}", args.rounds,
                                             directory / "sqlite")
        print("import race, SQLite:", results["import_race_sqlite"], "(target: neither 0, error 0)")
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        (directory / "pg").mkdir()
        with scratch_schema(admin, POSTGRES_URL, "bench_hardening") as url:
            results["import_race_postgresql"] = race(url, args.rounds, directory / "pg")
        admin.dispose()
        print("import race, PostgreSQL:", results["import_race_postgresql"], "(target: neither 0, error 0)")
        results["bodies"] = memory_under_bodies(directory)
        b = results["bodies"]
        print(f"web RSS: idle {b['idle_rss_mib']} MiB, peak {b['peak_rss_mib']} MiB under 4 x 200 MB bodies "
              f"(statuses {b['statuses']}; target: growth < 100 MiB)")
        results["files"] = hostile_files(directory)
        f = results["files"]
        print(f"wrong <dimension>: {f['wrong_dimension_teacher_rows']} of {f['teachers_in_file']} teachers read; "
              f"padded to XFD: {f['padded_sheet_seconds']} s (was {f['padded_sheet_seconds_before']} s); "
              f"nested JSON refused in {f['nested_json_seconds']} s")
    if not args.skip_kill:
        results["recovery"] = recovery()
        r = results["recovery"]
        print(f"SIGKILL mid-solve to published: {r['sigkill_to_published_seconds']} s (target < 120 s); "
              f"database outage to published: {r['outage_to_published_seconds']} s")
    out = ROOT / "bench" / "results" / "hardening.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
