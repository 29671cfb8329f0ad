"""`/docs`: the OpenAPI page with Swagger UI served by the app itself (works without internet).

FastAPI's own docs page loads Swagger UI from a CDN, which a school intranet
cannot reach; the files come from the `swagger-ui-bundle-v2` package instead.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"
PUBLIC_SCHEMA = "/api/openapi.json"  # the admin API's schema; the app publishes none of its own


def install_docs(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=PUBLIC_SCHEMA, title="同盘 tongpan 接口文档",
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon-32x32.png")
