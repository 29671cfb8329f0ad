"""Tables of the feed layer: rendered feeds with their per-event state, and the server secret.

A feed is rendered at publication and served as stored bytes, so a request never
renders anything. The per-UID state that SEQUENCE, LAST-MODIFIED and cancelled
events need lives beside the bytes in one compressed blob per feed: a county
holds millions of dated occurrences, far too many to write as rows on every
publication, and the state is only ever read and written whole, with its feed.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Date, DateTime, Integer, LargeBinary, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from scheduler.models import CODE, Base

KIND_NAMES = {"teacher": "教师", "class": "班级", "campus": "校区", "community": "教共体"}  # the kinds of feed


class ServerSecret(Base):
    """Secrets generated once and shared by every process through the database they all use."""

    __tablename__ = "server_secret"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Feed(Base):
    """One subscribable calendar: its owner, its token hash, its bytes and its event state."""

    __tablename__ = "feed"
    __table_args__ = (UniqueConstraint("kind", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(CODE)
    community_code: Mapped[str] = mapped_column(CODE, index=True)
    owner_name: Mapped[str] = mapped_column(String(200))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    etag: Mapped[str] = mapped_column(String(80))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The dates the bytes cover (calendars.window): first day shown, and the last
    # one when the size limit cut the window short (None: to the last event).
    window_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    window_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Column order matters on SQLite, which reads a row's large values through
    # overflow pages in order: publishing reads only the state, serving mostly
    # the gzip, so the largest value (a campus feed can be megabytes) goes last.
    state: Mapped[bytes] = mapped_column(LargeBinary)
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class FeedChange(Base):
    """One row per transaction that changed a feed's bytes or address: what web processes poll.

    A web process keeps feeds in memory and asks for the newest id about once
    a second; a new one means some feed changed, and the cache is dropped.
    Rows are only ever inserted (no row lock shared by concurrent publishers)
    and the nightly refresh prunes old ones.
    """

    __tablename__ = "feed_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


_SERVED = ("token_hash", "etag", "generation")  # what a cached feed's answer depends on
_LOCAL = [0]  # feed changes committed by this process, so its own cache need not wait for the poll


def local_changes() -> int:
    return _LOCAL[0]


@event.listens_for(Session, "before_flush")
def _record_feed_change(session: Session, _context: object, _instances: object) -> None:
    """Note, in the same transaction, any flush that changes what a feed request answers."""
    changed = any(isinstance(obj, Feed) for obj in session.deleted) or any(
        isinstance(obj, Feed) and (obj in session.new or any(
            inspect(obj).attrs[name].history.has_changes() for name in _SERVED))
        for obj in (*session.new, *session.dirty))
    if changed and not session.info.get("feed_change_noted"):
        session.info["feed_change_noted"] = True
        session.add(FeedChange(changed_at=datetime.now(timezone.utc)))
        event.listen(session, "after_commit", _committed, once=True)


def _committed(session: Session) -> None:
    session.info.pop("feed_change_noted", None)
    _LOCAL[0] += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("feed_change_noted", None)
