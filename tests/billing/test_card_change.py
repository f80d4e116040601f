"""Changing the card: a setup-mode Checkout Session, then the new card pays the next invoices.

Stripe's side is the sandbox over HTTP: the user "enters" a card by completing
the setup session through the control API, Stripe's events go to the
gateway's handlers, and the results are read back from Stripe itself.
"""

from __future__ import annotations

import pytest

from billing.checkout.card_change import start_card_change
from billing.errors import BillingError, ErrorCode
from models import Payment, Subscription
from models.enums import Currency, PaymentStatus, ProductType
from tests.billing.test_provider_errors import closed_port, services_at
from tests.billing.test_purchase_flows import buy, request
from tests.billing.test_subscription_management import stripe_sub
from tests.stripe_world import ALLOWED_ORIGIN, StripeWorld

RETURN_URL = f"{ALLOWED_ORIGIN}/settings/billing"


async def error_of(awaitable) -> BillingError:
    with pytest.raises(BillingError) as caught:
        await awaitable
    return caught.value


def session_id_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


async def enter_card(world: StripeWorld, url: str, outcome: str = "paid") -> str:
    """What the user does on the hosted page; returns the new payment method's id."""
    session = await world.control(
        f"/_sandbox/checkout/sessions/{session_id_of(url)}/complete", {"outcome": outcome}
    )
    intent = await world.services.stripe.v1.setup_intents.retrieve_async(session["setup_intent"])
    return intent.payment_method


async def test_the_session_is_a_setup_session_for_the_subscription(world: StripeWorld) -> None:
    await buy(world, "eur-user", request(ProductType.PREMIUM_MONTHLY, Currency.EUR))
    sub = await Subscription.get(user_id="eur-user")
    url = await start_card_change(world.services, "eur-user", RETURN_URL)
    assert url.startswith(world.sandbox.base_url + "/checkout/")
    session = (await world.services.stripe.v1.checkout.sessions.retrieve_async(session_id_of(url))).to_dict()
    assert (session["mode"], session["currency"], session["customer"]) == (
        "setup",
        "eur",
        sub.stripe_customer_id,
    )
    assert session["success_url"] == session["cancel_url"] == RETURN_URL
    assert session["metadata"]["user_id"] == "eur-user" and session["status"] == "open"
    assert "sepa_debit" in session["payment_method_types"], "the euro area's debit is offered as in checkout"
    # The setup intent carries the metadata too, so Stripe's dashboard shows whose card it is.
    await enter_card(world, url)
    done = (await world.services.stripe.v1.checkout.sessions.retrieve_async(session_id_of(url))).to_dict()
    intent = await world.services.stripe.v1.setup_intents.retrieve_async(done["setup_intent"])
    assert intent.metadata["user_id"] == "eur-user"


async def test_refusals(world: StripeWorld) -> None:
    await buy(world, "card-user", request(ProductType.PREMIUM_MONTHLY))
    for evil in (
        "https://evil.example/settings",
        "http://localhost:3000@evil.example/",
        "javascript:alert(1)",
    ):
        failure = await error_of(start_card_change(world.services, "card-user", evil))
        assert (failure.code, failure.field) == (ErrorCode.REDIRECT_URL_NOT_ALLOWED, ["input", "returnUrl"])
    failure = await error_of(start_card_change(world.services, "no-sub", RETURN_URL))
    assert failure.code == ErrorCode.NO_ACTIVE_SUBSCRIPTION
    await buy(world, "gift-only", request(ProductType.PREMIUM_MONTHLY, gift=True))
    failure = await error_of(start_card_change(world.services, "gift-only", RETURN_URL))
    assert failure.code == ErrorCode.NO_ACTIVE_SUBSCRIPTION, "a gift buyer has no future charge to pay"
    down = services_at(closed_port(), world)
    assert (await error_of(start_card_change(down, "card-user", RETURN_URL))).code == (
        ErrorCode.PAYMENT_PROVIDER_ERROR
    )


async def test_new_card_becomes_the_default_and_pays_the_next_renewal(world: StripeWorld) -> None:
    first = await buy(world, "switcher", request(ProductType.PREMIUM_MONTHLY))
    sub = await Subscription.get(user_id="switcher")
    old_card = (await stripe_sub(world, sub.stripe_subscription_id))["default_payment_method"]
    assert old_card, "Checkout set the first card on the subscription"

    url = await start_card_change(world.services, "switcher", RETURN_URL)
    new_card = await enter_card(world, url)
    assert new_card != old_card
    # Stripe alone does not make it the default: before the gateway hears of it, nothing changed.
    assert (await stripe_sub(world, sub.stripe_subscription_id))["default_payment_method"] == old_card
    await world.deliver_new()
    customer = await world.services.stripe.v1.customers.retrieve_async(sub.stripe_customer_id)
    assert customer.invoice_settings.default_payment_method == new_card
    assert (await stripe_sub(world, sub.stripe_subscription_id))["default_payment_method"] == new_card

    await world.advance(int((sub.current_period_end - world.services.clock.now()).total_seconds()) + 2 * 3600)
    await world.deliver_new()
    renewal = await Payment.filter(user_id="switcher").exclude(id=first.payment.id).get()
    assert renewal.status == PaymentStatus.COMPLETED
    intent = await world.services.stripe.v1.payment_intents.retrieve_async(renewal.stripe_payment_intent_id)
    assert intent.payment_method == new_card, "the renewal was charged to the old card"
    charge = await world.services.stripe.v1.charges.retrieve_async(intent.latest_charge)
    assert charge.payment_method == new_card


async def test_a_late_redelivery_of_an_older_card_change_does_not_win(world: StripeWorld) -> None:
    await buy(world, "two-cards", request(ProductType.PREMIUM_MONTHLY))
    sub = await Subscription.get(user_id="two-cards")
    first_url = await start_card_change(world.services, "two-cards", RETURN_URL)
    first_card = await enter_card(world, first_url)
    first_events = await world.new_events()
    await world.advance(60)  # the second card is entered a minute later
    second_card = await enter_card(world, await start_card_change(world.services, "two-cards", RETURN_URL))
    second_events = await world.new_events()
    await world.deliver(second_events)
    await world.deliver(first_events)  # Stripe's retry of the older event arrives last
    customer = await world.services.stripe.v1.customers.retrieve_async(sub.stripe_customer_id)
    assert customer.invoice_settings.default_payment_method == second_card != first_card
    assert (await stripe_sub(world, sub.stripe_subscription_id))["default_payment_method"] == second_card


async def test_abandoned_card_change_changes_nothing(world: StripeWorld) -> None:
    await buy(world, "wanderer", request(ProductType.PREMIUM_MONTHLY))
    sub = await Subscription.get(user_id="wanderer")
    before = (await stripe_sub(world, sub.stripe_subscription_id))["default_payment_method"]
    url = await start_card_change(world.services, "wanderer", RETURN_URL)
    await world.advance(25 * 3600)  # the session expires unused
    await world.deliver_new()
    session = await world.services.stripe.v1.checkout.sessions.retrieve_async(session_id_of(url))
    assert session.status == "expired"
    assert (await stripe_sub(world, sub.stripe_subscription_id))["default_payment_method"] == before
    assert await Payment.filter(user_id="wanderer").count() == 1, "a setup session is no payment"
