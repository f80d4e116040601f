"""Which Stripe endpoint a request goes to: ``GET /v1/customers/{id}``.

Stripe counts its per-endpoint rate limit (25 requests/s unless noted, docs "Rate limits") by
named operation: `GET /v1/payment_intents/{id}` is one endpoint whatever the id. The pacer
(`billing.stripe.pacing`) keeps each endpoint's pace by this name, and the metrics label
requests with it. Stripe's paths alternate collection and id (``/v1/customers/cus_1/…``) below
an optional namespace (``checkout``, ``billing_portal``, …), so the template follows from
position.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Path segments that group resources instead of naming one (`/v1/checkout/sessions`).
_NAMESPACES = frozenset(
    {
        "apps",
        "billing",
        "billing_portal",
        "checkout",
        "climate",
        "entitlements",
        "financial_connections",
        "forwarding",
        "identity",
        "issuing",
        "radar",
        "reporting",
        "sigma",
        "tax",
        "terminal",
        "test_helpers",
        "treasury",
    }
)
# Segments that sit where an id would, but are actions on the collection.
_COLLECTION_ACTIONS = frozenset({"search", "upcoming", "create_preview"})


def endpoint_of(method: str, url: str) -> str:
    """``GET /v1/customers/{id}`` for ``get https://api.stripe.com/v1/customers/cus_123?expand=…``."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    out: list[str] = []
    index = 0
    if segments and segments[0] in ("v1", "v2"):
        out.append(segments[0])
        index = 1
    while index < len(segments) and segments[index] in _NAMESPACES:
        out.append(segments[index])
        index += 1
    position = 0  # even: a collection or an action; odd: an object id
    for segment in segments[index:]:
        if position % 2 == 1 and segment not in _COLLECTION_ACTIONS:
            out.append("{id}")
        else:
            out.append(segment)
        position += 1
    return f"{method.upper()} /{'/'.join(out)}"
