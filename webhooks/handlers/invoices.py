"""invoice.*: mirror the invoice; renewals become payment rows.

The event's type is not read: a renewal's status is Stripe's invoice as it is now.
"""

from __future__ import annotations

from billing.invoices import sync_invoice
from billing.services import Services
from webhooks.event import Handler, StripeEvent


async def on_invoice(event: StripeEvent, services: Services) -> None:
    await sync_invoice(services, event.object["id"])


HANDLERS: dict[str, Handler] = {
    name: on_invoice
    for name in (
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_failed",
        "invoice.payment_action_required",
        "invoice.voided",
        "invoice.marked_uncollectible",
    )
}
