"""Feed benchmark: publish a 40-community county's feeds, then serve them beside nginx.

Prints and writes to bench/results/feeds.json:
- seconds to publish every feed of the county (target <= 60 s), and to republish
  it unchanged (which must change no feed);
- the largest feed of each kind, published as of the term's first week so every
  window holds the whole term, and that none passes the size limit (1 MB; the
  run exits non-zero if one does), and how many windows the limit cut short;
- requests/s and p99 latency of `tongpan serve` (one Granian worker, or
  `--server uvicorn`) over loopback for 304 revalidations, 200 gzip and 200
  identity, each beside one nginx worker serving the same bytes as static files
  in the same run, as a ratio (targets: >= 0.5 for 304 and 200 gzip, p99 < 20 ms).
  Requests rotate over many teachers' feeds, as a county's clients do.

Plans come from a fast deterministic construction (bench/feed_plans.py), not
the solver, which takes minutes per community; the output says so. Needs `wrk`
and `nginx` on PATH (`apt-get install -y wrk nginx`); nginx runs on loopback
with its own configuration in a temporary directory.

    .venv/bin/python bench/feeds.py [--communities 40] [--seed 1] [--duration 10] [--connections 16]
                                    [--server granian|uvicorn]
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
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from email.message import Message
from zoneinfo import ZoneInfo
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import func, select  # noqa: E402

from calendars.config import FeedConfig  # noqa: E402
from calendars.models import Feed  # noqa: E402
from calendars.publish import publish  # noqa: E402
from calendars.tokens import community_addresses  # noqa: E402
from feed_plans import construct_plan  # noqa: E402
from scheduler.dataset.schema import Dataset  # noqa: E402
from scheduler.dataset.store import StoredDataset, apply, load_stored  # noqa: E402
from scheduler.db import make_engine, transaction, upgrade  # noqa: E402
from scheduler.generate import generate_county  # noqa: E402
from scheduler.plans import store_plan  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "feeds.json"
TERM = "2026-1"
TARGETS = {"publish_seconds": 60.0, "largest_teacher_feed_kb": 300.0, "rps_304": 1000.0, "rps_200": 300.0,
           "p99_200_ms": 50.0, "largest_feed_bytes": 1_000_000, "ratio_304": 0.5, "ratio_200_gzip": 0.5,
           "p99_ms": 20.0}

LUA = """
local paths = {%(paths)s}
local tags = {%(tags)s}
local encoding = "%(encoding)s"
local i = 0
request = function()
  i = i %% #paths + 1
  local headers = {["Accept-Encoding"] = encoding}
  if tags[i] ~= "" then headers["If-None-Match"] = tags[i] end
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"errors":%%d,"bytes":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout, summary.bytes))
end
"""

NGINX_CONF = """
worker_processes 1;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 1024; }
http {
  access_log %(dir)s/access.log;
  client_body_temp_path %(dir)s/tmp; proxy_temp_path %(dir)s/tmp; fastcgi_temp_path %(dir)s/tmp;
  uwsgi_temp_path %(dir)s/tmp; scgi_temp_path %(dir)s/tmp;
  types { text/calendar ics; }
  charset utf-8; charset_types text/calendar;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  gzip_static on; gzip_vary on;
  server {
    listen 127.0.0.1:%(port)d;
    root %(dir)s/root;
    location /feeds/ { add_header Cache-Control "private, max-age=300"; }
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def fetch(url: str, headers: dict[str, str]) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body; a 304 arrives as an HTTPError."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, b""


def setup_county(url: str, communities: int, seed: int) -> tuple[Any, StoredDataset, dict[str, float]]:
    engine = make_engine(url)
    upgrade(engine)
    ds = Dataset.model_validate(generate_county(communities, seed))
    timings = {}
    started = time.perf_counter()
    with transaction(engine) as session:
        apply(session, ds, "generated")
    timings["import_seconds"] = time.perf_counter() - started
    with transaction(engine) as session:
        stored = load_stored(session)
    assert stored is not None
    started = time.perf_counter()
    with transaction(engine) as session:
        for community in ds.communities:
            store_plan(session, community.code, TERM, construct_plan(ds, community.code),
                       dataset_revision=stored.revision)
    timings["plan_construction_seconds"] = time.perf_counter() - started
    return engine, stored, timings


def publish_all(engine: Any, ds: StoredDataset, config: FeedConfig, now: datetime) -> tuple[float, int, int]:
    """Seconds to publish every community (one transaction each) at `now`, feeds changed, occurrences."""
    started = time.perf_counter()
    changed = occurrences = 0
    for community in ds.dataset.communities:
        with transaction(engine) as session:
            result = publish(session, community.code, TERM, config=config, dataset=ds, now=now)
        changed += result.feeds_changed
        occurrences += result.occurrences
    return time.perf_counter() - started, changed, occurrences


def feed_sizes(engine: Any) -> dict[str, Any]:
    with transaction(engine) as session:
        rows = session.execute(select(Feed.kind, Feed.code, func.length(Feed.body), func.length(Feed.body_gzip),
                                      Feed.window_end)).all()
    largest: dict[str, Any] = {"any_bytes": max(r[2] for r in rows),
                               "over_limit": sum(r[2] > TARGETS["largest_feed_bytes"] for r in rows),
                               "windows_cut": {k: sum(r.kind == k and r.window_end is not None for r in rows)
                                               for k in ("teacher", "class", "campus", "community")}}
    for kind in ("teacher", "class", "campus", "community"):
        of_kind = [r for r in rows if r.kind == kind]
        top = max(of_kind, key=lambda r: r[2])
        largest[kind] = {"code": top.code, "kb": round(top[2] / 1000, 1), "gzip_kb": round(top[3] / 1000, 1),
                         "feeds": len(of_kind)}
    return {"largest": largest, "total_mb": round(sum(r[2] for r in rows) / 1e6, 1),
            "total_gzip_mb": round(sum(r[3] for r in rows) / 1e6, 1)}


@dataclass
class Sample:
    paths: list[str]
    tags: dict[str, list[str]]  # mode -> If-None-Match per path ("" for none)


def wrk(base: str, sample: Sample, mode: str, encoding: str, duration: int, connections: int,
        workdir: Path) -> dict[str, float]:
    script = workdir / f"{mode}-{encoding}.lua"
    quote = lambda items: ",".join(json.dumps(i) for i in items)  # noqa: E731
    script.write_text(LUA % {"paths": quote(sample.paths), "tags": quote(sample.tags[mode]), "encoding": encoding})
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    return {"rps": round(stats["requests"] / (stats["duration_us"] / 1e6), 1), "p50_ms": stats["p50_us"] / 1000,
            "p99_ms": stats["p99_us"] / 1000, "errors": stats["errors"],
            "mb_per_s": round(stats["bytes"] / (stats["duration_us"] / 1e6) / 1e6, 1)}


def prepare(base: str, paths: list[str]) -> Sample:
    """Check every path answers as the mode expects, and collect the tags revalidation sends."""
    tags: dict[str, list[str]] = {"200": ["" for _ in paths], "304": []}
    for path in paths:
        for encoding in ("gzip", "identity"):
            status, headers, _ = fetch(base + path, {"Accept-Encoding": encoding})
            assert status == 200, (base, path, status)
        status, headers, _ = fetch(base + path, {"Accept-Encoding": "gzip"})
        tag = headers["ETag"]
        assert fetch(base + path, {"Accept-Encoding": "gzip", "If-None-Match": tag})[0] == 304
        tags["304"].append(tag)
    return Sample(paths, tags)


def serve_tongpan(url: str, port: int, workdir: Path, server: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TONGPAN_DATABASE_URL": url, "TONGPAN_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    log = open(workdir / "tongpan-serve.log", "wb")  # noqa: SIM115 (lives as long as the server)
    return subprocess.Popen([str(Path(sys.executable).parent / "tongpan"), "serve", "--port", str(port),
                             "--server", server], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)


def serve_nginx(engine: Any, tokens: list[str], port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """nginx on loopback with the very same bytes as static files (and their stored gzip for gzip_static)."""
    directory = workdir / "nginx"
    (directory / "root" / "feeds").mkdir(parents=True)
    (directory / "tmp").mkdir()
    workdir.chmod(0o711)  # nginx's workers run unprivileged: let them through the private temp dir
    from calendars.tokens import token_hash

    with transaction(engine) as session:
        for token in tokens:
            body, zipped = session.execute(select(Feed.body, Feed.body_gzip)
                                           .where(Feed.token_hash == token_hash(token))).one()
            (directory / "root" / "feeds" / f"{token}.ics").write_bytes(body)
            (directory / "root" / "feeds" / f"{token}.ics.gz").write_bytes(zipped)
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF % {"dir": directory, "port": port})
    return subprocess.Popen([shutil.which("nginx") or "nginx", "-c", str(conf), "-p", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--feeds", type=int, default=200, help="teacher feeds the requests rotate over")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--server", default="granian", choices=("granian", "uvicorn"),
                        help="the HTTP server under tongpan serve (one worker process either way)")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install -y wrk nginx")

    with tempfile.TemporaryDirectory(prefix="tongpan-bench-feeds-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'tongpan.db'}"
        config = FeedConfig(secret="bench-secret")
        os.environ["TONGPAN_FEED_SECRET"] = config.secret or ""
        print(f"generating and importing a county of {args.communities} communities (seed {args.seed}) …")
        engine, ds, timings = setup_county(url, args.communities, args.seed)
        print("plans: a fast deterministic construction (bench/feed_plans.py), not the solver — "
              f"{timings['plan_construction_seconds']:.1f} s for {len(ds.dataset.communities)} communities")
        # Published as on the Monday of the term's first week, so every feed's window is the whole term:
        # the largest feeds there can be, which is what the size limit is about.
        term = next(t for t in ds.dataset.terms if t.code == TERM)
        first_monday = term.start - timedelta(days=term.start.weekday())
        as_of = datetime.combine(first_monday, dtime(8), tzinfo=ZoneInfo(ds.dataset.county.timezone))
        seconds, changed, occurrences = publish_all(engine, ds, config, as_of)
        print(f"published {changed} feeds ({occurrences:,} dated events) in {seconds:.1f} s")
        again, unchanged_changes, _ = publish_all(engine, ds, config, as_of)
        print(f"republished the same plans in {again:.1f} s: {unchanged_changes} feeds changed")
        sizes = feed_sizes(engine)

        with transaction(engine) as session:
            teachers = [a for c in ds.dataset.communities for a in community_addresses(session, c.code, config)
                        if a.kind == "teacher"]
        step = max(1, len(teachers) // args.feeds)
        largest = sizes["largest"]["teacher"]["code"]
        chosen = [a.token for i, a in enumerate(teachers) if i % step == 0 or a.code == largest][: args.feeds + 1]
        paths = [f"/feeds/{t}.ics" for t in chosen]

        port_app, port_nginx = free_port(), free_port()
        app = serve_tongpan(url, port_app, workdir, args.server)
        nginx = serve_nginx(engine, chosen, port_nginx, workdir)
        serving: dict[str, Any] = {}
        try:
            bases = {"tongpan": f"http://127.0.0.1:{port_app}", "nginx": f"http://127.0.0.1:{port_nginx}"}
            wait_for(bases["tongpan"] + "/healthz", 120)  # a loaded machine starts the app slowly
            wait_for(bases["nginx"] + paths[0])
            samples = {name: prepare(base, paths) for name, base in bases.items()}
            for name, base in bases.items():  # warm caches (and the server's first requests) before measuring
                wrk(base, samples[name], "200", "gzip", 2, args.connections, workdir)
            for label, mode, encoding in (("304", "304", "gzip"), ("200 gzip", "200", "gzip"),
                                          ("200 identity", "200", "identity")):
                row = {name: wrk(base, samples[name], mode, encoding, args.duration, args.connections, workdir)
                       for name, base in bases.items()}
                row["rps_ratio"] = round(row["tongpan"]["rps"] / row["nginx"]["rps"], 3)
                serving[label] = row
        finally:
            stop(app)
            stop(nginx)

    publish_ok = seconds <= TARGETS["publish_seconds"]
    teacher_kb = sizes["largest"]["teacher"]["kb"]
    results = {
        "communities": args.communities, "seed": args.seed, "term": TERM,
        "plans": "fast deterministic construction (bench/feed_plans.py), not the solver",
        "database": "sqlite" if url.startswith("sqlite") else url.split(":", 1)[0],
        "published_as_of": as_of.isoformat(),
        "publish_seconds": round(seconds, 2), "feeds_published": changed, "dated_events": occurrences,
        "republish_unchanged_seconds": round(again, 2), "republish_feeds_changed": unchanged_changes,
        **{k: round(v, 2) for k, v in timings.items()},
        "sizes": sizes, "serving": serving,
        "wrk": {"threads": 1, "connections": args.connections, "duration_s": args.duration,
                "feeds_rotated": len(paths), "server": args.server, "server_workers": 1, "nginx_workers": 1},
        "targets": TARGETS,
        "met": {
            "publish_seconds": publish_ok,
            "largest_teacher_feed_kb": teacher_kb <= TARGETS["largest_teacher_feed_kb"],
            "rps_304": serving["304"]["tongpan"]["rps"] >= TARGETS["rps_304"],
            "rps_200": serving["200 gzip"]["tongpan"]["rps"] >= TARGETS["rps_200"],
            "p99_200_ms": serving["200 gzip"]["tongpan"]["p99_ms"] <= TARGETS["p99_200_ms"],
            "largest_feed_bytes": sizes["largest"]["any_bytes"] <= TARGETS["largest_feed_bytes"],
            "ratio_304": serving["304"]["rps_ratio"] >= TARGETS["ratio_304"],
            "ratio_200_gzip": serving["200 gzip"]["rps_ratio"] >= TARGETS["ratio_200_gzip"],
            "p99_ms": all(row["tongpan"]["p99_ms"] < TARGETS["p99_ms"] for row in serving.values()),
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print()
    print(f"{'measure':34} {'tongpan':>12} {'target':>10} {'nginx':>12} {'ratio':>7}")
    print(f"{'publish every feed (s)':34} {seconds:12.1f} {'<= 60':>10}")
    print(f"{'largest teacher feed (KB)':34} {teacher_kb:12.1f} {'<= 300':>10}")
    print(f"{'largest feed of any kind (bytes)':34} {sizes['largest']['any_bytes']:12,} {'<= 1 MB':>10}")
    print(f"{'feeds over the limit':34} {sizes['largest']['over_limit']:12} {'0':>10}")
    print(f"{'windows cut short (by kind)':34} {sizes['largest']['windows_cut']}")
    targets = {"304": "ratio>=0.5", "200 gzip": "ratio>=0.5", "200 identity": ""}
    for label, row in serving.items():
        print(f"{label + ' requests/s':34} {row['tongpan']['rps']:12.0f} {targets[label]:>10} "
              f"{row['nginx']['rps']:12.0f} {row['rps_ratio']:7.2f}")
        print(f"{label + ' p99 (ms)':34} {row['tongpan']['p99_ms']:12.1f} {'< 20':>10} {row['nginx']['p99_ms']:12.1f}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}; targets met: "
          + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in results["met"].items()))
    # The test: no feed of the county passes the size limit (with the whole term ahead).
    if sizes["largest"]["over_limit"]:
        sys.exit(f"{sizes['largest']['over_limit']} feeds are larger than {TARGETS['largest_feed_bytes']:,} bytes")


if __name__ == "__main__":
    main()
