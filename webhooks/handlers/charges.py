"""charge.refunded, refund.updated/failed, charge.dispute.*: refunds, inquiries and chargebacks.

Each handler re-fetches (the charge, or the dispute) and converges the payment,
its refund rows and what it granted on Stripe's current state, so any order
and any number of deliveries end in the same rows. A charge the gateway cannot
place yet is placed through Stripe, or the event fails and is retried later
(`billing.checkout.charges`).
"""

from __future__ import annotations

from billing.reversals import sync_charge, sync_dispute, sync_refund
from billing.services import Services
from webhooks.event import Handler, StripeEvent


async def on_charge_refunded(event: StripeEvent, services: Services) -> None:
    await sync_charge(services, event.object["id"])


async def on_refund(event: StripeEvent, services: Services) -> None:
    await sync_refund(services, event.object)


async def on_dispute(event: StripeEvent, services: Services) -> None:
    await sync_dispute(services, event.object["id"])


HANDLERS: dict[str, Handler] = {
    "charge.refunded": on_charge_refunded,
    "refund.updated": on_refund,
    "refund.failed": on_refund,
    "charge.dispute.created": on_dispute,
    "charge.dispute.updated": on_dispute,  # e.g. an inquiry turned into a chargeback
    "charge.dispute.funds_withdrawn": on_dispute,
    "charge.dispute.funds_reinstated": on_dispute,
    "charge.dispute.closed": on_dispute,
}
