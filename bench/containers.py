"""The compose stack for real, with Podman: images, start, a county through it, faults, teardown.

Every step runs against containers made from this repository on this host:

1. the local base image (`containers/base-image.sh`, only when missing), tongpan's
   image and the local PostgreSQL and Redis images (`containers/images.sh`);
2. the compose stack (`docker-compose.yml` with `containers/compose.local.yml`) under
   podman-compose, started in the compose file's own dependency order and waited on
   through the compose file's own healthchecks (`podman healthcheck run`: without
   systemd Podman runs no healthcheck by itself, and podman-compose before Podman 4.6
   ignores `service_healthy`);
3. a generated county imported through the `web` container, a county regeneration
   triggered over the admin API and followed to the end, with N `worker-solve`
   containers;
4. a feed fetched from the `web` container, then a 304 for it;
5. a second regeneration during which one solve worker is stopped (`podman stop`,
   graceful) and another killed (`podman kill`, SIGKILL) mid-solve; every job must
   still succeed and store at most one plan version each (none when the plan equals the published one);
6. teardown (containers, network and volumes; the images are kept as a cache).

Prints each step's seconds and writes bench/results/containers.json.

    .venv/bin/pip install -e '.[containers]'          # podman-compose
    .venv/bin/python bench/containers.py [--communities 6] [--workers 2] [--time-limit 10] [--no-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTAINERS = ROOT / "containers"
COMPOSE_FILES = [ROOT / "docker-compose.yml", CONTAINERS / "compose.local.yml"]
PROJECT = "tongpan-bench"
TONGPAN_IMAGE = "localhost/tongpan:latest"
RESULTS = ROOT / "bench" / "results" / "containers.json"
T = TypeVar("T")


class Failed(Exception):
    """A step did not do what it must; the message says what was seen."""


class Host:
    """Podman and podman-compose with the project's settings and this run's environment."""

    def __init__(self, env: dict[str, str], compose: str) -> None:
        self.env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS / "containers.conf"), **env}
        self.compose_cmd = [compose, "-p", PROJECT, *(a for f in COMPOSE_FILES for a in ("-f", str(f)))]

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(args, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise Failed(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result

    def podman(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run("podman", *args, check=check, timeout=timeout)

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(*self.compose_cmd, *args, check=check)

    def containers(self, service: str, all_states: bool = False) -> list[str]:
        """Names of the service's containers in this project."""
        out = self.podman("ps", *(["--all"] if all_states else []), "--filter", f"label=io.podman.compose.project={PROJECT}",
                          "--filter", f"label=io.podman.compose.service={service}", "--format", "{{.Names}}").stdout
        return sorted(out.split())

    def container(self, service: str) -> str:
        names = self.containers(service)
        if len(names) != 1:
            raise Failed(f"expected one running {service} container, found {names}")
        return names[0]

    def exec(self, service: str, *args: str) -> str:
        return self.podman("exec", self.container(service), *args).stdout

    def inspect(self, container: str, template: str) -> str:
        return self.podman("inspect", container, "--format", template).stdout.strip()


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 1.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(every)


class Steps:
    """Times each step, prints it as it ends, keeps the figures for the results file."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        print(f"-- {name} ...", flush=True)
        start = time.monotonic()
        yield
        self.seconds[name] = round(time.monotonic() - start, 1)
        print(f"   {name}: {self.seconds[name]} s", flush=True)


def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: s for name, s in services.items() if not s.get("profiles")}


def start_levels(services: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The services in the compose file's dependency order, those that may start together grouped."""
    levels: list[list[str]] = []
    placed: set[str] = set()
    while len(placed) < len(services):
        level = sorted(n for n, s in services.items() if n not in placed and set(s.get("depends_on", {})) <= placed)
        if not level:
            raise Failed(f"dependency cycle among {sorted(set(services) - placed)}")
        levels.append(level)
        placed.update(level)
    return levels


def required_conditions(services: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """For each service, the conditions its dependents wait for (service_healthy, ...)."""
    conditions: dict[str, set[str]] = {}
    for s in services.values():
        for dep, spec in s.get("depends_on", {}).items():
            conditions.setdefault(dep, set()).add(spec.get("condition", "service_started"))
    return conditions


def healthy(host: Host, container: str) -> bool:
    """Runs the container's compose healthcheck once (Podman keeps the status); too slow is unhealthy."""
    try:
        return host.podman("healthcheck", "run", container, check=False, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def wait_healthy(host: Host, container: str, interval: float, timeout: float = 300) -> None:
    """The healthcheck on the compose file's schedule: every `interval`, the first one `interval` after start,
    as Docker runs it (and as cheap: a worker's check imports the whole CLI)."""
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(interval)
        if healthy(host, container):
            return
        if time.monotonic() > deadline:
            raise Failed(f"{container} not healthy after {timeout:g} s")


def exited_cleanly(host: Host, container: str) -> None:
    code = host.podman("wait", container, timeout=300).stdout.strip()
    if code != "0":
        raise Failed(f"{container} exited {code}:\n{host.podman('logs', container).stderr[-3000:]}")


def start_stack(host: Host, workers: int) -> dict[str, float]:
    """podman-compose up, one dependency level at a time, each condition waited for as compose would.

    Returns the seconds each level took, until its containers were healthy or done."""
    services = compose_services()
    conditions = required_conditions(services)
    levels: dict[str, float] = {}
    for level in start_levels(services):
        begun = time.monotonic()
        host.compose("up", "-d", "--no-build", "--no-deps", "--scale", f"worker-solve={workers}", *level)
        waits: list[Callable[[], object]] = []
        for name in level:
            needed = conditions.get(name, set())
            for container in host.containers(name, all_states=True):
                if "service_completed_successfully" in needed:
                    waits.append(lambda c=container: exited_cleanly(host, c))
                if "service_healthy" in needed or ("healthcheck" in services[name] and not needed):
                    interval = _seconds(services[name]["healthcheck"].get("interval", "30s"))
                    waits.append(lambda c=container, i=interval: wait_healthy(host, c, i))
        with ThreadPoolExecutor(max(1, len(waits))) as pool:  # compose waits for them all at once too
            for done in [pool.submit(w) for w in waits]:
                done.result()
        levels[" ".join(level)] = round(time.monotonic() - begun, 1)
    for name in (n for n, s in services.items() if s.get("restart") != "no"):  # all but one-shots
        for container in host.containers(name):
            if host.inspect(container, "{{.State.Status}}") != "running":
                raise Failed(f"{container} is not running")
    return levels


def worker_ready_seconds(host: Host) -> dict[str, float]:
    """Seconds from each worker container's start to Celery's `ready.` line, the start-up itself."""
    seconds = {}
    for service in ("worker-solve", "worker-publish"):
        for container in host.containers(service):
            started = host.inspect(container, "{{.State.StartedAt}}")  # 2026-12-02 06:10:06.35 +0000 UTC
            began = datetime.strptime(started.split(".")[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
            logs = host.podman("logs", container, check=False)
            ready = re.search(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+: INFO/MainProcess\] \S+ ready\.",
                              logs.stdout + logs.stderr, re.M)
            if ready:
                at = datetime.strptime(ready[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
                seconds[container] = (at - began).total_seconds()
    return seconds


def follow(client: httpx.Client, job_ids: list[int], timeout: float) -> list[dict[str, Any]]:
    """Polls the admin API until every job has finished; returns the jobs."""
    def finished() -> list[dict[str, Any]] | None:
        jobs = [client.get(f"/api/jobs/{i}").raise_for_status().json() for i in job_ids]
        done = [j for j in jobs if j["state"] in ("succeeded", "failed", "cancelled")]
        return jobs if len(done) == len(jobs) else None

    return wait_for(f"{len(job_ids)} jobs to finish", finished, timeout, every=2)


def trigger_county(client: httpx.Client, term: str) -> list[int]:
    response = client.post(f"/api/terms/{term}/regenerate")
    if response.status_code != 202:
        raise Failed(f"county trigger answered {response.status_code}: {response.text}")
    return [t["job"]["id"] for t in response.json()["jobs"]]


def worker_containers(host: Host) -> dict[str, str]:
    """Container hostname → container name of every solve worker (Celery names end in @hostname)."""
    return {host.inspect(c, "{{.Config.Hostname}}"): c for c in host.containers("worker-solve")}


def psql(host: Host, sql: str) -> list[list[str]]:
    out = host.exec("postgres", "psql", "-U", "tongpan", "-d", "tongpan", "-At", "-F", "\t", "-c", sql)
    return [line.split("\t") for line in out.splitlines() if line]


def faults(host: Host, client: httpx.Client, term: str, timeout: float) -> dict[str, Any]:
    """Regenerate again; stop one solve worker and kill another while both solve; all jobs finish once."""
    versions_before = dict(psql(host, "select community_code, count(*) from plan_version group by 1"))
    job_ids = trigger_county(client, term)
    by_host = worker_containers(host)

    def two_solving() -> list[dict[str, Any]] | None:
        jobs = [client.get(f"/api/jobs/{i}").json() for i in job_ids]
        solving = {j["worker"].rsplit("@", 1)[1]: j for j in jobs
                   if j["state"] == "running" and j["phase"] == "solving" and j["worker"]}
        busy = [solving[h] for h in by_host if h in solving]
        return busy[:2] if len(busy) >= 2 else None

    stopped_job, killed_job = wait_for("two workers mid-solve", two_solving, 300, every=0.5)
    stopped = by_host[stopped_job["worker"].rsplit("@", 1)[1]]
    killed = by_host[killed_job["worker"].rsplit("@", 1)[1]]
    grace = int(_seconds(compose_services()["worker-solve"]["stop_grace_period"]))
    stop_result: dict[str, Any] = {}

    def stop() -> None:
        begun = time.monotonic()
        host.podman("stop", "-t", str(grace), stopped, timeout=grace + 30)
        stop_result["seconds"] = round(time.monotonic() - begun, 1)
        stop_result["exit_code"] = host.inspect(stopped, "{{.State.ExitCode}}")

    stopping = threading.Thread(target=stop)
    stopping.start()
    host.podman("kill", killed)
    killed_at = time.monotonic()
    stopping.join()
    # Bring both back as an operator would (`podman-compose up -d`); Podman may already have
    # restarted the killed one under `restart: unless-stopped`.
    restarted_by_podman = host.inspect(killed, "{{.State.Status}}") == "running"
    for name in (stopped, killed):
        if host.inspect(name, "{{.State.Status}}") != "running":
            host.podman("start", name)
    jobs = follow(client, job_ids, timeout)
    finished = time.monotonic()
    versions_after = dict(psql(host, "select community_code, count(*) from plan_version group by 1"))
    new_versions = {c: int(versions_after.get(c, 0)) - int(versions_before.get(c, 0)) for c in versions_after}
    published = psql(host, "select p.community_code, v.stats->>'job' from published_plan p "
                           "join plan_version v on v.id = p.plan_version_id")
    by_id = {j["id"]: j for j in jobs}
    outcome = {
        "jobs": len(jobs),
        "succeeded": sum(j["state"] == "succeeded" for j in jobs),
        "new_plan_versions_per_community": sorted(set(new_versions.values())),
        "published_from_this_round": sum(int(job or 0) in by_id for _, job in published),
        "stopped": {"container": stopped, "hostname": host.inspect(stopped, "{{.Config.Hostname}}"), "job": stopped_job["id"], "stop_seconds": stop_result.get("seconds"),
                    "exit_code": stop_result.get("exit_code"), "job_attempts": by_id[stopped_job["id"]]["attempts"],
                    "job_state": by_id[stopped_job["id"]]["state"], "job_worker": by_id[stopped_job["id"]]["worker"]},
        "killed": {"container": killed, "hostname": host.inspect(killed, "{{.Config.Hostname}}"), "job": killed_job["id"], "restarted_by_podman": restarted_by_podman,
                   "job_attempts": by_id[killed_job["id"]]["attempts"], "job_state": by_id[killed_job["id"]]["state"],
                   "job_worker": by_id[killed_job["id"]]["worker"],
                   "seconds_from_kill_to_all_done": round(finished - killed_at, 1)},
    }
    if outcome["succeeded"] != len(jobs):
        bad = [(j["community"], j["state"], j["message"]) for j in jobs if j["state"] != "succeeded"]
        raise Failed(f"after the faults not every job succeeded: {bad}")
    # A regeneration whose plan equals the published one stores none (and publishes nothing new).
    stored = sum(new_versions.values())
    if not set(new_versions.values()) <= {0, 1} or outcome["published_from_this_round"] != stored:
        raise Failed(f"a job stored or published more than once, or stored without publishing: {outcome}")
    return outcome


def _seconds(duration: str) -> float:
    """Compose durations: 60s, 1m30s."""
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([smh])", duration))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tracebacks(host: Host) -> dict[str, int]:
    """Python tracebacks in each container's log (a worker's or web's crash shows up here).

    The first one of each container is printed, since teardown removes the logs."""
    label = f"label=io.podman.compose.project={PROJECT}"
    names = host.podman("ps", "--all", "--filter", label, "--format", "{{.Names}}").stdout.split()
    counts = {}
    for name in names:
        logs = host.podman("logs", name, check=False)
        text = logs.stdout + logs.stderr
        counts[name] = text.count("Traceback (most recent call last)")
        if counts[name]:
            at = text.index("Traceback (most recent call last)")
            print(f"   {name}:\n{text[max(0, at - 300):at + 3000]}", file=sys.stderr)
    return counts


def teardown(host: Host) -> None:
    """podman-compose down -v, then whatever of the project is left (scaled replicas, volumes)."""
    host.compose("down", "-v", "-t", "5", check=False)
    label = f"label=io.podman.compose.project={PROJECT}"
    leftovers = host.podman("ps", "--all", "--filter", label, "--format", "{{.Names}}", check=False).stdout.split()
    if leftovers:
        host.podman("rm", "-f", "-t", "5", *leftovers, check=False)
    volumes = host.podman("volume", "ls", "--filter", label, "--format", "{{.Name}}", check=False).stdout.split()
    if volumes:
        host.podman("volume", "rm", "-f", *volumes, check=False)
    host.podman("network", "rm", "-f", f"{PROJECT}_default", check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2, help="worker-solve containers")
    parser.add_argument("--time-limit", type=int, default=10, help="solver seconds per community")
    parser.add_argument("--no-cache", action="store_true", help="build tongpan's image without Podman's layer cache")
    parser.add_argument("--keep", action="store_true", help="leave the stack running at the end")
    args = parser.parse_args()
    for tool in ("podman", "debootstrap"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: apt-get install -y podman runc debootstrap", file=sys.stderr)
            return 2
    # podman-compose beside this Python (the venv's extra) or on PATH.
    compose = shutil.which("podman-compose", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if compose is None:
        print("podman-compose is missing: .venv/bin/pip install -e '.[containers]'", file=sys.stderr)
        return 2
    port = free_port()
    host = Host({"TONGPAN_WEB_PORT": str(port), "TONGPAN_PUBLIC_URL": f"http://127.0.0.1:{port}",
                 "TONGPAN_SOLVER_TIME_LIMIT": str(args.time_limit), "TONGPAN_SOLVER_WORKERS": "1",
                 # A SIGKILLed worker's message comes back after this; short, so the run stays short.
                 "TONGPAN_BROKER_VISIBILITY_TIMEOUT": "45"}, compose)
    steps = Steps()
    results: dict[str, Any] = {"host": {"machine": platform.machine(), "cpus": os.cpu_count(),
                                        "podman": host.podman("--version").stdout.strip(),
                                        "load_average_at_start": round(os.getloadavg()[0], 1)},
                               "communities": args.communities, "solve_workers": args.workers,
                               "solver_time_limit": args.time_limit}
    teardown(host)
    try:
        with steps("base image"):
            host.run(str(CONTAINERS / "images.sh"), "base")
        with steps("tongpan image"):
            host.run("env", f"NO_CACHE={int(args.no_cache)}", str(CONTAINERS / "images.sh"), "tongpan", timeout=1800)
        results["tongpan_image_bytes"] = int(host.podman("image", "inspect", TONGPAN_IMAGE, "--format",
                                                         "{{.Size}}").stdout)
        results["tongpan_image_build_cached"] = not args.no_cache
        with steps("postgres and redis images"):
            host.run(str(CONTAINERS / "images.sh"), "postgres", "redis", timeout=1800)
        with steps("stack start"):
            results["stack_start_levels"] = start_stack(host, args.workers)
        results["worker_ready_seconds"] = worker_ready_seconds(host)
        print(f"   by level: {results['stack_start_levels']}; workers ready after {results['worker_ready_seconds']}")
        print("   containers: " + " ".join(host.podman("ps", "--filter", f"label=io.podman.compose.project={PROJECT}",
                                                       "--format", "{{.Names}}").stdout.split()))
        with steps("county import"):
            host.exec("web", "tongpan", "generate", "county", "--communities", str(args.communities),
                      "--seed", "1", "--out", "/data/county.json")
            county = json.loads(host.exec("web", "cat", "/data/county.json"))
            host.exec("web", "tongpan", "import", "/data/county.json")
        term = county["terms"][0]["code"]
        token = host.exec("web", "tongpan", "admin", "token", "create", "--county").strip()
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                              timeout=30)
        with steps("county regeneration"):
            jobs = follow(client, trigger_county(client, term), timeout=60 * args.communities * args.time_limit)
        results["county_jobs"] = {state: sum(j["state"] == state for j in jobs) for state in {j["state"] for j in jobs}}
        results["county_workers_seen"] = len({j["worker"] for j in jobs})
        print(f"   jobs: {results['county_jobs']}, on {results['county_workers_seen']} worker processes")
        if results["county_jobs"] != {"succeeded": len(jobs)}:
            raise Failed(f"not every job succeeded: {[(j['community'], j['message']) for j in jobs]}")
        with steps("feed and 304"):
            community = county["communities"][0]["code"]
            feeds = json.loads(host.exec("web", "tongpan", "feeds", "list", "--community", community, "--json"))
            url = next(f["https"] for f in feeds if f["kind"] == "teacher")
            first = httpx.get(url, timeout=30)
            again = httpx.get(url, headers={"If-None-Match": first.headers.get("etag", "")}, timeout=30)
            results["feed"] = {"status": first.status_code, "bytes": len(first.content),
                               "etag": first.headers.get("etag"), "revalidated_status": again.status_code}
            if (first.status_code, again.status_code) != (200, 304) or not first.content.startswith(b"BEGIN:VCALENDAR"):
                raise Failed(f"feed answers {first.status_code} then {again.status_code}")
        print(f"   feed: {results['feed']}")
        with steps("faults"):
            results["faults"] = faults(host, client, term, timeout=60 * args.communities * args.time_limit)
        print(f"   faults: {json.dumps(results['faults'], ensure_ascii=False)}")
        results["tracebacks"] = tracebacks(host)
        if any(results["tracebacks"].values()):
            raise Failed(f"tracebacks in the container logs: {results['tracebacks']}")
        results["ok"] = True
    except Failed as failure:
        results["ok"] = False
        results["failure"] = str(failure)
        print(f"FAILED: {failure}", file=sys.stderr)
    finally:
        if not args.keep:
            with steps("teardown"):
                teardown(host)
        results["seconds"] = steps.seconds
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
