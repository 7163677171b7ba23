"""``/docs``: Swagger UI from the files the service ships, so it renders with no network beyond the service.

The Swagger UI distribution comes from the ``swagger-ui-bundle-v2`` wheel (Swagger UI 5, which reads
OpenAPI 3.1) and is served under ``/docs/assets``; the page loads nothing from another host. The online
validator badge is turned off (it would ask validator.swagger.io about the document).
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

__all__ = ["ASSETS_PATH", "DOCS_PATH", "add_docs"]

DOCS_PATH: Final = "/docs"
ASSETS_PATH: Final = "/docs/assets"


def add_docs(app: FastAPI, *, openapi_url: str) -> None:
    """Serve Swagger UI at ``/docs`` over ``openapi_url``, its assets at ``/docs/assets``."""
    title = f"{app.title} {app.version}"

    async def docs(request: Request) -> Response:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.router.add_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_ui_path), name="swagger-ui")
