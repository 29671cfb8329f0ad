"""The policy report for the generated 40-community county over a school year (both terms).

Target (issue 15): under 30 s for the report, from the database to every figure
(wall clock; the CPU time is printed too, since the machine is shared). Also times the workbook and the PDF. Figures go to bench/results/report.json.

    nice -n 10 .venv/bin/python bench/report.py [--communities 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from policy_county import policy_county, published_county  # noqa: E402
from scheduler.db import make_engine, transaction  # noqa: E402
from scheduler.report import build_report, report_input  # noqa: E402
from scheduler.report.pdf import report_pdf  # noqa: E402
from scheduler.report.xlsx import report_workbook  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "report.json"
TARGET_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    document = policy_county(args.communities, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'tongpan.db'}"
        setup = published_county(url, document, Path(tmp))
        engine = make_engine(url)
        started, cpu = time.perf_counter(), time.process_time()
        with transaction(engine) as session:
            inp = report_input(session, year=2026)
        loaded = time.perf_counter() - started
        report = build_report(inp)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        workbook = report_workbook(report)
        xlsx_seconds = time.perf_counter() - started
        started = time.perf_counter()
        pdf = report_pdf(report)
        pdf_seconds = time.perf_counter() - started
        engine.dispose()
    occurrences = sum(len(p.occurrences) for p in inp.plans)
    figures = {
        "communities": len(document["communities"]), "teachers": len(document["teachers"]),
        "classes": len(document["classes"]), "terms": list(inp.terms), "school_weeks": inp.weeks,
        "dated_occurrences": occurrences,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        "setup_seconds": round(setup, 1),
        "load_seconds": round(loaded, 2), "report_seconds": round(seconds, 2),
        "report_cpu_seconds": round(cpu, 2), "target_seconds": TARGET_SECONDS,
        "met": seconds < TARGET_SECONDS,
        "xlsx_seconds": round(xlsx_seconds, 2), "xlsx_bytes": len(workbook),
        "pdf_seconds": round(pdf_seconds, 2), "pdf_bytes": len(pdf),
        "targets": len(report.targets), "targets_missed": len(report.missed),
        "travelling_teachers": len({r.teacher for r in report.travel}),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"报告（{figures['school_weeks']} 个教学周，{occurrences} 个日程）用时 {seconds:.1f} 秒，目标 < {TARGET_SECONDS:.0f} 秒："
          f"{'达标' if figures['met'] else '未达标'}")
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
