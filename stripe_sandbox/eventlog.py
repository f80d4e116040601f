"""``/v1/events``: retrieve and list (``type``, ``types[]``, ``created[gte]``…)."""

from __future__ import annotations

import fnmatch
from typing import Any

from . import params as p
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("event", call.path["id"])


def list_(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("event")
    if prm.get("type"):
        items = [e for e in items if fnmatch.fnmatchcase(e["type"], prm["type"])]
    if prm.get("types"):
        items = [e for e in items if e["type"] in prm["types"]]
    if prm.get("delivery_success") is not None:
        items = [e for e in items if (e["pending_webhooks"] == 0) == prm["delivery_success"]]
    items = created_filter(items, created_param(prm.get("created")))
    return paginate(items, prm, "/v1/events")


ROUTES = [
    api_route("/v1/events/{id}", "GET", retrieve, {}),
    api_route(
        "/v1/events",
        "GET",
        list_,
        {**LIST_SPEC, "type": p.STR, "types": [p.STR], "created": p.ANY, "delivery_success": p.BOOL},
    ),
]
