"""Each user's Stripe budget over HTTP (issue 13): a script cannot spend the account's shared rate
limit, concurrent checkouts leave one working link at the cost of one expire per replaced session,
and a restriction closes the links handed out before it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from billing.catalog import entries as catalog
from models import CatalogPrice, Customer
from models.enums import Currency, ProductType
from stripe_sandbox.testing import ControlError
from tests.conftest import DIALECT
from tests.e2e.test_buying_e2e import CHECKOUT, VIEW, checkout_input
from tests.sandbox_limits import sandbox_limits

RESTRICT = """
mutation($user: ID!) {
  setPurchaseRestriction(input: {userId: $user, restricted: true, reason: "card testing"}) {
    userErrors { code }
  }
}"""


async def sessions_of(e2e, user: str) -> list[Any]:
    customer_id = (await Customer.get(user_id=user)).stripe_customer_id
    listed = await e2e.world.services.stripe.v1.checkout.sessions.list_async(
        params={"customer": customer_id, "limit": 100}
    )
    return list(listed.data)


def codes(answer: dict) -> list[str]:
    return [e["code"] for e in answer["data"]["createCheckout"]["userErrors"]]


async def test_fifty_checkouts_in_a_minute_stripe_sees_only_the_budget(e2e) -> None:
    user = "budget-script"
    answers = [await e2e.gateway.graphql(CHECKOUT, checkout_input(), user=user) for _ in range(50)]
    allowed = [a for a in answers if codes(a) == []]
    refused = [a for a in answers if codes(a) == ["RATE_LIMITED"]]
    assert (len(allowed), len(refused)) == (20, 30)  # USER_STRIPE_CALL_LIMIT's default, 20 an hour
    assert "at most 20" in refused[0]["data"]["createCheckout"]["userErrors"][0]["message"]
    sessions = await sessions_of(e2e, user)
    assert len(sessions) == 20  # Stripe saw only the allowed ones
    # Each new subscription checkout replaced the one before: the last link is the one still open.
    open_ = [s.id for s in sessions if s.status == "open"]
    assert open_ == [allowed[-1]["data"]["createCheckout"]["sessionId"]]


async def stripe_calls(e2e) -> dict[str, float]:
    """The gateway's own count of its Stripe requests by operation, whatever their outcome (/metrics)."""
    async with httpx.AsyncClient(base_url=e2e.gateway.base_url, timeout=10) as http:
        text = (await http.get("/metrics")).text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "billing_stripe_requests_total":
                operation = sample.labels["operation"]
                counts[operation] = counts.get(operation, 0) + sample.value
    return counts


CREATE, EXPIRE = "POST /v1/checkout/sessions", "POST /v1/checkout/sessions/{id}/expire"


@pytest.mark.skipif(DIALECT != "postgres", reason="concurrency is claimed on PostgreSQL")
async def test_fifteen_concurrent_subscription_checkouts_leave_the_last_link_working(e2e, sandbox) -> None:
    """Stripe answering in 10 to 50 ms, as it does, so the answers can overtake each other."""
    user = "budget-burst"
    before = await stripe_calls(e2e)
    arrived: list[dict] = []

    async def one() -> None:
        arrived.append(await e2e.gateway.graphql(CHECKOUT, checkout_input(), user=user))

    async with sandbox_limits(sandbox, latency_ms=10, latency_jitter_ms=40):
        await asyncio.gather(*(one() for _ in range(15)))
    assert all(codes(a) == [] for a in arrived), arrived
    after = await stripe_calls(e2e)
    creates = after.get(CREATE, 0) - before.get(CREATE, 0)
    expires = after.get(EXPIRE, 0) - before.get(EXPIRE, 0)
    assert creates == 15 and expires <= 14, (creates, expires)  # one expire per replaced session, no error
    returned = [a["data"]["createCheckout"]["sessionId"] for a in arrived]
    sessions = await sessions_of(e2e, user)
    assert {s.id for s in sessions} == set(returned)
    assert sorted(s.status for s in sessions) == ["expired"] * 14 + ["open"]
    (survivor,) = [s.id for s in sessions if s.status == "open"]
    assert survivor == returned[-1]  # the link the user saw last is the one that works
    await e2e.world.control(f"/_sandbox/checkout/sessions/{survivor}/complete", {"outcome": "paid"})
    await e2e.flush()
    view = (await e2e.gateway.graphql(VIEW, user=user))["data"]
    assert view["premium"]["active"] and view["subscription"]["status"] == "ACTIVE"


async def test_a_restriction_closes_the_old_link_and_the_replay_is_blocked(e2e) -> None:
    user = "budget-restricted"
    request = checkout_input(product="PREMIUM_YEARLY", gift=True)
    request["input"]["idempotencyKey"] = "gift-before-restriction"
    first = (await e2e.gateway.graphql(CHECKOUT, request, user=user))["data"]["createCheckout"]
    assert first["userErrors"] == []
    restricted = await e2e.gateway.graphql(RESTRICT, {"user": user}, user="support-9", admin=True)
    assert restricted["data"]["setPurchaseRestriction"]["userErrors"] == []

    replay = await e2e.gateway.graphql(CHECKOUT, request, user=user)
    assert codes(replay) == ["PURCHASE_BLOCKED"] and replay["data"]["createCheckout"]["checkoutUrl"] is None
    session = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(first["sessionId"])
    assert session.status == "expired"
    with pytest.raises(ControlError):  # the old link can no longer be paid
        await e2e.world.control(
            f"/_sandbox/checkout/sessions/{first['sessionId']}/complete", {"outcome": "paid"}
        )


async def test_open_gift_checkouts_are_capped(e2e) -> None:
    user = "budget-gifts"
    answers = [
        await e2e.gateway.graphql(CHECKOUT, checkout_input(product="PREMIUM_YEARLY", gift=True), user=user)
        for _ in range(7)
    ]
    assert [codes(a) for a in answers] == [[]] * 5 + [["RATE_LIMITED"]] * 2
    assert "gift checkouts open" in answers[-1]["data"]["createCheckout"]["userErrors"][0]["message"]


async def test_aliased_gift_code_guessing_gets_at_most_the_allowance(e2e) -> None:
    """30 aliased giftCode lookups in one query, 5 such queries at once (REDEEM_RATE_LIMIT 10/600s):
    at most 10 lookups answered, every other one RATE_LIMITED."""
    query = "{ " + " ".join(f'g{i}: giftCode(code: "GUESS-{i:04d}") {{ code }}' for i in range(30)) + " }"
    answers = await asyncio.gather(*(e2e.gateway.graphql(query, user="guesser") for _ in range(5)))
    answered = limited = 0
    for answer in answers:
        refused = {
            tuple(e["path"]) for e in answer.get("errors") or [] if e["extensions"]["code"] == "RATE_LIMITED"
        }
        limited += len(refused)
        answered += sum(1 for i in range(30) if (f"g{i}",) not in refused)
    assert answered <= 10 and answered + limited == 150, (answered, limited)


async def test_thirty_aliases_of_a_full_page_are_refused_before_execution(e2e) -> None:
    fields = "edges { node { id status money { formatted } } } pageInfo { endCursor }"
    query = "{ " + " ".join(f"p{i}: payments(first: 100) {{ {fields} }}" for i in range(30)) + " }"
    answer = await e2e.gateway.graphql(query, user="heavy-reader")
    (error,) = answer["errors"]
    assert answer.get("data") is None and error["extensions"]["cost"] == 3000
    assert "GRAPHQL_MAX_NODES" in error["message"]


@pytest.mark.skipif(DIALECT != "postgres", reason="concurrency is claimed on PostgreSQL")
async def test_concurrent_gift_checkouts_stay_within_the_cap(e2e, sandbox) -> None:
    """8 gift checkouts at once: the cap (5 open) is counted where no other checkout slips in; the
    sessions of the refused ones are expired, so Stripe holds at most 5 open ones."""
    user = "budget-gift-burst"
    gift = checkout_input(product="PREMIUM_YEARLY", gift=True)
    async with sandbox_limits(sandbox, latency_ms=10, latency_jitter_ms=40):
        answers = await asyncio.gather(*(e2e.gateway.graphql(CHECKOUT, gift, user=user) for _ in range(8)))
    outcomes = sorted(tuple(codes(a)) for a in answers)
    assert outcomes == [()] * 5 + [("RATE_LIMITED",)] * 3, outcomes
    handed_out = {a["data"]["createCheckout"]["sessionId"] for a in answers if codes(a) == []}
    open_ = {s.id for s in await sessions_of(e2e, user) if s.status == "open"}
    assert open_ == handed_out


@pytest.mark.skipif(DIALECT != "postgres", reason="concurrency is claimed on PostgreSQL")
async def test_a_restriction_during_checkouts_leaves_no_link_open(e2e, sandbox) -> None:
    """Support restricts while 6 gift checkouts are under way: each either answers PURCHASE_BLOCKED
    or hands out a link the restriction then closes; no session stays payable."""
    user = "budget-restricted-race"
    gift = checkout_input(product="PREMIUM_YEARLY", gift=True)
    await e2e.gateway.graphql(CHECKOUT, gift, user=user)  # the Stripe customer exists
    async with sandbox_limits(sandbox, latency_ms=20, latency_jitter_ms=20):
        checkouts = [e2e.gateway.graphql(CHECKOUT, gift, user=user) for _ in range(4)]
        restriction = e2e.gateway.graphql(RESTRICT, {"user": user}, user="support-9", admin=True)
        *answers, restricted = await asyncio.gather(*checkouts, restriction)
    assert restricted["data"]["setPurchaseRestriction"]["userErrors"] == []
    assert all(codes(a) in ([], ["PURCHASE_BLOCKED"]) for a in answers), answers
    assert [s.id for s in await sessions_of(e2e, user) if s.status == "open"] == []


async def test_a_restriction_closes_a_session_whose_row_was_never_written(e2e) -> None:
    """The gateway stopped between Stripe's answer and its insert: the session is in Stripe only
    (its metadata would let the webhook write the row once paid). A restriction closes it too."""
    user = "budget-restricted-crash"
    first = (await e2e.gateway.graphql(CHECKOUT, checkout_input(), user=user))["data"]["createCheckout"]
    made = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(first["sessionId"])
    gift = catalog.find(ProductType.PREMIUM_YEARLY, is_gift=True, currency=Currency.USD)
    gift_price = await CatalogPrice.get(lookup_key=gift.lookup_key)
    unrecorded = await e2e.world.services.stripe.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "customer": made.customer,
            "line_items": [{"price": gift_price.stripe_price_id, "quantity": 1}],
            "success_url": "http://localhost:3000/ok",
            "metadata": {"user_id": user, "is_gift": "true", "product_type": "PREMIUM_YEARLY"},
        }
    )
    restricted = await e2e.gateway.graphql(RESTRICT, {"user": user}, user="support-9", admin=True)
    assert restricted["data"]["setPurchaseRestriction"]["userErrors"] == []
    for session_id in (first["sessionId"], unrecorded.id):
        session = await e2e.world.services.stripe.v1.checkout.sessions.retrieve_async(session_id)
        assert session.status == "expired", session_id
