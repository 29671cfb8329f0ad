"""Databases for tests: SQLite always; PostgreSQL when it runs (required when TONGPAN_REQUIRE_SERVICES=1).
FET's engine `fet-cl` is such a service too.

Each PostgreSQL test gets a schema of its own in database `test`, selected through
`search_path`, so parallel runs and leftovers of a crashed run never collide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from scheduler.db import make_engine, scratch_schema, upgrade

POSTGRES_URL = os.environ.get("TONGPAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("TONGPAN_REQUIRE_SERVICES") == "1"


def missing_service(what: str, how: str) -> None:
    """Skip on a laptop without the service; fail in CI, where every service must be there."""
    message = f"{what} is not reachable; start it with: {how}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (TONGPAN_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def fet_cl_solves(source: Path, out: Path) -> Path:
    """Run FET's engine on `source` (skipped without it) and return its `*_data_and_timetable.fet`;
    a file FET refuses or cannot solve in 30 s fails the test with FET's own words."""
    path = shutil.which("fet-cl")
    if path is None:
        missing_service("fet-cl (FET's command-line engine)", "apt-get install -y fet")
    run = subprocess.run([str(path), f"--inputfile={source}", f"--outputdir={out}", "--timelimitseconds=30"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "Simulation successful" in run.stdout, run.stdout + run.stderr
    return next(out.rglob("*_data_and_timetable.fet"))


def _postgres_admin() -> Engine:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception:  # any connection failure means the same thing here
        admin.dispose()
        missing_service("PostgreSQL at 127.0.0.1:5432 (database test)",
                        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    return admin


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin = _postgres_admin()
    try:
        with scratch_schema(admin, POSTGRES_URL, f"tp_{os.getpid()}") as url:
            yield url
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tongpan.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()
