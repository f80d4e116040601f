"""radar.early_fraud_warning.created: refund before the chargeback, or restrict (billing.reversals.fraud)."""

from __future__ import annotations

from billing.reversals import handle_early_fraud_warning
from billing.services import Services
from webhooks.event import Handler, StripeEvent


async def on_early_fraud_warning(event: StripeEvent, services: Services) -> None:
    await handle_early_fraud_warning(services, event.object["id"])


HANDLERS: dict[str, Handler] = {"radar.early_fraud_warning.created": on_early_fraud_warning}
