"""The billing `Services` of a request, or PAYMENT_PROVIDER_ERROR when Stripe is not configured."""

from __future__ import annotations

from billing.errors import PaymentProviderError
from billing.services import Services
from schema.types.context import GatewayContext


def services_of(context: GatewayContext) -> Services:
    if context.services is None:
        raise PaymentProviderError("Payments are not configured on this server (STRIPE_API_KEY).")
    return context.services
