"""The remaining purchase flows of issue 4 over real HTTP: every status as the frontend reads it."""

from __future__ import annotations

from test_buying_e2e import CHECKOUT, VIEW, checkout_input

from stripe_sandbox.testing import ControlError

DAY = 86_400


async def start(e2e, user: str, **kwargs) -> dict:
    payload = (await e2e.gateway.graphql(CHECKOUT, checkout_input(**kwargs), user=user))["data"][
        "createCheckout"
    ]
    assert payload["userErrors"] == [], payload
    return payload


async def pay(e2e, session_id: str, outcome: str, country: str = "US") -> None:
    try:
        await e2e.world.control(
            f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": outcome, "country": country}
        )
    except ControlError as exc:
        assert exc.status == 402 and outcome == "declined"
    await e2e.flush()


async def view(e2e, user: str) -> dict:
    return (await e2e.gateway.graphql(VIEW, user=user))["data"]


def statuses(data: dict) -> list[str]:
    return [edge["node"]["status"] for edge in data["payments"]["edges"]]


async def test_yearly_jpy_with_vat(e2e) -> None:
    session = await start(e2e, "e2e-jp", product="PREMIUM_YEARLY", currency="JPY")
    assert session["payment"]["money"]["formatted"] == "¥7,800"
    await pay(e2e, session["sessionId"], "paid", country="DE")
    data = await view(e2e, "e2e-jp")
    assert statuses(data) == ["COMPLETED"]
    assert (
        data["subscription"]["billingCycle"] == "YEARLY"
        and data["premium"]["productType"] == "PREMIUM_YEARLY"
    )
    (invoice,) = [edge["node"] for edge in data["invoices"]["edges"]]
    assert (invoice["total"]["amount"], invoice["tax"]["amount"]) == (7800, 1245)


async def test_declined_card(e2e) -> None:
    session = await start(e2e, "e2e-declined", gift=True)
    await pay(e2e, session["sessionId"], "declined")
    data = await view(e2e, "e2e-declined")
    assert statuses(data) == ["PENDING"] and not data["premium"]["active"]


async def test_delayed_method_settles_and_one_fails(e2e) -> None:
    ok = await start(e2e, "e2e-sepa", currency="EUR", gift=True)
    await pay(e2e, ok["sessionId"], "delayed")
    assert statuses(await view(e2e, "e2e-sepa")) == ["AWAITING_SETTLEMENT"]
    bad = await start(e2e, "e2e-sepa", currency="EUR", gift=True)
    await pay(e2e, bad["sessionId"], "delayed")

    async def intent(session_id: str) -> str:
        session = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(session_id)
        return session.payment_intent

    await e2e.world.control(
        f"/_sandbox/payment_intents/{await intent(ok['sessionId'])}/settle", {"succeeded": True}
    )
    await e2e.world.control(
        f"/_sandbox/payment_intents/{await intent(bad['sessionId'])}/settle", {"succeeded": False}
    )
    await e2e.flush()
    data = await view(e2e, "e2e-sepa")
    assert sorted(statuses(data)) == ["COMPLETED", "FAILED"]
    settled = [e["node"] for e in data["payments"]["edges"] if e["node"]["status"] == "COMPLETED"]
    assert settled[0]["giftCode"]["status"] == "AVAILABLE"


async def test_abandoned_checkout_expires(e2e) -> None:
    await start(e2e, "e2e-quit")
    await e2e.world.advance(25 * 3600)
    await e2e.flush()
    assert statuses(await view(e2e, "e2e-quit")) == ["EXPIRED"]


async def test_renewal_and_failed_renewal(e2e) -> None:
    session = await start(e2e, "e2e-renew")
    await pay(e2e, session["sessionId"], "paid")
    await e2e.world.advance(32 * DAY)
    await e2e.flush()
    data = await view(e2e, "e2e-renew")
    assert statuses(data) == ["COMPLETED", "COMPLETED"], "a renewal is its own payment"
    assert len(data["invoices"]["edges"]) == 2

    sub = await e2e.world.services.stripe.v1.subscriptions.list_async(params={"limit": 100})
    customer = next(s.customer for s in sub.data if s.to_dict()["metadata"].get("user_id") == "e2e-renew")
    await e2e.world.control(f"/_sandbox/customers/{customer}/card", {"outcome": "declined"})
    await e2e.world.advance(31 * DAY)
    await e2e.flush()
    data = await view(e2e, "e2e-renew")
    assert data["subscription"]["status"] == "PAST_DUE"
    assert statuses(data)[0] == "FAILED"
    assert data["premium"]["active"], "access continues while Stripe retries"
