"""Engines, sessions and migrations for the one database that web, CLI and workers share."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///tongpan.db"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_SECONDS = 30


def make_engine(url: str = DEFAULT_URL, **kwargs: Any) -> Engine:
    """An engine with SQLite made safe for several processes (WAL, foreign keys, busy wait)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_SECONDS)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    with session_factory(engine).begin() as session:
        yield session


class WriterBusy(Exception):
    """Another exclusive writer held the database for longer than this one would wait."""

    def __init__(self, waited: float):
        self.waited = waited
        super().__init__(f"another writer held the database for more than {waited:g} s")


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def _own_transaction(connection: Connection) -> Iterator[Session]:
    """A session on a connection whose transaction the caller has begun; committed at the end."""
    session = Session(bind=connection, expire_on_commit=False)
    try:
        yield session
        session.flush()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        session.close()


def _sqlite_begin_immediate(connection: Connection, wait: float, on_wait: Callable[[], None] | None) -> None:
    """BEGIN IMMEDIATE: take SQLite's one write lock now, before the transaction reads anything."""
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError:
        if on_wait is not None:
            on_wait()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError:
            raise WriterBusy(wait) from None
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")


def _postgres_advisory_lock(connection: Connection, name: str, wait: float,
                            on_wait: Callable[[], None] | None) -> None:
    """A transaction-scoped advisory lock named after `name` and the schema, so test schemas don't collide."""
    key = "hashtext(:name), hashtext(current_schema())"
    if connection.execute(text(f"SELECT pg_try_advisory_xact_lock({key})"), {"name": name}).scalar():
        return
    if on_wait is not None:
        on_wait()
    connection.execute(text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))
    try:
        connection.execute(text(f"SELECT pg_advisory_xact_lock({key})"), {"name": name})
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise WriterBusy(wait) from None
        raise
    connection.execute(text("SET LOCAL lock_timeout = DEFAULT"))


@contextmanager
def exclusive(engine: Engine, name: str, *, wait: float,
              on_wait: Callable[[], None] | None = None) -> Iterator[Session]:
    """One transaction that no other `exclusive(name)` block overlaps, from its first read to its commit.

    A writer that reads, computes a difference and writes (an import) must not
    interleave with another such writer, or the second writes a difference
    computed against a state that no longer exists. PostgreSQL: a transaction
    advisory lock, taken before the first read; READ COMMITTED then shows each
    later statement everything the previous holder committed. SQLite: BEGIN
    IMMEDIATE, its one write lock (which also keeps out every other writer).
    `on_wait` is called once if the lock is taken; after `wait` seconds
    WriterBusy is raised and nothing was written.
    """
    with engine.connect() as connection:
        if _is_sqlite(engine):
            _sqlite_begin_immediate(connection, wait, on_wait)
        else:
            connection.begin()
            try:
                _postgres_advisory_lock(connection, name, wait, on_wait)
            except BaseException:
                connection.rollback()
                raise
        with _own_transaction(connection) as session:
            yield session


@contextmanager
def snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only transaction whose every statement sees one committed state of the database.

    Loading a dataset reads a dozen tables; under PostgreSQL's default READ
    COMMITTED, and outside a transaction on SQLite (pysqlite only begins one
    before a write), each read could see a different import. REPEATABLE READ
    on PostgreSQL and one explicit read transaction on SQLite (WAL keeps its
    snapshot while writers commit) give a reader one import's result or the
    next one's, and never block a writer.
    """
    with engine.connect() as connection:
        if _is_sqlite(engine):
            connection.exec_driver_sql("BEGIN")
        else:
            connection = connection.execution_options(isolation_level="REPEATABLE READ",
                                                      postgresql_readonly=True)
            connection.begin()
        with _own_transaction(connection) as session:
            yield session


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on every start."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The revision the code expects; a database at another one must be upgraded first."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


@contextmanager
def scratch_schema(admin: Engine, base_url: str, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards; yields `base_url` with its search_path set to it.

    Tests and benchmarks share one database: a schema of their own per run
    keeps parallel runs, and the leftovers of a crashed one, from colliding.
    `admin` must be an AUTOCOMMIT engine on that database.
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
