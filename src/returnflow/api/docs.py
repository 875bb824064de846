"""API docs from an installed package, and the favicon: nothing loads from a CDN.

`/docs` used to fetch Swagger UI from a public CDN, so it was a blank page offline and
let a third party run script on our origin (issue 9). The Swagger UI files now come
from the pinned `swagger-ui-py` package (Swagger UI 5, which reads the OpenAPI 3.1
document FastAPI writes; `swagger-ui-bundle` ships Swagger UI 4.15, which refuses it
with "Unable to render this definition"), mounted under `/docs-assets`. Only its files
are used: the package is found without importing its framework adapters.

FastAPI's page starts Swagger UI with a small inline script. Rather than loosen the
site-wide policy (`script-src 'self'`), `/docs` carries its own Content-Security-Policy
that also allows exactly that script by its SHA-256 hash, computed from the page as
served — any other inline script, or an edited one, is still refused.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse
from starlette.staticfiles import StaticFiles

from returnflow.entrypoints.security_headers import CONTENT_SECURITY_POLICY, policy_with_scripts

ASSETS = "/docs-assets"
STATIC = Path(__file__).parent.parent / "web" / "static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def swagger_ui_files() -> Path:
    """The Swagger UI distribution inside the installed `swagger-ui-py` package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install(app: FastAPI) -> None:
    """Mount the Swagger UI files and serve `/docs` and `/favicon.ico`.

    Build the app with `docs_url=None, redoc_url=None` so FastAPI adds no CDN pages.
    """
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_files()), name="docs")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return docs_page(app.openapi_url or "/openapi.json", f"{app.title} API")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")


def docs_page(openapi_url: str, title: str) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="/favicon.ico",
        # the validator badge would be an image from validator.swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    hashes = [_sha256(script) for script in _INLINE_SCRIPT.findall(html)]
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": policy_with_scripts(CONTENT_SECURITY_POLICY, hashes)},
    )


def _sha256(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
