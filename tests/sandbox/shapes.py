"""Shape checks against ``stripe_sandbox/shapes/keys.json``."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.shapes import allowed_keys

#: Expected id prefix per object name.
ID_PREFIXES = {
    "customer": ("cus_",),
    "product": ("prod_",),
    "price": ("price_",),
    "checkout.session": ("cs_test_",),
    "billing_portal.session": ("bps_",),
    "subscription": ("sub_",),
    "subscription_item": ("si_",),
    "invoice": ("in_",),
    "invoice_payment": ("inpay_",),
    "line_item": ("il_",),
    "item": ("li_",),
    "payment_intent": ("pi_",),
    "setup_intent": ("seti_",),
    "charge": ("ch_", "py_"),
    "refund": ("re_",),
    "payment_method": ("pm_",),
    "plan": ("price_",),
    "dispute": ("dp_", "du_"),
    "event": ("evt_",),
    "webhook_endpoint": ("we_",),
    "radar.early_fraud_warning": ("issfr_",),
    "tax_id": ("txi_",),
    "balance_transaction": ("txn_",),
}

LIST_KEYS = {"object", "data", "has_more", "url", "total_count"}


def assert_shape(obj: Any, path: str = "$", seen: set[str] | None = None) -> set[str]:
    """Fail if ``obj`` (recursively) has a key outside its resource's set or a wrong id.

    Returns the object names it checked, so callers can assert coverage.
    """
    seen = set() if seen is None else seen
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            assert_shape(item, f"{path}[{i}]", seen)
        return seen
    if not isinstance(obj, dict):
        return seen
    name = obj.get("object")
    keys = allowed_keys()
    if name == "list":
        extra = set(obj) - LIST_KEYS
        assert not extra, f"{path}: list has unexpected keys {sorted(extra)}"
    elif isinstance(name, str) and name in keys:
        extra = set(obj) - keys[name]
        assert not extra, f"{path}: {name} has keys outside its set: {sorted(extra)}"
        prefixes = ID_PREFIXES.get(name)
        if prefixes and "id" in obj:
            assert str(obj["id"]).startswith(prefixes), f"{path}: {name} id {obj['id']!r}"
        seen.add(name)
    for key, value in obj.items():
        if key == "previous_attributes":
            continue  # old values of the object's own keys; checked against data.object
        assert_shape(value, f"{path}.{key}", seen)
    if name == "event":
        prev = obj["data"].get("previous_attributes") or {}
        inner = obj["data"]["object"]
        extra = set(prev) - keys.get(inner["object"], frozenset(prev))
        assert not extra, f"{path}: previous_attributes keys outside {inner['object']}: {extra}"
    return seen
