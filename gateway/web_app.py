"""The reference web client (`web/`), served at `/` when WEB_APP=true (`dev` turns it on).

Static files, no build step: the page, its JavaScript modules and styles, and
`operations.graphql`, every operation the client sends (the one place they
live, so a manifest of them can be generated). The page's paths (`/`, and
`/success` where Stripe Checkout sends the buyer back) all serve `index.html`;
the client picks its view from the URL. The client talks to the gateway only
through the public GraphQL API, like any other frontend.

Only `dev` passes a `DemoSession`: its token is then written into the page, so
the client opens signed in as the demo user. `serve` never has one, so no
token can reach a page it serves.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from os import PathLike
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.persisted_queries import operations_of

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
ASSETS_PATH = "/web"
PAGES = ("/", "/success")
FILES = ("index.html", "app.js", "graphql.js", "live.js", "style.css", "operations.graphql")
DEMO_PLACEHOLDER = "<!--demo-session-->"
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


@dataclass(frozen=True)
class DemoSession:
    """dev's demo user, put into the pages dev serves (the web client's and GraphiQL's)."""

    user_id: str
    token: str
    origin: str  # where dev serves the gateway (and so the web client)


def missing_web_files() -> list[str]:
    """The client's files that are not there (a wheel install carries no `web/`: serve a checkout)."""
    return [name for name in FILES if not (WEB_DIR / name).is_file()]


def json_for_html(value: object) -> str:
    """JSON safe inside a `<script type="application/json">` element (no `</script>`, no comments)."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_html(demo: DemoSession | None) -> str:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    if DEMO_PLACEHOLDER not in html:
        raise RuntimeError(f"web/index.html lost its {DEMO_PLACEHOLDER} marker")
    script = ""
    if demo is not None:
        session = json_for_html({"userId": demo.user_id, "token": demo.token})
        script = f'<script type="application/json" id="demo-session">{session}</script>'
    return html.replace(DEMO_PLACEHOLDER, script)


def _page_headers(request: Request, *, has_token: bool) -> dict[str, str]:
    host = request.headers.get("host", "")
    # 'self' covers same-origin websockets in CSP 3; the explicit ws:/wss: entries cover older browsers.
    connect = f"'self' ws://{host} wss://{host}" if _HOST.fullmatch(host) else "'self'"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # A page with dev's token in it is never stored; the plain page is revalidated.
        "Cache-Control": "no-store" if has_token else "no-cache",
    }


class _WebFiles(StaticFiles):
    """web/'s files; `.graphql` (no registered media type) as UTF-8 text, nothing sniffed."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if str(full_path).endswith(".graphql"):
            response.headers["content-type"] = "text/plain; charset=utf-8"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def web_routes(demo: DemoSession | None = None) -> list[BaseRoute]:
    """`/` and `/success` (the page), `/web/…` (its files)."""
    html = page_html(demo)

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html, headers=_page_headers(request, has_token=demo is not None))

    return [
        *(Route(path, page, methods=["GET", "HEAD"]) for path in PAGES),
        Mount(ASSETS_PATH, app=_WebFiles(directory=WEB_DIR), name="web"),
    ]


@cache
def web_operations() -> dict[str, str]:
    """The client's operations by name, each with the exact text the client sends.

    The text runs from the operation's keyword to its closing brace, as graphql-core
    locates it; `web/graphql.js` cuts the file the same way (a browser test compares),
    so the web manifest (`gateway.persisted_queries`) names what the browser sends.
    """
    source = (WEB_DIR / "operations.graphql").read_text(encoding="utf-8")
    return operations_of(source, "web/operations.graphql")
