"""docker-compose.yml and the Dockerfile, checked without Docker, then run as plain processes.

Docker does not run here, so the file is read with PyYAML: every command of a
tongpan service (and every healthcheck that calls tongpan) must parse as a
command of the real CLI, every tongpan service must get the same database and
broker, and the smoke test starts those same commands as processes against
real PostgreSQL and Redis and regenerates a plan through them.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import typer.core
import typer.main
import yaml

from jobs_support import TERM, Processes, free_port, redis_server, small_community, wait_for
from tasks.config import SOFT_SHUTDOWN_SECONDS
from tongpan.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
TONGPAN_SERVICES = sorted(name for name, s in SERVICES.items() if "build" in s)
SHARED = ("TONGPAN_DATABASE_URL", "TONGPAN_BROKER_URL", "TONGPAN_PUBLIC_URL", "TONGPAN_SOLVER_TIME_LIMIT",
          "TONGPAN_BROKER_VISIBILITY_TIMEOUT")


def resolve(args: list[str]) -> str:
    """The command path `tongpan ARGS` runs, with its options parsed; raises on anything unknown."""
    command: Any = typer.main.get_command(app)
    context = command.make_context("tongpan", list(args))
    while isinstance(command, typer.core.TyperGroup):
        name, command, rest = command.resolve_command(context, [*context._protected_args, *context.args])
        context = command.make_context(name, rest, parent=context)
    return str(context.command_path)


def seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([smh])", duration))


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR:-default} substitution."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: env.get(m[1]) or (m[2] or ""), value)


def test_the_stack_has_every_service_in_order() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker-solve", "worker-publish", "beat",
                             "flower"}
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker-solve", "worker-publish", "beat"):
        assert SERVICES[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"},
                                                "postgres": {"condition": "service_healthy"},
                                                "redis": {"condition": "service_healthy"}}, name
    for name in ("postgres", "redis", "web", "worker-solve", "worker-publish"):
        assert SERVICES[name]["healthcheck"]["test"][0] == "CMD", name
    assert SERVICES["flower"]["profiles"] == ["monitor"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert "--appendonly" in SERVICES["redis"]["command"]


def test_every_tongpan_command_is_a_real_cli_command() -> None:
    commands = {name: resolve(SERVICES[name]["command"]) for name in TONGPAN_SERVICES}
    assert commands == {"migrate": "tongpan db upgrade", "web": "tongpan serve", "worker-solve": "tongpan worker",
                        "worker-publish": "tongpan worker", "beat": "tongpan beat"}
    for name in TONGPAN_SERVICES:
        test = SERVICES[name].get("healthcheck", {}).get("test", [])
        if test[1:2] == ["tongpan"]:
            resolve(test[2:])
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["tongpan"]' in dockerfile
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None and resolve(yaml.safe_load(cmd[1])) == "tongpan serve"


def test_every_tongpan_service_gets_the_same_settings() -> None:
    environments = {name: SERVICES[name]["environment"] for name in TONGPAN_SERVICES}
    for variable in SHARED:
        values = {name: env.get(variable) for name, env in environments.items()}
        assert len(set(values.values())) == 1 and None not in values.values(), (variable, values)
    assert environments["web"]["TONGPAN_DATABASE_URL"].startswith("postgresql://")
    assert environments["web"]["TONGPAN_BROKER_URL"] == "redis://redis:6379/0"


def test_workers_are_given_longer_to_stop_than_their_soft_shutdown() -> None:
    for name in ("worker-solve", "worker-publish"):
        service = SERVICES[name]
        assert service["environment"]["REMAP_SIGTERM"] == "SIGQUIT"
        assert seconds(service["stop_grace_period"]) > SOFT_SHUTDOWN_SECONDS
    assert SERVICES["worker-solve"]["command"][1:3] == ["--queues", "solve"]
    assert SERVICES["worker-publish"]["command"][1:3] == ["--queues", "publish"]


def test_the_compose_commands_run_as_processes(postgres_url: str, tmp_path: Path) -> None:
    """The stack without Docker: migrate, web, both workers and beat as processes, a plan through them."""
    with redis_server(tmp_path) as redis:
        outer = {"TONGPAN_SOLVER_TIME_LIMIT": "3"}
        port = free_port()

        def env_of(name: str) -> dict[str, str]:
            env = {k: interpolate(str(v), outer) for k, v in SERVICES[name]["environment"].items()}
            return {**env, "TONGPAN_DATABASE_URL": postgres_url, "TONGPAN_BROKER_URL": redis.url,
                    "TONGPAN_PUBLIC_URL": f"http://127.0.0.1:{port}"}

        def command(name: str) -> list[str]:
            return [*SERVICES[name]["command"], *(["--port", str(port)] if name == "web" else [])]

        migrate = Processes(env_of("migrate"), tmp_path).run(*command("migrate"))
        assert migrate.returncode == 0, migrate.stderr
        tools = Processes(env_of("web"), tmp_path)
        dataset = tmp_path / "dataset.json"
        dataset.write_text(json.dumps(small_community(), ensure_ascii=False), encoding="utf-8")
        assert tools.run("import", str(dataset)).returncode == 0
        token = tools.run("admin", "token", "create", "--county").stdout.strip()
        started: dict[str, Processes] = {}
        try:
            for name in ("web", "worker-solve", "worker-publish", "beat"):
                started[name] = Processes(env_of(name), tmp_path)
                started[name].start(name, *command(name))
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda: _answers(f"{base}/healthz"), 30, "the web process")
            for name in ("worker-solve", "worker-publish"):
                check = SERVICES[name]["healthcheck"]["test"][2:]
                wait_for(lambda: started[name].run(*check).returncode == 0, 30, f"{name} healthcheck")
            workers = started["web"].run("workers").stdout
            assert workers.count("solve.") == 1 and workers.count("publish.") == 1, workers
            community = small_community()["communities"][0]["code"]
            response = httpx.post(f"{base}/api/communities/{community}/regenerate", json={"term": TERM},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert response.status_code == 202, response.text
            job_id = response.json()["job"]["id"]

            def finished() -> dict[str, Any] | None:
                job = httpx.get(f"{base}/api/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}).json()
                return job if job["state"] in ("succeeded", "failed") else None

            job = wait_for(finished, 60, "the job through the workers")
            assert (job["state"], job["plan_version"]) == ("succeeded", 1), job["message"]
            assert all(p.running[0].poll() is None for p in started.values()), "a process died"
        finally:
            for name, processes in started.items():
                grace = seconds(SERVICES[name].get("stop_grace_period", "10s"))
                stopping = time.monotonic()
                processes.stop_all()  # SIGTERM, as docker compose stop sends it
                assert time.monotonic() - stopping < grace, name
        logs = "\n".join(started[n].log(n) for n in started)
        assert "Traceback" not in logs, logs


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False

