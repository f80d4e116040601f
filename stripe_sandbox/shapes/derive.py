"""Derive the allowed top-level keys of every resource the sandbox serves.

Why: the sandbox must never hand the gateway a key that real Stripe would not
send.  Stripe's own example objects (``stripe_openapi/fixtures3.json`` beside
this file, from Stripe's public OpenAPI repository; MIT, licence beside it)
are a few months older than the pinned SDK, so the allowed set of a resource
is the union of the fixture's keys and the fields the pinned ``stripe``
package declares on that resource's class.

Run ``python -m stripe_sandbox.shapes.derive [FIXTURES]`` to rewrite
``keys.json`` beside this file; the result is checked in, and a test keeps it
equal to a fresh derivation.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

#: Object names the sandbox returns, top-level or nested in lists/expansions.
SERVED = (
    "balance_transaction",
    "billing_portal.session",
    "charge",
    "checkout.session",
    "coupon",
    "customer",
    "discount",
    "dispute",
    "event",
    "invoice",
    "invoice_payment",
    "item",
    "line_item",
    "payment_intent",
    "payment_method",
    "plan",
    "price",
    "product",
    "promotion_code",
    "radar.early_fraud_warning",
    "refund",
    "setup_intent",
    "subscription",
    "subscription_item",
    "tax_id",
    "tax_rate",
    "webhook_endpoint",
)

HERE = Path(__file__).resolve().parent
DEFAULT_FIXTURES = HERE / "stripe_openapi" / "fixtures3.json"
KEYS_PATH = HERE / "keys.json"


def sdk_fields(object_name: str) -> set[str]:
    """Fields the pinned SDK declares (class annotations) for ``object_name``."""
    from stripe._object_classes import OBJECT_CLASSES

    entry = OBJECT_CLASSES.get(object_name)
    if entry is None:
        return set()
    module_name, class_name = entry
    cls = getattr(importlib.import_module(module_name), class_name)
    fields: set[str] = set()
    for klass in cls.__mro__:
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name.isupper() or "ClassVar" in str(annotation):
                continue
            fields.add(name)
    return fields


def derive(fixtures_path: Path = DEFAULT_FIXTURES) -> dict[str, list[str]]:
    """Return ``{object_name: sorted allowed keys}`` for every served resource."""
    resources = json.loads(fixtures_path.read_text())["resources"]
    result: dict[str, list[str]] = {}
    for name in SERVED:
        keys = set(resources.get(name, {})) | sdk_fields(name)
        if not keys:
            raise SystemExit(f"no fixture and no SDK class for {name!r}")
        result[name] = sorted(keys)
    return result


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    fixtures = Path(args[0]) if args else DEFAULT_FIXTURES
    keys = derive(fixtures)
    KEYS_PATH.write_text(json.dumps(keys, indent=1, sort_keys=True) + "\n")
    print(f"wrote {KEYS_PATH} ({len(keys)} resources)")


if __name__ == "__main__":
    main()
