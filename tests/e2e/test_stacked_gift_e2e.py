"""The stacked-gift scenario of issue 13 over HTTP: a subscriber redeems a yearly gift on their own
account, then both payments are reversed (refunds by support, or chargebacks), in both orders.
Premium ends when both are reversed; undoing the gift's reversal (the refund fails, the dispute is
won) gives back exactly the gift's year, once, even when Stripe delivers everything again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from test_buying_e2e import REDEEM, _signed, buy
from test_refunds_e2e import admin_view, refund

from billing import ids
from models import Payment
from tests.inbox_settle import inbox_settled

VIEW = "{ premium { active source until } }"
YEAR = timedelta(days=365)


async def _intent(e2e, payment_id: str) -> str:
    row = await Payment.get(id=ids.decode_as(payment_id, "Payment"))
    return row.stripe_payment_intent_id


async def reverse(e2e, payment_id: str, how: str) -> str | None:
    if how == "refund":
        assert (await refund(e2e, payment_id))["userErrors"] == []
        await e2e.flush()
        return None
    intent = await e2e.world.services.stripe.v1.payment_intents.retrieve_async(await _intent(e2e, payment_id))
    dispute = await e2e.world.control(f"/_sandbox/charges/{intent.latest_charge}/dispute")
    await e2e.flush()
    return dispute["id"]


async def undo(e2e, payment_id: str, how: str, dispute_id: str | None) -> None:
    if how == "refund":
        listed = await e2e.world.services.stripe.v1.refunds.list_async(
            params={"payment_intent": await _intent(e2e, payment_id)}
        )
        await e2e.world.control(f"/_sandbox/refunds/{listed.data[0].id}/fail")
    else:
        await e2e.world.control(f"/_sandbox/disputes/{dispute_id}/close", {"status": "won"})
    await e2e.flush()


async def premium(e2e, user: str) -> dict:
    return (await e2e.gateway.graphql(VIEW, user=user))["data"]["premium"]


@pytest.mark.parametrize("how", ["refund", "chargeback"])
@pytest.mark.parametrize("order", ["subscription first", "gift first"])
async def test_stacked_gift_reversed_in_both_orders_and_given_back_once(e2e, how: str, order: str) -> None:
    user = f"e-stack-{how}-{order.split()[0]}"
    own = await buy(e2e, user)
    gift = await buy(e2e, user, product="PREMIUM_YEARLY", gift=True)
    code = {
        edge["node"]["id"]: edge["node"]["giftCode"]
        for edge in (await admin_view(e2e, user))["payments"]["edges"]
    }[gift["payment"]["id"]]["code"]
    redeemed = await e2e.gateway.graphql(REDEEM, {"code": code}, user=user)
    assert redeemed["data"]["redeemGift"]["userErrors"] == []
    await e2e.flush()

    ids_in_order = [own["payment"]["id"], gift["payment"]["id"]]
    if order == "gift first":
        ids_in_order.reverse()
    disputes = {pid: await reverse(e2e, pid, how) for pid in ids_in_order}
    now = datetime.fromtimestamp((await e2e.world.control("/_sandbox/clock"))["now"], UTC)
    after = await premium(e2e, user)
    assert not after["active"], f"both payments reversed, yet Premium until {after['until']}"

    await e2e.world.new_events()  # what came before
    await undo(e2e, gift["payment"]["id"], how, disputes[gift["payment"]["id"]])
    undone = await e2e.world.new_events()
    back = await premium(e2e, user)
    until = datetime.fromisoformat(back["until"])
    assert back["active"] and back["source"] == "GIFT"
    assert YEAR - timedelta(days=1) < until - now <= YEAR + timedelta(days=1), until - now
    for event in undone:  # Stripe delivers the events that undid it again
        assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await inbox_settled()
    assert (await premium(e2e, user))["until"] == back["until"]


async def _code_of(e2e, user: str, payment_id: str) -> str:
    codes = {
        edge["node"]["id"]: edge["node"]["giftCode"]
        for edge in (await admin_view(e2e, user))["payments"]["edges"]
    }
    return codes[payment_id]["code"]


@pytest.mark.parametrize("how", ["refund", "chargeback"])
async def test_two_stacked_gifts_reversed_after_the_subscription_end_premium(e2e, how: str) -> None:
    """Two yearly gifts on one's own subscription (the ledger's chain): the subscription reversed,
    then each gift: Premium ends (before the ledger the second code named a stretch that had moved,
    so its reversal took nothing back and a year stayed). Undoing the second gift's reversal gives
    back exactly its year, once."""
    user = f"e-stack2-{how}"
    own = await buy(e2e, user)
    gifts = [await buy(e2e, user, product="PREMIUM_YEARLY", gift=True) for _ in range(2)]
    for gift in gifts:
        code = await _code_of(e2e, user, gift["payment"]["id"])
        redeemed = await e2e.gateway.graphql(REDEEM, {"code": code}, user=user)
        assert redeemed["data"]["redeemGift"]["userErrors"] == []
        await e2e.flush()
    stacked = datetime.fromisoformat((await premium(e2e, user))["until"])

    await reverse(e2e, own["payment"]["id"], how)
    now = datetime.fromtimestamp((await e2e.world.control("/_sandbox/clock"))["now"], UTC)
    kept = datetime.fromisoformat((await premium(e2e, user))["until"])
    assert 2 * YEAR - timedelta(days=2) < kept - now <= 2 * YEAR + timedelta(days=2), (kept, stacked)
    dispute = None
    for gift in gifts:
        dispute = await reverse(e2e, gift["payment"]["id"], how)
    after = await premium(e2e, user)
    assert not after["active"], f"every payment reversed, yet Premium until {after['until']}"

    await e2e.world.new_events()
    await undo(e2e, gifts[1]["payment"]["id"], how, dispute)
    undone = await e2e.world.new_events()
    back = await premium(e2e, user)
    until = datetime.fromisoformat(back["until"])
    assert back["active"] and back["source"] == "GIFT"
    assert YEAR - timedelta(days=1) < until - now <= YEAR + timedelta(days=1), until - now
    for event in undone:
        assert (await _signed(e2e, orjson.dumps(event))).status_code == 200
    await inbox_settled()
    assert (await premium(e2e, user))["until"] == back["until"]
