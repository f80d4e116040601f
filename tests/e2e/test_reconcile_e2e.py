"""`billing-gateway reconcile` as an operator runs it, after the webhook endpoint was disabled.

The gateway runs as a `serve` process; Stripe's side is the sandbox with the
gateway's endpoint disabled while a user buys (GraphQL), renews (clock),
cancels (Stripe API) and is refunded (Stripe API). The command then repairs
the database, and what the user sees over GraphQL is the whole lifecycle.
"""

from __future__ import annotations

import asyncio
import sys

from gateway_process import ROOT

from models import WebhookEvent
from tests.e2e.test_buying_e2e import CHECKOUT, checkout_input

DAY = 86_400
VIEW = """
{ premium { active source willCancel }
  subscription { status cancelAtPeriodEnd }
  payments { edges { node { status stripeInvoiceId amount } } }
  invoices { edges { node { status number total { amount } } } } }"""


async def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_reconcile_repairs_what_a_disabled_endpoint_missed(e2e) -> None:
    world, stripe = e2e.world, e2e.world.services.stripe.v1
    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": True})
    started = world.services.clock.now()

    answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(currency="EUR"), user="cli-user")
    session_id = answer["data"]["createCheckout"]["sessionId"]
    await world.control(
        f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid", "country": "DE"}
    )
    sub_id = (await stripe.checkout.sessions.retrieve_async(session_id)).subscription
    await world.advance(32 * DAY)
    await stripe.subscriptions.update_async(sub_id, params={"cancel_at_period_end": True})
    renewal = (await stripe.invoices.list_async(params={"subscription": sub_id, "limit": 1})).data[0]
    renewal = await stripe.invoices.retrieve_async(renewal.id, params={"expand": ["payments"]})
    await stripe.refunds.create_async(
        params={"payment_intent": renewal.payments.data[0].payment.payment_intent, "amount": 100}
    )
    await e2e.flush()
    assert await WebhookEvent.all().count() == 0, "the disabled endpoint received something"
    before = (await e2e.gateway.graphql(VIEW, user="cli-user"))["data"]
    assert before["subscription"] is None and not before["premium"]["active"]
    assert [e["node"]["status"] for e in before["payments"]["edges"]] == ["PENDING"]

    code, out, err = await cli(e2e.gateway.env, "reconcile", "--since", started.isoformat(), "--every", "5")
    assert code == 0, out + err
    assert "… 5/" in out  # progress on the way
    assert "reconcile finished: no failures" in out and "customers: 1 checked, 0 failed" in out

    view = (await e2e.gateway.graphql(VIEW, user="cli-user"))["data"]
    assert view["premium"]["active"] and view["premium"]["willCancel"]
    assert view["subscription"] == {"status": "ACTIVE", "cancelAtPeriodEnd": True}
    statuses = {e["node"]["stripeInvoiceId"]: e["node"]["status"] for e in view["payments"]["edges"]}
    assert len(statuses) == 2 and statuses[renewal.id] == "PARTIALLY_REFUNDED"
    assert set(statuses.values()) == {"COMPLETED", "PARTIALLY_REFUNDED"}
    assert [e["node"]["status"] for e in view["invoices"]["edges"]] == ["PAID", "PAID"]

    again_code, again, again_err = await cli(e2e.gateway.env, "reconcile", "--since", started.isoformat())
    assert again_code == 0, again + again_err
    assert " 0 new to the inbox" in again
    assert (await e2e.gateway.graphql(VIEW, user="cli-user"))["data"] == view


async def test_reconcile_exits_1_when_stripe_cannot_be_reached(e2e) -> None:
    await e2e.gateway.graphql(CHECKOUT, checkout_input(), user="cli-down")  # a known customer to walk
    env = {**e2e.gateway.env, "STRIPE_API_BASE": "http://127.0.0.1:9", "CLOCK": "system"}
    code, out, err = await cli(env, "reconcile", "--since", "1h")
    assert code == 1, out + err
    assert "failed" in err and "Traceback" not in err, err


async def test_reconcile_refuses_a_bad_since(e2e) -> None:
    code, _, err = await cli(e2e.gateway.env, "reconcile", "--since", "last tuesday")
    assert code == 2 and "--since" in err
