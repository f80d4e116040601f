"""Opaque IDs and signed invoice links: round trips, and tampering that must fail."""

from __future__ import annotations

from datetime import timedelta

from billing import ids
from billing.invoices.download_links import sign_invoice_link, verify_invoice_link
from tests.factories import NOW

KEY = b"k" * 32


def _parts(link: str) -> tuple[str, str, str]:
    path, _, query = link.partition("?")
    params = dict(p.split("=") for p in query.split("&"))
    return path.split("/")[2], params["expires"], params["sig"]


def test_global_ids_round_trip_and_reject_foreign_types():
    gid = ids.encode("Payment", 42)
    assert ids.decode(gid) == ("Payment", 42)
    assert ids.decode_as(gid, "Payment") == 42
    assert ids.decode_as(gid, "Invoice") is None
    assert ids.decode(ids.encode("Payment", 2**63)) is None
    assert ids.decode("UGF5bWVudDo0Mg==") == ("Payment", 42)  # padding tolerated


def test_download_link_valid_until_expiry_only():
    gid = ids.encode("Invoice", 7)
    link = sign_invoice_link(KEY, gid, NOW)
    assert link.startswith(f"/invoices/{gid}/pdf?")
    invoice, expires, sig = _parts(link)
    assert verify_invoice_link(KEY, invoice, expires, sig, NOW + timedelta(minutes=4))
    assert not verify_invoice_link(KEY, invoice, expires, sig, NOW + timedelta(minutes=6))
    assert not verify_invoice_link(b"x" * 32, invoice, expires, sig, NOW)
    assert not verify_invoice_link(KEY, ids.encode("Invoice", 8), expires, sig, NOW)
    assert not verify_invoice_link(KEY, invoice, str(int(expires) + 3600), sig, NOW)
    assert not verify_invoice_link(KEY, invoice, None, sig, NOW)
    assert not verify_invoice_link(KEY, invoice, "soon", sig, NOW)
