"""`billing-gateway reconcile` as an operator runs it, after the webhook endpoint was disabled.

The gateway runs as a `serve` process; Stripe's side is the sandbox with the
gateway's endpoint disabled while a user buys (GraphQL), renews (clock),
cancels (Stripe API) and is refunded (Stripe API). The command then repairs
the database, and what the user sees over GraphQL is the whole lifecycle.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta

import orjson
from gateway_process import ROOT

from billing.gifts.redeem import add_months
from models import WebhookEvent
from tests.e2e.test_buying_e2e import CHECKOUT, _signed, buy, checkout_input

DAY = 86_400
SLACK = 5  # seconds
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


FULL_VIEW = """
{ premium { active source productType since until willCancel }
  subscription { status cancelAtPeriodEnd currentPeriodStart currentPeriodEnd }
  payments { edges { node { productType status amount currency isGift completedAt giftCode { status } } } }
  invoices(first: 100) { edges { node {
    status subtotal { amount } tax { amount } total { amount } amountPaid { amount } amountDue { amount }
    taxBreakdown { ratePercent jurisdiction inclusive } periodStart periodEnd paidAt } } } }"""
SUPPORT_VIEW = (
    "query($id: ID!) { userBilling(userId: $id) { purchaseRestricted restrictionReason refundCount } }"
)


async def reversal_lifecycle(e2e, user: str) -> datetime:
    """Over GraphQL and the control API: subscribe, renew, part-refund the renewal, refund one gift,
    lose a chargeback on another, then a renewal that waits for 3D Secure. Returns when it started."""
    world, stripe = e2e.world, e2e.world.services.stripe.v1
    started = world.services.clock.now()

    async def pay(**kwargs) -> str:
        answer = await e2e.gateway.graphql(CHECKOUT, checkout_input(currency="EUR", **kwargs), user=user)
        session_id = answer["data"]["createCheckout"]["sessionId"]
        await world.control(
            f"/_sandbox/checkout/sessions/{session_id}/complete", {"outcome": "paid", "country": "DE"}
        )
        await e2e.flush()
        return session_id

    sub_id = (await stripe.checkout.sessions.retrieve_async(await pay())).subscription

    async def past_period_end(seconds: int) -> None:
        """Every step is timed from Stripe's period end, so both runs live the same calendar."""
        sub = await stripe.subscriptions.retrieve_async(sub_id)
        await world.services.clock.refresh()
        ends = sub["items"].data[0].current_period_end
        await world.advance(ends - int(world.services.clock.now().timestamp()) + seconds)
        await e2e.flush()

    await past_period_end(DAY)  # the renewal, paid
    gift_refunded = (await stripe.checkout.sessions.retrieve_async(await pay(gift=True))).payment_intent
    gift_disputed = (await stripe.checkout.sessions.retrieve_async(await pay(gift=True))).payment_intent
    renewal = (await stripe.invoices.list_async(params={"subscription": sub_id, "limit": 1})).data[0]
    renewal = await stripe.invoices.retrieve_async(renewal.id, params={"expand": ["payments"]})
    await stripe.refunds.create_async(
        params={"payment_intent": renewal.payments.data[0].payment.payment_intent, "amount": 100}
    )
    await e2e.flush()
    await stripe.refunds.create_async(params={"payment_intent": gift_refunded})
    await e2e.flush()
    charge = (await stripe.payment_intents.retrieve_async(gift_disputed)).latest_charge
    dispute = await world.control(f"/_sandbox/charges/{charge}/dispute")
    await e2e.flush()
    await world.control(f"/_sandbox/disputes/{dispute['id']}/close", {"status": "lost"})
    await e2e.flush()
    customer = (await stripe.subscriptions.retrieve_async(sub_id)).customer
    await world.control(f"/_sandbox/customers/{customer}/card", {"outcome": "authentication_required"})
    await past_period_end(3600)
    return started


async def seen(e2e, user: str, started: datetime) -> dict:
    """What the user and support see, with times as seconds since the run started."""
    mine = (await e2e.gateway.graphql(FULL_VIEW, user=user))["data"]
    support = await e2e.gateway.graphql(SUPPORT_VIEW, {"id": user}, user="support", admin=True)

    def relative(value):
        if isinstance(value, dict):
            return {k: relative(v) for k, v in value.items()}
        if isinstance(value, list):
            return [relative(v) for v in value]
        if isinstance(value, str) and value[:2] == "20" and "T" in value:
            return calendar_offset(started, datetime.fromisoformat(value))
        return value

    return relative({**mine, **support["data"]["userBilling"]})


def calendar_offset(start: datetime, moment: datetime) -> tuple[str, int, int]:
    """`moment` as (calendar months, seconds) after `start`: the runs start on different dates,
    and Stripe's periods are calendar months, so plain seconds would differ by month lengths."""
    months = (moment.year - start.year) * 12 + moment.month - start.month
    if add_months(start, months) > moment:
        months -= 1
    seconds = (moment - add_months(start, months)).total_seconds()
    next_month = (add_months(start, months + 1) - add_months(start, months)).total_seconds()
    if seconds > next_month - SLACK:  # a second before a month boundary is that boundary
        months, seconds = months + 1, seconds - next_month
    return ("t", months, round(seconds))


def close_enough(a, b, path: str = "") -> list[str]:
    """Differences, with times equal to within SLACK seconds (the real time a run takes)."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in close_enough(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in close_enough(x, y, f"{path}[{i}]")]
    if isinstance(a, tuple) and isinstance(b, tuple) and a[:2] == b[:2]:
        return [] if abs(a[2] - b[2]) <= SLACK else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


async def test_reconcile_rebuilds_refunds_disputes_and_3ds_renewals_from_objects_alone(e2e) -> None:
    """Events older than Stripe's 30 days are not listed: the walk alone must give what webhooks gave."""
    delivered = await seen(e2e, "cmp-hooks", await reversal_lifecycle(e2e, "cmp-hooks"))
    statuses = [e["node"]["status"] for e in delivered["payments"]["edges"]]
    assert sorted(statuses) == sorted(
        ["COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED", "DISPUTED", "REQUIRES_ACTION"]
    ), statuses
    assert delivered["purchaseRestricted"] and delivered["refundCount"] == 2

    stripe = e2e.world.services.stripe.v1
    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": True})
    received = await WebhookEvent.all().count()
    started = await reversal_lifecycle(e2e, "cmp-lost")
    assert await WebhookEvent.all().count() == received, "the disabled endpoint received something"
    # --since after the last event: nothing of this history is in Stripe's list any more.
    await e2e.world.advance(60)
    now = (e2e.world.services.clock.now() - timedelta(seconds=30)).isoformat()
    code, out, err = await cli(e2e.gateway.env, "reconcile", "--since", now)
    assert code == 0, out + err
    assert "events: 0 listed" in out and "charges (refunds, disputes): " in out
    assert "not rebuilt from Stripe's objects" in out  # the operator is told what the walk cannot do

    rebuilt = await seen(e2e, "cmp-lost", started)
    assert close_enough(rebuilt, delivered) == []
    assert rebuilt["premium"]["since"][1] < rebuilt["subscription"]["currentPeriodStart"][1], (
        "since restarted"
    )

    again_code, again, again_err = await cli(e2e.gateway.env, "reconcile", "--since", now)
    assert again_code == 0, again + again_err
    assert await seen(e2e, "cmp-lost", started) == rebuilt


async def test_webhooks_list_retry_and_replay_against_the_served_database(e2e) -> None:
    """The operator's view of the inbox the running gateway filled: failed first; re-runs change nothing."""
    await buy(e2e, "wh-user")
    before = (await e2e.gateway.graphql(VIEW, user="wh-user"))["data"]
    completed = await WebhookEvent.get(type="checkout.session.completed", payload__contains="wh-user")
    # An event the gateway cannot handle (Stripe knows no such invoice), signed as Stripe signs.
    bad = {
        "id": "evt_e2e_unhandleable",
        "object": "event",
        "type": "invoice.paid",
        "created": int(e2e.world.services.clock.now().timestamp()),
        "data": {"object": {"id": "in_e2e_missing", "object": "invoice", "customer": "cus_nobody"}},
    }
    await _signed(e2e, orjson.dumps(bad))
    for _ in range(150):  # the route may finish the handler after answering: up to 30 s
        failed = await WebhookEvent.get_or_none(stripe_event_id=bad["id"])
        if failed is not None and failed.status == "FAILED":
            break
        await asyncio.sleep(0.2)
    assert failed is not None
    assert failed.status == "FAILED"

    code, out, err = await cli(e2e.gateway.env, "webhooks", "list")
    assert code == 0, out + err
    rows = [line for line in out.splitlines()[1:] if line.strip()]
    assert bad["id"] in rows[0] and "FAILED" in rows[0], out  # failed first
    assert any(completed.stripe_event_id in row and "PROCESSED" in row for row in rows[1:]), out

    code, out, err = await cli(e2e.gateway.env, "webhooks", "retry", bad["id"])
    assert code == 1 and bad["id"] in out + err, out + err  # still failing, said so

    code, out, err = await cli(e2e.gateway.env, "webhooks", "replay", completed.stripe_event_id)
    assert code == 0 and "PROCESSED" in out, out + err
    assert (await e2e.gateway.graphql(VIEW, user="wh-user"))["data"] == before, "a replay changed something"


async def test_reconcile_rebuilds_plan_changes_schedules_and_discounts_from_objects_alone(e2e) -> None:
    """Changes made in Stripe while no webhook arrived (Dashboard, customer portal), seen through
    the walk alone: a prorated plan change and its charge, a scheduled one, a discount."""
    from tests.e2e.test_promotion_codes_e2e import checkout as checkout_with_code
    from tests.e2e.test_promotion_codes_e2e import make_code, pay

    stripe = e2e.world.services.stripe.v1
    await make_code(e2e, "KEEP15", {"percent_off": 15, "duration": "forever"})
    await pay(e2e, await checkout_with_code(e2e, "rec-plan-now", "KEEP15"))
    await buy(e2e, "rec-plan-later", product="PREMIUM_YEARLY")
    view_query = """{ subscription { stripeSubscriptionId billingCycle discount { code percentOff }
                        scheduledChange { productType effectiveAt } currentPeriodEnd }
                      payments { edges { node { kind status amount } } } }"""
    now_user = (await e2e.gateway.graphql(view_query, user="rec-plan-now"))["data"]
    later_user = (await e2e.gateway.graphql(view_query, user="rec-plan-later"))["data"]
    assert now_user["subscription"]["discount"] == {"code": "KEEP15", "percentOff": 15.0}

    await stripe.webhook_endpoints.update_async(e2e.endpoint_id, params={"disabled": True})
    received = await WebhookEvent.all().count()
    prices = await stripe.prices.list_async(
        params={"lookup_keys": ["premium_yearly_usd", "premium_monthly_usd"], "limit": 10}
    )
    price = {p.lookup_key: p.id for p in prices.data}
    sub = await stripe.subscriptions.retrieve_async(now_user["subscription"]["stripeSubscriptionId"])
    await stripe.subscriptions.update_async(
        sub.id,
        params={
            "items": [{"id": sub["items"].data[0].id, "price": price["premium_yearly_usd"]}],
            "proration_behavior": "always_invoice",
            "payment_behavior": "pending_if_incomplete",
        },
    )
    later = await stripe.subscriptions.retrieve_async(later_user["subscription"]["stripeSubscriptionId"])
    schedule = await stripe.subscription_schedules.create_async(params={"from_subscription": later.id})
    await stripe.subscription_schedules.update_async(
        schedule.id,
        params={
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": price["premium_yearly_usd"], "quantity": 1}],
                    "start_date": schedule.phases[0].start_date,
                    "end_date": schedule.phases[0].end_date,
                },
                {"items": [{"price": price["premium_monthly_usd"], "quantity": 1}]},
            ],
        },
    )
    await e2e.flush()
    assert await WebhookEvent.all().count() == received, "the disabled endpoint received something"
    stale = (await e2e.gateway.graphql(view_query, user="rec-plan-now"))["data"]
    assert stale["subscription"]["billingCycle"] == "MONTHLY"

    await e2e.world.advance(60)
    since = (e2e.world.services.clock.now() - timedelta(seconds=30)).isoformat()
    code, out, err = await cli(e2e.gateway.env, "reconcile", "--since", since)
    assert code == 0, out + err

    changed = (await e2e.gateway.graphql(view_query, user="rec-plan-now"))["data"]
    assert changed["subscription"]["billingCycle"] == "YEARLY"
    assert changed["subscription"]["discount"] == {"code": "KEEP15", "percentOff": 15.0}
    kinds = sorted((e["node"]["kind"], e["node"]["status"]) for e in changed["payments"]["edges"])
    assert kinds == [("CHECKOUT", "COMPLETED"), ("PLAN_CHANGE", "COMPLETED")]
    scheduled = (await e2e.gateway.graphql(view_query, user="rec-plan-later"))["data"]
    assert scheduled["subscription"]["scheduledChange"] == {
        "productType": "PREMIUM_MONTHLY",
        "effectiveAt": later_user["subscription"]["currentPeriodEnd"],
    }
