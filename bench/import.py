"""Import a generated county into SQLite and PostgreSQL; print seconds and peak memory of each.

Each import runs in a fresh child process so its peak RSS is the import's own.
Target (issue 2): under 30 s each for 40 communities (about 5,000 teachers and
2,000 classes). Figures go to bench/results/import.json.

    .venv/bin/python bench/import.py [--communities 40] [--seed 1] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "import.json"
POSTGRES = os.environ.get("TONGPAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_SECONDS = 30.0
GENERATE_TARGET_SECONDS = 5.0  # generating the 40-community county (a timed test once; benchmarks time things)


def child(url: str, dataset: str) -> None:
    """Runs in the child: upgrade, import twice (fresh, then unchanged), print timings as JSON."""
    from scheduler.dataset.load import import_file
    from scheduler.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    result = import_file(engine, Path(dataset))
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = import_file(engine, Path(dataset))
    second = time.perf_counter() - started
    print(json.dumps({
        "import_seconds": round(first, 2),
        "reimport_unchanged_seconds": round(second, 2),
        "entries_added": sum(len(c.added) for c in result.changes.values()),
        "reimport_changes": sum(len(c.added) + len(c.changed) + len(c.removed) for c in again.changes.values()),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


def run_child(url: str, dataset: Path) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, "--child", url, str(dataset)], check=True,
                            capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from scheduler.generate import generate_county

    started = time.perf_counter()
    document = generate_county(args.communities, args.seed)
    generate_seconds = round(time.perf_counter() - started, 2)
    figures: dict[str, object] = {
        "communities": args.communities, "generate_seconds": generate_seconds,
        "generate_target_seconds": GENERATE_TARGET_SECONDS, "teachers": len(document["teachers"]),
        "classes": len(document["classes"]), "staffing": len(document["staffing"]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "target_seconds": TARGET_SECONDS,
    }
    print(f"county: {args.communities} communities, {figures['teachers']} teachers, "
          f"{figures['classes']} classes, generated in {generate_seconds:.2f} s (target < {GENERATE_TARGET_SECONDS} s)")
    with tempfile.TemporaryDirectory() as directory:
        dataset = Path(directory) / "county.json"
        dataset.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        runs = {"sqlite": f"sqlite:///{Path(directory) / 'bench.db'}"}
        with ExitStack() as cleanup:
            if not args.skip_postgres:
                from sqlalchemy import create_engine

                from scheduler.db import scratch_schema

                admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
                cleanup.callback(admin.dispose)
                runs["postgresql"] = cleanup.enter_context(scratch_schema(admin, POSTGRES, "bench"))
            for name, url in runs.items():
                result = run_child(url, dataset)
                figures[name] = result
                verdict = "ok" if result["import_seconds"] < TARGET_SECONDS else "OVER TARGET"
                print(f"{name:11} import {result['import_seconds']:6.2f} s  "
                      f"re-import unchanged {result['reimport_unchanged_seconds']:6.2f} s  "
                      f"peak {result['peak_rss_mib']:7.1f} MiB  ({verdict}, target < {TARGET_SECONDS:.0f} s)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2], sys.argv[3])
    else:
        main()
