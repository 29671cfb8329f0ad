"""Feed tokens: secret addresses an admin can list again although the database keeps only hashes.

A token is an HMAC of the server secret, the feed's kind and code and its
generation, so it can be derived again whenever an admin lists addresses, yet
nobody who reads the database can compute it (unless the secret is kept there,
see `server_secret`). The database keeps sha256(token) to find the feed; bumping
the generation revokes the old address for good. Tokens are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from calendars.config import FeedConfig
from calendars.models import Feed, ServerSecret

SECRET_NAME = "feed"
TOKEN_BYTES = 24  # 192 bits, 32 url-safe characters
TOKEN_LENGTH = 32
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def server_secret(session: Session, config: FeedConfig) -> bytes:
    """TONGPAN_FEED_SECRET, or the secret generated on first use and kept in the shared database.

    The database is the one place every process (CLI, web, workers on other
    machines) is sure to reach. Two processes generating it at once race on the
    primary key; the loser reads the winner's.
    """
    if config.secret:
        return config.secret.encode()
    row = session.get(ServerSecret, SECRET_NAME)
    if row is None:
        try:
            with session.begin_nested():
                row = ServerSecret(name=SECRET_NAME, value=secrets.token_urlsafe(32),
                                   created_at=datetime.now(timezone.utc))
                session.add(row)
        except IntegrityError:
            row = session.get(ServerSecret, SECRET_NAME, populate_existing=True)
            assert row is not None
    return row.value.encode()


def _mac(secret: bytes, *parts: object) -> bytes:
    return hmac.new(secret, "\x1f".join(map(str, parts)).encode(), hashlib.sha256).digest()


def feed_token(secret: bytes, kind: str, code: str, generation: int) -> str:
    return base64.urlsafe_b64encode(_mac(secret, "feed", kind, code, generation)[:TOKEN_BYTES]).decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lookup_hash(token: str) -> str | None:
    """The hash to look a presented token up by, or None when it cannot be a token at all."""
    if len(token) != TOKEN_LENGTH or not _TOKEN_ALPHABET.issuperset(token):
        return None
    return token_hash(token)


def matches(feed_hash: str, presented_hash: str) -> bool:
    return hmac.compare_digest(feed_hash, presented_hash)


def current_token(secret: bytes, feed: Feed) -> str:
    """The feed's address token, re-keying the stored hash if the server secret was changed."""
    token = feed_token(secret, feed.kind, feed.code, feed.generation)
    digest = token_hash(token)
    if not matches(feed.token_hash or "", digest):
        feed.token_hash = digest
    return token


def meeting_key(secret: bytes, county: str, activity: str) -> str:
    """A stable, unguessable room key per activity for the online-meeting link."""
    return _mac(secret, "meeting", county, activity)[:8].hex()


@dataclass(frozen=True)
class FeedAddress:
    """Where an owner subscribes: the token and the addresses built on the public base URL."""

    kind: str
    code: str
    owner: str
    token: str

    def https(self, base: str) -> str:
        return f"{base}/feeds/{self.token}.ics"

    def webcal(self, base: str) -> str:
        """The same address for calendar apps that subscribe on a `webcal://` link."""
        return "webcal://" + self.https(base).split("://", 1)[1]

    def page(self, base: str) -> str:
        return f"{base}/s/{self.token}"


def _address(secret: bytes, feed: Feed) -> FeedAddress:
    return FeedAddress(feed.kind, feed.code, feed.owner_name, current_token(secret, feed))


def _metadata() -> Select[tuple[Feed]]:
    return select(Feed).options(defer(Feed.state), defer(Feed.body_gzip), defer(Feed.body))


def community_addresses(session: Session, community: str, config: FeedConfig) -> list[FeedAddress]:
    """Every feed address of a community, derived again from the secret (the database has only hashes)."""
    secret = server_secret(session, config)
    feeds = session.scalars(_metadata().where(Feed.community_code == community).order_by(Feed.kind, Feed.code))
    return [_address(secret, feed) for feed in feeds]


def reissue(session: Session, kind: str, code: str, config: FeedConfig) -> FeedAddress | None:
    """Revoke a feed's address by moving to its next generation; None when no such feed was published."""
    feed = session.scalar(_metadata().where(Feed.kind == kind, Feed.code == code))
    if feed is None:
        return None
    feed.generation += 1
    return _address(server_secret(session, config), feed)
