"""Signing in to the web workplace: an admin token, a signed session cookie, and CSRF on every form.

The cookie holds only the token's public key id and the session's CSRF token,
signed (itsdangerous) with a key derived from the server secret, HttpOnly and
SameSite=Lax (Secure when the public address is https). Every request checks
that the token is still live, so revoking a token (`tongpan admin token revoke`)
signs its sessions out at once. A session exists before sign-in too (CSRF token
only), so even the sign-in form is protected against cross-site posts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from calendars.config import FeedConfig
from calendars.tokens import server_secret
from scheduler.db import transaction
from tasks.access import verify_token
from tasks.models import AdminToken

COOKIE = "tongpan_session"
MAX_AGE = 12 * 3600  # a working day; signing in again costs a paste
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class SessionData:
    csrf: str
    key_id: str | None = None


@dataclass(frozen=True)
class Admin:
    """A signed-in admin: the token's key id and scope (None: the whole county)."""

    key_id: str
    community: str | None
    note: str
    csrf: str

    def may_see(self, community: str) -> bool:
        return self.community is None or self.community == community

    @property
    def scope_label(self) -> str:
        return "全县" if self.community is None else f"教共体 {self.community}"


class SignInRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def _serializer(request: Request) -> URLSafeTimedSerializer:
    """Keyed by the feed server secret (one secret to keep), through a derivation of its own."""
    cached = getattr(request.app.state, "session_serializer", None)
    if cached is None:
        with transaction(_engine(request)) as session:
            secret = server_secret(session, FeedConfig.from_env())
        key = hmac.new(secret, b"tongpan dashboard session", hashlib.sha256).hexdigest()
        cached = URLSafeTimedSerializer(key, salt="session")
        request.app.state.session_serializer = cached
    return cached


def read_session(request: Request) -> SessionData | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data: dict[str, Any] = _serializer(request).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    key_id = data.get("k")
    return SessionData(data["c"], key_id if isinstance(key_id, str) else None)


def write_session(request: Request, response: Response, data: SessionData) -> None:
    value = _serializer(request).dumps({"c": data.csrf, **({"k": data.key_id} if data.key_id else {})})
    secure = request.app.state.settings.public_url.startswith("https://")
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="lax", secure=secure, path="/")


def new_session(key_id: str | None = None) -> SessionData:
    return SessionData(secrets.token_urlsafe(24), key_id)


def sign_in(request: Request, response: Response, presented: str) -> AdminToken | None:
    """Check a pasted token; on success start a fresh session (new CSRF token) for it."""
    with transaction(_engine(request)) as session:
        token = verify_token(session, presented.strip())
        if token is not None:
            session.expunge(token)
    if token is not None:
        write_session(request, response, new_session(token.key_id))
    return token


def sign_out(request: Request, response: Response) -> None:
    write_session(request, response, new_session())


def current_admin(request: Request) -> Admin | None:
    data = read_session(request)
    if data is None or data.key_id is None:
        return None
    with transaction(_engine(request)) as session:
        token = session.get(AdminToken, data.key_id)
        if token is None or token.revoked_at is not None:
            return None
        return Admin(token.key_id, token.community_code, token.note, data.csrf)


def require_admin(request: Request) -> Admin:
    """A page's dependency: the signed-in admin, or a redirect to sign in and come back."""
    admin = current_admin(request)
    if admin is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return admin


def sign_in_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


async def require_csrf(request: Request, admin: Annotated[Admin, Depends(require_admin)]) -> Admin:
    """Every form POST: the session's CSRF token must come back in the form (or the X-CSRF-Token header)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get("x-csrf-token") or ""
    if not isinstance(sent, str) or not hmac.compare_digest(sent, admin.csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    return admin


def require_scope(admin: Admin, community: str) -> None:
    """A community token sees and acts on its own community only."""
    if not admin.may_see(community):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"当前令牌只能管理教共体 {admin.community}")


def require_county(admin: Admin) -> None:
    if admin.community is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "此操作需要全县管理令牌")


AdminDep = Annotated[Admin, Depends(require_admin)]
PostDep = Annotated[Admin, Depends(require_csrf)]


def session_first(scope: Any, headers: Any) -> bool:
    """For `limits.require_first`: a request that carries a body must come from a signed-in admin,
    checked on the cookie alone before any of the body is read (uploads are large)."""
    if scope.get("method") in ("GET", "HEAD"):
        return True
    return current_admin(Request(scope)) is not None
