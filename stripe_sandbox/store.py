"""In-memory state, saved to a JSON file.

Why: ``billing-gateway dev`` restarts must find Stripe's side as the gateway's
database remembers it, so every change marks the store dirty and a saver
writes it atomically (temp file + rename) shortly after, and at shutdown.

Objects are kept exactly in Stripe's shape (plain JSON dicts) per object name,
in creation order.  Bookkeeping Stripe does not show (which card outcome a
customer has, when an invoice is next attempted, a session's line items, …)
lives in :attr:`Store.meta`, keyed by object id, never on the objects.
"""

from __future__ import annotations

import os
import secrets
import string
from pathlib import Path
from typing import Any

import orjson

from .errors import missing

_ALPHABET = string.ascii_letters + string.digits

#: id prefix -> object name, used to resolve ``expand[]`` and error messages.
PREFIXES: dict[str, str] = {
    "cus": "customer",
    "prod": "product",
    "price": "price",
    "cs_test": "checkout.session",
    "bps": "billing_portal.session",
    "sub": "subscription",
    "si": "subscription_item",
    "in": "invoice",
    "inpay": "invoice_payment",
    "il": "line_item",
    "li": "item",
    "pi": "payment_intent",
    "seti": "setup_intent",
    "ch": "charge",
    "py": "charge",
    "re": "refund",
    "pm": "payment_method",
    "dp": "dispute",
    "evt": "event",
    "we": "webhook_endpoint",
    "txr": "tax_rate",
    "txi": "tax_id",
    "issfr": "radar.early_fraud_warning",
    "txn": "balance_transaction",
    "di": "discount",
    "promo": "promotion_code",
}

#: Human names Stripe uses in "No such …" messages.
KIND_NAMES: dict[str, str] = {
    "checkout.session": "checkout.session",
    "billing_portal.session": "billing_portal.session",
    "payment_intent": "payment_intent",
    "setup_intent": "setupintent",
    "payment_method": "PaymentMethod",
    "webhook_endpoint": "webhook endpoint",
    "promotion_code": "promotion code",
}


def new_id(prefix: str, length: int = 24) -> str:
    """``prefix_`` + ``length`` random base62 characters (from one CSPRNG draw: fast)."""
    number = secrets.randbits(6 * length)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(chars)


_SORTABLE = string.digits + string.ascii_uppercase + string.ascii_lowercase  # ASCII order


def sortable_id(prefix: str, sequence: int, length: int = 24) -> str:
    """An id whose text sorts like ``sequence`` (then random), as Stripe's roughly do.

    Why: events emitted in the same second share ``created``; consumers that
    order by ``(created, id)`` then still see emission order.
    """
    head = []
    for _ in range(8):
        sequence, digit = divmod(sequence, 62)
        head.append(_SORTABLE[digit])
    return f"{prefix}_1" + "".join(reversed(head)) + new_id("x", length - 9)[2:]


def object_name_for(object_id: str) -> str | None:
    if object_id.startswith("cs_test_"):
        return "checkout.session"
    if object_id.startswith("sub_sched_"):  # not a subscription's "sub_"
        return "subscription_schedule"
    return PREFIXES.get(object_id.split("_", 1)[0])


class Store:
    """All sandbox state.  Mutated only on the event loop, so never torn."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.meta: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.settings: dict[str, Any] = {}
        self.clock_offset = 0
        self.invoice_number = 0
        self.dirty = False

    # -- objects -----------------------------------------------------------
    def table(self, name: str) -> dict[str, dict[str, Any]]:
        return self.tables.setdefault(name, {})

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.table(obj["object"])[obj["id"]] = obj
        self.dirty = True
        return obj

    def get(self, name: str, object_id: Any, param: str | None = None) -> dict[str, Any]:
        obj = self.find(name, object_id)
        if obj is None:
            raise missing(KIND_NAMES.get(name, name), str(object_id), param)
        return obj

    def find(self, name: str, object_id: Any) -> dict[str, Any] | None:
        if not isinstance(object_id, str):
            return None
        return self.tables.get(name, {}).get(object_id)

    def resolve(self, object_id: str) -> dict[str, Any] | None:
        """Find any object by id (for expansion)."""
        name = object_name_for(object_id)
        # A coupon's id is whatever was asked for (no prefix): looked up last (discounts.py).
        return self.find(name, object_id) if name else self.find("coupon", object_id)

    def all(self, name: str) -> list[dict[str, Any]]:
        """Objects of one kind, oldest first."""
        return list(self.tables.get(name, {}).values())

    def remove(self, name: str, object_id: str) -> None:
        self.tables.get(name, {}).pop(object_id, None)
        self.dirty = True

    def meta_of(self, object_id: str) -> dict[str, Any]:
        return self.meta.setdefault(object_id, {})

    def touch(self) -> None:
        self.dirty = True

    # -- persistence -------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "version": 1,
            "tables": self.tables,
            "meta": self.meta,
            "idempotency": self.idempotency,
            "deliveries": self.deliveries,
            "settings": self.settings,
            "clock_offset": self.clock_offset,
            "invoice_number": self.invoice_number,
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.tables = data.get("tables", {})
        self.meta = data.get("meta", {})
        self.idempotency = data.get("idempotency", {})
        self.deliveries = data.get("deliveries", {})
        self.settings = data.get("settings", {})
        self.clock_offset = int(data.get("clock_offset", 0))
        self.invoice_number = int(data.get("invoice_number", 0))

    def dump(self) -> bytes:
        """Serialise everything (on the loop thread, so the state is consistent)."""
        self.dirty = False
        return orjson.dumps(self.snapshot())

    @staticmethod
    def write(path: Path, data: bytes) -> None:
        """Atomically replace ``path`` with ``data`` (safe to run in a thread)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def save(self, path: Path) -> None:
        self.write(path, self.dump())

    def load(self, path: Path) -> bool:
        if not path.exists():
            return False
        self.restore(orjson.loads(path.read_bytes()))
        return True
