"""Bounded requests: authentication before any body is read, body limits while it streams, short errors.

The web process also serves every feed, so no client may make it buffer or
parse large bodies, and an unauthenticated one may not make it read a body at
all:

- `AuthFirst` is a pure ASGI middleware that runs a path's authentication on
  the headers alone and answers 401 without touching the body. FastAPI reads
  and parses a route's body before it resolves the route's dependencies, so a
  dependency alone checks the token too late.
- Sizes are FastAPI's own `max_body_size` (Starlette's streaming body limit:
  413 at once for a Content-Length over the limit, and 413 the moment a
  chunked body passes it). The app default is small (JSON requests are a few
  bytes); a route that takes uploads sets its own with
  `@router.post(..., max_body_size=N)`. uvicorn stops reading a socket while
  its body waits unread, so a refused body costs a buffer, not its size.
- Validation errors never echo what was sent beyond a short excerpt.

Routers add their own authentication with `require_first(app, prefix, check)`;
the longest matching prefix decides, and a check of None makes a path public.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

Check = Callable[[Scope, Headers], bool]
"""Runs in a thread (it may query the database); True lets the request through. It may keep what it
verified in scope["state"] for the route to reuse."""

DEFAULT_MAX_BODY = 64 * 1024
SHOWN_INPUT = 80  # characters of a rejected value an error message may repeat


def max_body_size() -> int:
    """The app-wide body limit in bytes: TONGPAN_MAX_BODY_BYTES, default 64 KiB."""
    return int(os.environ.get("TONGPAN_MAX_BODY_BYTES") or DEFAULT_MAX_BODY)


@dataclass(frozen=True)
class Rule:
    prefix: str
    check: Check | None
    challenge: str = "Bearer"  # WWW-Authenticate of the 401


@dataclass
class AuthRules:
    rules: list[Rule] = field(default_factory=list)

    def add(self, prefix: str, check: Check | None, challenge: str = "Bearer") -> None:
        self.rules = [r for r in self.rules if r.prefix != prefix] + [Rule(prefix, check, challenge)]

    def rule(self, path: str) -> Rule | None:
        matching = [r for r in self.rules if path.startswith(r.prefix)]
        return max(matching, key=lambda r: len(r.prefix)) if matching else None


def _unauthorized(challenge: str) -> JSONResponse:
    return JSONResponse({"detail": "缺少或无效的管理令牌"}, status_code=401,
                        headers={"WWW-Authenticate": challenge, "Connection": "close"})


class AuthFirst:
    """Answers 401 before the app (and so before any body is read) when a path's check fails."""

    def __init__(self, app: ASGIApp, rules: AuthRules):
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rules.rule(scope["path"]) if scope["type"] == "http" else None
        if rule is not None and rule.check is not None:
            if not await run_in_threadpool(rule.check, scope, Headers(scope=scope)):
                await _unauthorized(rule.challenge)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def require_first(app: FastAPI, prefix: str, check: Check | None, challenge: str = "Bearer") -> None:
    """Authenticate every request under `prefix` before its body is read (None: public)."""
    rules: AuthRules = app.state.auth_rules
    rules.add(prefix, check, challenge)


def short(value: Any) -> Any:
    """A rejected value as an error may show it: scalars and short text as they are, the rest summarised."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= SHOWN_INPUT else f"{value[:SHOWN_INPUT]}…（共 {len(value)} 字符）"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= SHOWN_INPUT else f"{text[:SHOWN_INPUT]}…（共 {len(text)} 字符）"


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 naming where and what, with every echoed input cut short."""
    found = exc.errors() if isinstance(exc, RequestValidationError) else []
    errors = [{"loc": [short(part) for part in e.get("loc", ())], "msg": short(str(e.get("msg", ""))),
               "type": e.get("type"), "input": short(e.get("input"))} for e in found[:20]]
    return JSONResponse({"detail": errors}, status_code=422)


def install(app: FastAPI) -> None:
    """Put the request bounds on an app: the auth-first middleware (rules added later still apply)
    and the short validation errors. The body limit is FastAPI's `max_body_size` (see create_app)."""
    app.state.auth_rules = AuthRules()
    app.add_middleware(AuthFirst, rules=app.state.auth_rules)
    app.add_exception_handler(RequestValidationError, validation_error)
