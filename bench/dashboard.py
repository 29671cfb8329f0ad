"""How fast the web workplace answers for the largest generated community (L: 8 campuses, ~150 classes).

    .venv/bin/python bench/dashboard.py [--rounds 10]

Imports the L profile into a fresh SQLite database, publishes a constructed
plan and stores a second version (bench/dashboard_site.py), starts `tongpan
serve`, signs in and requests every page `--rounds` times over loopback after
one warm-up request. Prints each page's median and slowest time against the
300 ms target and writes bench/results/dashboard.json. PDF downloads are timed
too, reported apart (a campus's file is a page per class).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from dashboard_site import ROOT, TERM, build, serving, travelling_teacher

from scheduler.generate import generate_community_dataset  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "dashboard.json"
TARGET_MS = 300


def sign_in(client: httpx.Client, token: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    response = client.post("/login", data={"token": token, "next": "/", "csrf": csrf.group(1)})
    assert response.status_code == 200 and "教共体总览" in response.text, response.status_code


def timed(client: httpx.Client, path: str, rounds: int) -> dict[str, Any]:
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return {"path": path, "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "bytes": len(first.content)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tongpan-dashboard-") as folder:
        workdir = Path(folder)
        url = f"sqlite:///{workdir / 'tongpan.db'}"
        started = time.perf_counter()
        ds, token = build(url, generate_community_dataset("L", args.seed))
        setup = time.perf_counter() - started
        community = ds.communities[0].code
        campuses = [c for s in ds.schools for c in s.campuses]
        biggest = max(campuses, key=lambda c: sum(1 for k in ds.classes if k.campus == c.code))
        cls = next(k for k in ds.classes if k.campus == biggest.code)
        teacher = travelling_teacher(ds, community, url)
        school = ds.communities[0].core_school
        c, t = f"/communities/{community}", f"/communities/{community}/terms/{TERM}"
        pages = {
            "overview": "/", "community": c, "versions": f"{t}/versions", "diff (published vs latest)": f"{t}/diff",
            "class grid": f"{t}/classes/{cls.code}", "teacher grid (travelling)": f"{t}/teachers/{teacher}",
            "campus 总课表 (largest campus)": f"{t}/campuses/{biggest.code}", "feeds": f"{c}/feeds",
            "QR sheet (core school)": f"{c}/feeds/sheet?school={school}", "jobs": "/jobs", "data": "/data",
        }
        downloads = {"class PDF": f"{t}/classes/{cls.code}.pdf", "teacher PDF": f"{t}/teachers/{teacher}.pdf",
                     "campus PDF (a page per class)": f"{t}/campuses/{biggest.code}.pdf"}
        with serving(url, workdir) as base, httpx.Client(base_url=base, follow_redirects=True, timeout=60) as client:
            sign_in(client, token)
            results = {name: timed(client, path, args.rounds) for name, path in pages.items()}
            pdfs = {name: timed(client, path, max(args.rounds // 3, 2)) for name, path in downloads.items()}
    classes, teachers = len(ds.classes), len(ds.teachers)
    print(f"L community {community}: {classes} classes, {teachers} teachers, {len(campuses)} campuses "
          f"(set-up {setup:.1f} s); {args.rounds} requests per page after a warm-up")
    print(f"{'page':34} {'median':>9} {'slowest':>9}  target < {TARGET_MS} ms")
    for name, r in results.items():
        verdict = "met" if r["max_ms"] < TARGET_MS else "NOT met"
        print(f"{name:34} {r['median_ms']:7.1f}ms {r['max_ms']:7.1f}ms  {verdict}")
    print("downloads (not pages):")
    for name, r in pdfs.items():
        print(f"{name:34} {r['median_ms']:7.1f}ms {r['max_ms']:7.1f}ms  {r['bytes'] / 1024:.0f} KiB")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"community": community, "classes": classes, "teachers": teachers,
                                   "campuses": len(campuses), "rounds": args.rounds, "target_ms": TARGET_MS,
                                   "pages": results, "downloads": pdfs,
                                   "all_pages_met": all(r["max_ms"] < TARGET_MS for r in results.values())},
                                  ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
