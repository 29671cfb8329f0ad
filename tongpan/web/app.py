"""`create_app(settings)`: the FastAPI application `tongpan serve` runs; routers live in their own modules."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from sqlalchemy import text
from starlette.types import Receive, Scope, Send

from scheduler.db import make_engine
from tongpan.settings import Settings
from tongpan.web import api, covers_api, dashboard, fastpath, feeds, limits


class TongpanApp(FastAPI):
    """FastAPI behind the feed fast path: `/feeds/` requests never enter FastAPI's routing or middleware."""

    fast: fastpath.FeedFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast is None:
            await super().__call__(scope, receive, send)
        else:
            await self.fast(scope, receive, send)

    async def routed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The FastAPI application itself, for whatever the fast path does not answer."""
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> TongpanApp:
    settings = settings or Settings.from_env()
    # No app-wide schema: the admin API publishes its own at /api/openapi.json (what /docs shows).
    app = TongpanApp(title="tongpan 同盘", docs_url=None, redoc_url=None, openapi_url=None,
                     max_body_size=limits.max_body_size())
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.fast = fastpath.wrap(app.routed, app.state.engine)
    limits.install(app)
    app.include_router(feeds.router)
    feeds.redact_access_log()
    app.include_router(api.router)
    app.include_router(covers_api.router)
    limits.require_first(app, "/api/", api.bearer_first(app.state.engine))
    limits.require_first(app, "/api/openapi.json", None)
    dashboard.install(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    # Everything loaded so far lives as long as the process: keep it out of the
    # cyclic collector's full passes, which otherwise stall requests for tens of ms.
    gc.freeze()
    return app
