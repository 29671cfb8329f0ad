"""tongpan's image, built for real with Podman, runs the CLI and a solve.

The image is built as `containers/images.sh` builds it on a host without an image
registry: a Debian base made with debootstrap, then the Dockerfile on it. Podman's
layer cache makes a rebuild seconds; a fresh machine needs a few minutes (a
debootstrap and pip downloading the dependencies). Skipped with a message when
Podman, runc or debootstrap are missing or we are not root (marked slow); under
TONGPAN_REQUIRE_SERVICES=1 (`.ci/run` installs them) it fails instead. The whole
stack with faults is `bench/containers.py`; the one fast test here keeps the
local compose override in step with docker-compose.yml.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import missing_service
from jobs_support import TERM, small_community

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "localhost/tongpan:latest"
ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "containers" / "containers.conf")}



def test_the_local_override_only_renames_every_image_to_one_images_sh_builds() -> None:
    """A service added to docker-compose.yml without a local image would be pulled from a registry."""
    production = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    local = yaml.safe_load((ROOT / "containers" / "compose.local.yml").read_text(encoding="utf-8"))["services"]
    started = {name for name, service in production.items() if not service.get("profiles")}
    assert set(local) == started
    built = (ROOT / "containers" / "images.sh").read_text(encoding="utf-8")
    for name, service in local.items():
        assert set(service) == {"image"}, name
        assert service["image"].startswith("localhost/") and f"-t {service['image']} " in built, name
        assert (service["image"] == IMAGE) == ("build" in production[name]), name


@pytest.fixture(scope="module")
def image() -> str:
    missing = [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool) is None]
    if missing or os.geteuid() != 0:
        missing_service(f"Podman as root ({', '.join(missing) or 'not root'})",
                        "apt-get install -y podman runc debootstrap, as root")
    built = subprocess.run([str(ROOT / "containers" / "images.sh"), "base", "tongpan"], env=ENV,
                           capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return IMAGE


def podman_run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", "run", "--rm", *(["-i"] if stdin is not None else []), *args],
                          env=ENV, input=stdin, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_image_runs_the_cli_as_an_unprivileged_user(image: str) -> None:
    help_ = podman_run(image, "--help")
    assert help_.returncode == 0, help_.stderr
    for command in ("solve", "serve", "worker", "beat", "db"):
        assert f"│ {command} " in help_.stdout, command
    who = podman_run("--entrypoint", "sh", image, "-c", "id -u; pwd; touch /app/x 2>/dev/null && echo writable")
    assert who.stdout.split() == ["10001", "/data"], who.stdout + who.stderr


@pytest.mark.slow
def test_one_solve_inside_the_image(image: str) -> None:
    """A community imported, solved, checked and exported in one container on its SQLite default."""
    dataset = small_community()
    community = dataset["communities"][0]["code"]
    script = (f"cat > dataset.json && tongpan db upgrade >/dev/null && tongpan import dataset.json >/dev/null"
              f" && tongpan solve --community {community} --term {TERM} --time-limit 5 --workers 1 >&2"
              f" && tongpan check --community {community} --term {TERM} >&2"
              f" && tongpan export plan --community {community} --term {TERM}")
    solved = podman_run("--entrypoint", "sh", image, "-c", script, stdin=json.dumps(dataset, ensure_ascii=False))
    assert solved.returncode == 0, solved.stdout[-3000:] + solved.stderr[-3000:]
    plan = json.loads(solved.stdout)
    assert plan["community"] == community and plan["term"] == TERM, list(plan)
    lessons = [a for a in plan["activities"] if a["kind"] == "lesson"]
    assert lessons, plan["activities"][:3]
