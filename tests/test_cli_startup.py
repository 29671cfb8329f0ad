"""What the `tongpan` command loads before it does anything: every start, `--help` and the workers'
healthcheck included, imports every command module, so those must leave the solver, the file
writers and Celery to the commands that use them (the figures are in bench/startup.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.dataset.load import import_file
from scheduler.db import make_engine, upgrade
from solver_cases import TERM, case, clock_bell, klass, school, teacher

ROOT = Path(__file__).resolve().parent.parent
TONGPAN = str(Path(sys.executable).with_name("tongpan"))
HEAVY = ("ortools", "pandas", "numpy", "fpdf", "openpyxl", "celery", "kombu", "icalendar", "sqlalchemy")
NOT_FOR_SOLVING = ("fpdf", "openpyxl", "celery", "kombu", "icalendar")
NOT_FOR_THE_HEALTHCHECK = ("ortools", "pandas", "numpy", "fpdf", "openpyxl", "icalendar", "sqlalchemy")
COMMANDS = ("solve", "check", "plans", "publish", "import", "import-fet", "export-fet", "regenerate", "jobs",
            "worker", "workers", "beat", "serve", "report", "demo", "db", "export", "feeds", "covers", "absence",
            "disruption", "rotation", "admin", "term", "template", "generate")


def _env(**extra: str) -> dict[str, str]:
    """This checkout's code first (not whatever the venv's editable install points at); no broker."""
    env = {k: v for k, v in os.environ.items() if k != "TONGPAN_BROKER_URL"}
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "COLUMNS": "200", **extra}


def _python(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; it prints a JSON list."""
    run = subprocess.run([sys.executable, "-c", code], env=_env(), cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def loaded_by(*modules: str) -> list[str]:
    """The heavy packages a fresh interpreter holds after importing `modules`."""
    imports = "; ".join(f"import {m}" for m in modules)
    return _python(f"{imports}; import sys, json; print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")


def tongpan(*args: str, env: dict[str, str] | None = None,
            program: tuple[str, ...] = (TONGPAN,)) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the installed `tongpan` script (or `program`, e.g. `-m tongpan`) under `-X importtime`: the
    process and every top-level package it imported."""
    run = subprocess.run([sys.executable, "-X", "importtime", *program, *args], env=env or _env(),
                         capture_output=True, text=True, timeout=300)
    packages = {line.split("|")[2].strip().split(".")[0] for line in run.stderr.splitlines()
                if line.startswith("import time:") and line.count("|") == 2}
    return run, packages


def among(packages: set[str] | list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(set(packages) & set(names))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded_by("tongpan.cli") == []


def test_help_lists_every_command_and_loads_no_heavy_library() -> None:
    run, packages = tongpan("--help")
    assert run.returncode == 0, run.stderr
    assert "typer" in packages  # the import log was read
    listed = set(re.findall(r"^│ (\S+) ", run.stdout, re.MULTILINE))
    assert set(COMMANDS) <= listed, run.stdout
    assert among(packages, HEAVY) == []


def test_python_m_tongpan_is_the_tongpan_command() -> None:
    run, packages = tongpan("--help", program=("-m", "tongpan"))
    assert run.returncode == 0, run.stderr
    assert "Usage: python -m tongpan [OPTIONS] COMMAND" in run.stdout
    listed = set(re.findall(r"^│ (\S+) ", run.stdout, re.MULTILINE))
    assert set(COMMANDS) <= listed, run.stdout
    assert among(packages, HEAVY) == []


@pytest.mark.parametrize("command", [["solve"], ["check"], ["workers"], ["export", "pdf"], ["covers", "list"],
                                     ["rotation", "propose"], ["report"]])
def test_a_commands_help_loads_no_heavy_library(command: list[str]) -> None:
    run, packages = tongpan(*command, "--help")
    assert run.returncode == 0, run.stderr
    assert "Usage:" in run.stdout
    assert among(packages, HEAVY) == []


def test_the_workers_healthcheck_loads_celery_and_nothing_of_the_job_layer(tmp_path: Path) -> None:
    # Without a broker it stops right after building the Celery app, which is what it imports; the
    # containers set the database URL, so the default's module (SQLAlchemy) is not needed either.
    run, packages = tongpan("workers", "--local", env=_env(TONGPAN_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"))
    assert run.returncode == 2 and "TONGPAN_BROKER_URL" in run.stderr, run.stderr
    assert "celery" in packages
    assert among(packages, NOT_FOR_THE_HEALTHCHECK) == []


def test_tongpan_solve_loads_pandas_only_because_ortools_does(tmp_path: Path) -> None:
    """A whole `tongpan solve`, in a process of its own: no file writer, no Celery; pandas and numpy
    only as long as OR-Tools' cp_model imports them itself."""
    url = f"sqlite:///{tmp_path / 'tongpan.db'}"
    engine = make_engine(url)
    upgrade(engine)
    source = tmp_path / "c1.json"
    source.write_text(json.dumps(case([school("U", "week")], [teacher("T1", "U", {"YW": [5]})], [klass("U", 5)],
                                      {"YW": 2}, [clock_bell("week", "08:00", 40, 10, 6)])), encoding="utf-8")
    import_file(engine, source)
    engine.dispose()
    run, packages = tongpan("solve", "--community", "C1", "--term", TERM, "--time-limit", "1", "--workers", "1",
                            env=_env(TONGPAN_DATABASE_URL=url))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "第 1 版" in run.stdout
    assert "ortools" in packages
    assert among(packages, NOT_FOR_SOLVING) == []
    ortools_brings = set(_python("import ortools.sat.python.cp_model, sys, json; "
                                 "print(json.dumps([m for m in ('pandas', 'numpy') if m in sys.modules]))"))
    assert packages & {"pandas", "numpy"} <= ortools_brings
