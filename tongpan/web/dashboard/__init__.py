"""The web workplace (Chinese, server-rendered) of county and school admins, in the `tongpan serve` app.

Pages are split by what they are for: sign-in, overview, community pages and
grids, printed timetables, versions and diffs, actions and jobs, feeds, data
upload, and the offline API docs. Every asset is served by the app from
`tongpan/web/static` (no CDN), so it works on a school intranet.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tongpan.web import limits
from tongpan.web.dashboard import (
    actions, covers, data, feeds, grids, overview, printing, report, signin, versions,
)
from tongpan.web.dashboard.auth import SignInRequired, current_admin, session_first, sign_in_url
from tongpan.web.dashboard.common import HERE, render
from tongpan.web.dashboard.docs import install_docs

PAGE_PREFIXES = ("/login", "/logout", "/communities", "/jobs", "/data", "/report", "/rotation", "/covers")
ROUTERS = (signin.router, overview.router, printing.router, grids.router, versions.router, actions.router,
           feeds.router, report.router, data.router, covers.router)
ERROR_HEADINGS = {403: "无权访问", 404: "找不到页面", 400: "请求有误", 409: "无法执行", 413: "文件过大"}


def _is_page(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PREFIXES)


def install(app: FastAPI) -> None:
    """Add the workplace's pages, its static files and its error pages to the app."""
    app.mount("/static", StaticFiles(directory=HERE.parent / "static"), name="static")
    install_docs(app)
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    limits.require_first(app, "/data", session_first, challenge="Cookie")  # uploads: sign-in before any body

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(sign_in_url(exc.next_url), 303)

    @app.exception_handler(StarletteHTTPException)
    async def page_errors(request: Request, exc: StarletteHTTPException) -> Response:
        """Workplace pages answer errors with a Chinese page; feeds and the API keep their own answers."""
        if not _is_page(request.url.path) or request.headers.get("accept", "").startswith("application/json"):
            return await http_exception_handler(request, exc)
        heading = ERROR_HEADINGS.get(exc.status_code, "出错了")
        message = exc.detail if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Forbidden") else heading
        return render(request, "error.html", current_admin(request), exc.status_code, title=heading,
                      heading=heading, message=message)


__all__ = ["install"]
