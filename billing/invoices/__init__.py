"""Invoices mirrored from Stripe, and the signed links that download them.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.invoices.download_links import sign_invoice_link, verify_invoice_link
from billing.invoices.sync import fetch_invoice, sync_invoice

__all__ = ["fetch_invoice", "sign_invoice_link", "sync_invoice", "verify_invoice_link"]
