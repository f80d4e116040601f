"""Short-lived signed links for invoice PDFs (`Invoice.downloadUrl`).

The link works as a plain URL (no Authorization header) for `LINK_TTL`, then
the route answers 404. Signature: HMAC-SHA256 over ``invoice id + expiry`` with
a key the app derives from its secrets, so any replica can verify any link.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

LINK_TTL = timedelta(minutes=5)


def _signature(key: bytes, invoice_global_id: str, expires: int) -> str:
    message = f"invoice-pdf:{invoice_global_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def invoice_pdf_path(invoice_global_id: str) -> str:
    return f"/invoices/{invoice_global_id}/pdf"


def sign_invoice_link(key: bytes, invoice_global_id: str, now: datetime, *, ttl: timedelta = LINK_TTL) -> str:
    """Path and query of a link valid until ``now + ttl`` (prefix it with the public origin)."""
    expires = int((now + ttl).timestamp())
    sig = _signature(key, invoice_global_id, expires)
    return f"{invoice_pdf_path(invoice_global_id)}?expires={expires}&sig={sig}"


def verify_invoice_link(
    key: bytes, invoice_global_id: str, expires: str | None, sig: str | None, now: datetime
) -> bool:
    """True while the link is unexpired and its signature matches (constant-time compare)."""
    if not expires or not sig or not expires.isdigit():
        return False
    if int(expires) < now.timestamp():
        return False
    return hmac.compare_digest(_signature(key, invoice_global_id, int(expires)), sig)
