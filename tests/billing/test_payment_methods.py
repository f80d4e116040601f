"""PAYMENT_METHODS: dynamic by default (the account decides), or a filter on that dynamic set."""

from __future__ import annotations

import dataclasses

from billing.checkout.sessions import create_checkout
from billing.deps import BillingConfig
from billing.services import Services
from models.enums import Currency, ProductType
from tests.billing.test_purchase_flows import request
from tests.stripe_world import ALLOWED_ORIGIN, StripeWorld


async def test_dynamic_sends_no_list_and_a_list_only_narrows_what_the_account_offers(
    world: StripeWorld,
) -> None:
    stripe = world.services.stripe.v1
    dynamic = await create_checkout(
        world.services, "pm-dyn", request(ProductType.PREMIUM_MONTHLY, Currency.EUR)
    )
    session = await stripe.checkout.sessions.retrieve_async(dynamic.session_id)
    assert session.payment_method_types == ["card", "link", "paypal", "sepa_debit"]

    config = BillingConfig(
        redirect_allowed_origins=(ALLOWED_ORIGIN,),
        stripe_timeout_seconds=5,
        payment_methods=("card", "bacs_debit"),
    )
    listed = dataclasses.replace(world.services, config=config)
    assert isinstance(listed, Services)
    narrowed = await create_checkout(listed, "pm-list", request(ProductType.PREMIUM_MONTHLY, Currency.EUR))
    session = await stripe.checkout.sessions.retrieve_async(narrowed.session_id)
    assert session.payment_method_types == ["card"]  # Bacs is not the account's to offer in euros
