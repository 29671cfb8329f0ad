"""Process settings from the environment: the same variables for CLI, web, workers and beat."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str | None
    public_url: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("TONGPAN_DATABASE_URL") or _default_database_url(),
            broker_url=os.environ.get("TONGPAN_BROKER_URL") or None,
            public_url=(os.environ.get("TONGPAN_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        )


def _default_database_url() -> str:
    """scheduler.db's default, imported only when no URL is set: SQLAlchemy comes with it, and neither
    the CLI's start nor the workers' healthcheck (which only pings the broker) needs it."""
    from scheduler.db import DEFAULT_URL

    return DEFAULT_URL
