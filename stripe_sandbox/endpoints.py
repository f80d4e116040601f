"""Webhook endpoints: create (returns ``secret``), retrieve, list, update, delete."""

from __future__ import annotations

import secrets
from typing import Any

from . import params as p
from .api import LIST_SPEC, Call, api_route, paginate
from .customers import merge_metadata
from .errors import invalid
from .events import API_VERSION
from .shapes import sdk_params
from .store import new_id

SPEC: dict[str, Any] = {
    "url": p.STR,
    "enabled_events": [p.STR],
    "description": p.STR,
    "metadata": p.METADATA,
    "api_version": p.STR,
    "connect": p.BOOL,
}
# WebhookEndpointUpdateParams: no api_version or connect (fixed at creation); `disabled` only here.
UPDATE_SPEC: dict[str, Any] = {
    **{k: v for k, v in SPEC.items() if k not in ("api_version", "connect")},
    "disabled": p.BOOL,
}


def _check_url(url: str | None) -> str:
    if not url or not url.startswith(("http://", "https://")):
        raise invalid("Invalid URL: must be an http(s) URL.", param="url", code="url_invalid")
    return url


def _check_events(events: list[str] | None) -> list[str]:
    if not events:
        raise invalid(
            "Missing required param: enabled_events.", param="enabled_events", code="parameter_missing"
        )
    # The event types Stripe knows at this version: WebhookEndpointCreateParams.enabled_events.
    known = set(
        sdk_params.declared_for("POST", "/v1/webhook_endpoints")["fields"]["enabled_events"]["items"]["enum"]
    )
    for index, name in enumerate(events):
        if name not in known:
            raise invalid(f"Invalid enabled_events[{index}]: {name}", param=f"enabled_events[{index}]")
    return events


def create(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    endpoint = {
        "id": new_id("we", 24),
        "object": "webhook_endpoint",
        "api_version": prm.get("api_version") or API_VERSION,
        "application": None,
        "created": sb.clock.now(),
        "description": prm.get("description"),
        "enabled_events": _check_events(prm.get("enabled_events")),
        "livemode": False,
        "metadata": prm.get("metadata") or {},
        "status": "enabled",
        "url": _check_url(prm.get("url")),
    }
    secret = "whsec_" + secrets.token_hex(24)
    sb.store.add(endpoint)
    sb.store.meta_of(endpoint["id"])["secret"] = secret
    return {**endpoint, "secret": secret}


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("webhook_endpoint", call.path["id"])


def update(call: Call) -> dict[str, Any]:
    prm = call.params
    endpoint = call.sb.store.get("webhook_endpoint", call.path["id"])
    if "url" in prm:
        endpoint["url"] = _check_url(prm["url"])
    if "enabled_events" in prm:
        endpoint["enabled_events"] = _check_events(prm["enabled_events"])
    if "description" in prm:
        endpoint["description"] = prm["description"]
    if "metadata" in prm:
        endpoint["metadata"] = merge_metadata(endpoint["metadata"], prm["metadata"])
    if prm.get("disabled") is not None:
        endpoint["status"] = "disabled" if prm["disabled"] else "enabled"
    call.sb.store.touch()
    return endpoint


def delete(call: Call) -> dict[str, Any]:
    sb = call.sb
    endpoint = sb.store.get("webhook_endpoint", call.path["id"])
    sb.store.remove("webhook_endpoint", endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


def list_(call: Call) -> dict[str, Any]:
    return paginate(call.sb.store.all("webhook_endpoint"), call.params, "/v1/webhook_endpoints")


ROUTES = [
    api_route("/v1/webhook_endpoints", "POST", create, SPEC),
    api_route("/v1/webhook_endpoints", "GET", list_, LIST_SPEC),
    api_route("/v1/webhook_endpoints/{id}", "GET", retrieve, {}),
    api_route("/v1/webhook_endpoints/{id}", "POST", update, UPDATE_SPEC),
    api_route("/v1/webhook_endpoints/{id}", "DELETE", delete, {}),
]
