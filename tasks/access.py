"""Admin API tokens: random, shown once, stored hashed, checked in constant time.

A token reads `tpa_{key_id}_{secret}`. The key id is public (it names the token
in lists and logs); the secret is 256 random bits of which only the SHA-256 is
kept. A token is for the whole county or for one community.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.plans import now
from tasks.models import AdminToken

PREFIX = "tpa"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, community: str | None, note: str = "") -> str:
    """A new token for the county (community None) or one community; the only time it is seen whole."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    session.add(AdminToken(key_id=key_id, secret_hash=_digest(secret), community_code=community,
                           note=note[:200], created_at=now()))
    session.flush()
    return f"{PREFIX}_{key_id}_{secret}"


def verify_token(session: Session, presented: str) -> AdminToken | None:
    """The live token the presented string proves, or None."""
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret:
        return None
    token = session.get(AdminToken, key_id)
    # Hash and compare even for an unknown key id, so timing tells nothing about which ids exist.
    expected = token.secret_hash if token is not None else "0" * 64
    if not hmac.compare_digest(expected, _digest(secret)) or token is None or token.revoked_at is not None:
        return None
    return token


def revoke_token(session: Session, key_id: str) -> bool:
    token = session.get(AdminToken, key_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = now()
    return True


def list_tokens(session: Session) -> list[AdminToken]:
    return list(session.scalars(select(AdminToken).order_by(AdminToken.created_at)))
