"""Billing portal sessions (create); the page itself is in :mod:`.pages`."""

from __future__ import annotations

from typing import Any

from . import params as p
from .api import Call, api_route
from .errors import required
from .store import new_id


def create(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    if not prm.get("customer"):
        raise required("customer")
    customer = sb.store.get("customer", prm["customer"], "customer")
    session_id = new_id("bps", 24)
    session = {
        "id": session_id,
        "object": "billing_portal.session",
        "configuration": prm.get("configuration") or "bpc_sandbox_default",
        "created": sb.clock.now(),
        "customer": customer["id"],
        "customer_account": None,
        "flow": None,
        "livemode": False,
        "locale": prm.get("locale"),
        "on_behalf_of": None,
        "return_url": prm.get("return_url"),
        "url": f"{sb.base_url}/billing_portal/{session_id}",
    }
    return sb.store.add(session)


ROUTES = [
    api_route(
        "/v1/billing_portal/sessions",
        "POST",
        create,
        {
            "customer": p.STR,
            "return_url": p.STR,
            "configuration": p.STR,
            "locale": p.STR,
            "flow_data": p.ANY,
            "on_behalf_of": p.STR,
        },
    ),
]
