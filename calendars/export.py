"""`tongpan export ics`: the stored feeds of a community as plain files, for offline use or a static host."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars.models import Feed


def feed_filename(kind: str, code: str) -> str:
    return f"{kind}-{code}.ics"


def export_feeds(session: Session, community: str, directory: Path) -> list[Path]:
    """Write every feed of the community flat into `directory` as `{kind}-{code}.ics`, byte for byte as served."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    query = (select(Feed.kind, Feed.code, Feed.body).where(Feed.community_code == community)
             .order_by(Feed.kind, Feed.code).execution_options(yield_per=50))
    for kind, code, body in session.execute(query):
        path = directory / feed_filename(kind, code)
        path.write_bytes(body)
        written.append(path)
    return written
