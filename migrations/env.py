"""Alembic environment: the engine comes from the caller (`tongpan db upgrade`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from calendars import models as _feed_models  # noqa: F401  (registers the feed tables)
from tasks import models as _job_models  # noqa: F401  (registers the job tables)
from scheduler.covers import models as _cover_models  # noqa: F401  (registers absences and covers)
from scheduler.db import DEFAULT_URL, make_engine
from scheduler.models import Base

config = context.config
engine: Engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url") or DEFAULT_URL)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
