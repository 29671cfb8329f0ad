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
        from scheduler.db import DEFAULT_URL  # here, not above: SQLAlchemy is not needed to start the CLI

        return cls(
            database_url=os.environ.get("TONGPAN_DATABASE_URL") or DEFAULT_URL,
            broker_url=os.environ.get("TONGPAN_BROKER_URL") or None,
            public_url=(os.environ.get("TONGPAN_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        )
