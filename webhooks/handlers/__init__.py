"""One module per event family; `HANDLERS` merges their tables."""

from __future__ import annotations

from webhooks.event import Handler
from webhooks.handlers import charges, checkout, fraud, invoices, payment_intents, subscriptions

HANDLERS: dict[str, Handler] = {
    **checkout.HANDLERS,
    **subscriptions.HANDLERS,
    **invoices.HANDLERS,
    **payment_intents.HANDLERS,
    **charges.HANDLERS,
    **fraud.HANDLERS,
}
