"""GraphiQL served entirely from this gateway, so the explorer works with no internet.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from a
CDN. The exact same files (their `integrity` hashes still match) are vendored
under `gateway/static/vendor/`, taken from the npm registry, and the page is
rewritten to load them from `/static/vendor/`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

CDN = "https://unpkg.com/"
VENDOR_PATH = "/static/vendor/"
VENDOR_DIR = Path(__file__).with_name("static") / "vendor"


@cache
def graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    return html.replace(CDN, VENDOR_PATH)


def vendor_mount() -> Mount:
    return Mount(VENDOR_PATH.rstrip("/"), app=StaticFiles(directory=VENDOR_DIR), name="vendor")
