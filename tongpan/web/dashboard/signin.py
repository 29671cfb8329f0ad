"""Sign-in and sign-out pages."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongpan.web.dashboard.auth import (CSRF_FIELD, Admin, current_admin, new_session, read_session, require_csrf,
                                        sign_in, sign_out, write_session)
from tongpan.web.dashboard.common import render

router = APIRouter()


def _safe_next(next_url: str | None) -> str:
    """Only paths of this site (no `//host`, no scheme): a sign-in link cannot send anyone elsewhere."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    return next_url


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    if current_admin(request) is not None:
        return RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    session = read_session(request)
    fresh = session is None
    session = session or new_session()
    response = render(request, "login.html", None, title="登录", next=_safe_next(next), error=None, csrf=session.csrf)
    if fresh:
        write_session(request, response, session)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/",
                csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    session = read_session(request)
    if session is None or not csrf or not hmac.compare_digest(csrf, session.csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    response = RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    if sign_in(request, response, token) is None:
        return render(request, "login.html", None, 401, title="登录", next=_safe_next(next),
                      error="令牌无效或已被吊销", csrf=session.csrf)
    return response


@router.post("/logout")
def logout(request: Request, admin: Annotated[Admin, Depends(require_csrf)]) -> Response:
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    sign_out(request, response)
    return response
