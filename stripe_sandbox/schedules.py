"""Subscription schedules: a price change at the period end (and letting go of it).

Why: the gateway schedules "switch to the monthly price when the yearly period ends" with a
schedule made from the subscription, and cancels that plan by releasing the schedule.

What Stripe does, and where it says so:

* SDK ``stripe/_subscription_schedule.py``: the object (``phases[]`` with ``items[].price`` /
  ``plan``, ``start_date``, ``end_date``, ``proration_behavior``; ``current_phase``,
  ``end_behavior`` ``cancel``/``none``/``release``/``renew``, ``status`` ``not_started``/
  ``active``/``completed``/``released``/``canceled``, ``released_subscription``); ids
  ``sub_sched_`` (Stripe's fixtures, stripe_sandbox/shapes/stripe_openapi/fixtures3.json).
* SDK params: ``SubscriptionScheduleCreateParams.from_subscription`` ("Migrate an existing
  subscription to be managed by a subscription schedule [...] other parameters (such as phase
  values) cannot be set"), ``SubscriptionScheduleUpdateParams.phases`` (items, start_date,
  end_date, duration, proration_behavior) and ``end_behavior``, ``...ReleaseParams``
  (``preserve_cancel_date``), ``...CancelParams`` (``invoice_now``, ``prorate``),
  ``...ListParams`` (``customer``, ``scheduled``; no ``subscription`` filter).
* API reference, "Release a schedule": "stop scheduling of its phases, but leave any existing
  subscription in place. A schedule can only be released if its status is not_started or
  active. [...] releasing it will remove its subscription property and set the subscription's
  ID to the released_subscription property." "Cancel a schedule": "Cancels a subscription
  schedule and its associated subscription immediately".
* "Subscription schedules" guide: "When a phase starts, Stripe updates the subscription based on
  the next phase's attributes"; "A subscription schedule is completed after the last phase is
  finished. [...] the subscription is released from the schedule"; ``end_behavior=cancel``
  cancels the subscription then.
* Events (SDK ``WebhookEndpointCreateParams.enabled_events``): ``subscription_schedule.created``,
  ``.updated``, ``.released``, ``.canceled``, ``.completed``.

The sandbox runs phase changes at the subscription's period ends (the renewal, from
:func:`before_renewal`): a phase must end where a billing period of its price ends. A new phase
whose price bills at another interval moves the billing cycle anchor to the phase start (the
phase's ``billing_cycle_anchor`` ``automatic``), so the renewal invoice charges the new price for
a full new period.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import params as p
from .api import LIST_SPEC, Call, api_route, paginate
from .customers import merge_metadata
from .errors import invalid, not_implemented
from .events import changed
from .periods import add_interval
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox


def _phase(
    sb: Sandbox, sub: dict[str, Any], items: list[dict[str, Any]], start: int, end: int, proration: str
) -> dict:
    return {
        "add_invoice_items": [],
        "application_fee_percent": None,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": sub["automatic_tax"]["enabled"],
            "liability": {"type": "self"} if sub["automatic_tax"]["enabled"] else None,
        },
        "billing_cycle_anchor": None,
        "billing_thresholds": None,
        "collection_method": "charge_automatically",
        "currency": sub["currency"],
        "default_payment_method": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "end_date": end,
        "invoice_settings": None,
        "items": [
            {
                "billing_thresholds": None,
                "discounts": [],
                "metadata": {},
                "plan": item["price"],
                "price": item["price"],
                "quantity": item["quantity"],
                "tax_rates": [],
            }
            for item in items
        ],
        "metadata": {},
        "on_behalf_of": None,
        "proration_behavior": proration,
        "start_date": start,
        "transfer_data": None,
        "trial_end": None,
    }


def _price(sb: Sandbox, price_id: str, param: str, sub: dict[str, Any]) -> dict[str, Any]:
    price = sb.store.get("price", price_id, param)
    if price["type"] != "recurring":
        raise invalid(
            "The price specified is set to `type=one_time` but this field only accepts prices with "
            "`type=recurring`.",
            param=param,
        )
    if price["currency"] != sub["currency"]:
        raise invalid("The price specified does not match the subscription's currency.", param=param)
    return price


def create(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    if not prm.get("from_subscription"):
        raise not_implemented("customer" if prm.get("customer") else "phases")
    for other in ("customer", "phases", "start_date", "end_behavior", "default_settings"):
        if prm.get(other) is not None:
            raise invalid(f"You cannot set `{other}` if `from_subscription` is set.", param=other)
    sub = sb.store.get("subscription", prm["from_subscription"], "from_subscription")
    if sub["status"] in ("canceled", "incomplete_expired", "incomplete"):
        raise invalid(
            f"Cannot create a schedule from a subscription with status {sub['status']}.",
            param="from_subscription",
        )
    if sub.get("schedule"):
        raise invalid(
            f"You cannot migrate a subscription that is already attached to a schedule: `{sub['schedule']}`.",
            param="from_subscription",
        )
    start = min(i["current_period_start"] for i in sub["items"]["data"])
    end = min(i["current_period_end"] for i in sub["items"]["data"])
    now = sb.clock.now()
    items = [{"price": i["price"]["id"], "quantity": i["quantity"]} for i in sub["items"]["data"]]
    schedule = {
        "id": new_id("sub_sched", 24),
        "object": "subscription_schedule",
        "application": None,
        "billing_mode": copy.deepcopy(sub["billing_mode"]),
        "canceled_at": None,
        "completed_at": None,
        "created": now,
        "current_phase": {"end_date": end, "start_date": start},
        "customer": sub["customer"],
        "customer_account": None,
        "default_settings": {
            "application_fee_percent": None,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": sub["automatic_tax"]["enabled"],
                "liability": {"type": "self"} if sub["automatic_tax"]["enabled"] else None,
            },
            "billing_cycle_anchor": "automatic",
            "billing_thresholds": None,
            "collection_method": "charge_automatically",
            "default_payment_method": sub["default_payment_method"],
            "description": None,
            "invoice_settings": {
                "account_tax_ids": None,
                "custom_fields": None,
                "days_until_due": None,
                "description": None,
                "footer": None,
                "issuer": {"type": "self"},
            },
            "on_behalf_of": None,
            "transfer_data": None,
        },
        "end_behavior": "release",
        "livemode": False,
        "metadata": merge_metadata({}, prm.get("metadata") or {}),
        "pause_schedules": [],
        "phases": [_phase(sb, sub, items, start, end, "create_prorations")],
        "released_at": None,
        "released_subscription": None,
        "status": "active",
        "subscription": sub["id"],
        "test_clock": None,
    }
    sb.store.add(schedule)
    before = copy.deepcopy(sub)
    sub["schedule"] = schedule["id"]
    sb.emit("subscription_schedule.created", schedule)
    sb.emit("customer.subscription.updated", sub, changed(before, sub))
    return schedule


def _editable(schedule: dict[str, Any]) -> None:
    if schedule["status"] not in ("not_started", "active"):
        raise invalid(
            "You cannot update a subscription schedule that is currently in the "
            f"`{schedule['status']}` status. It must be in `not_started` or `active`."
        )


def update(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    schedule = sb.store.get("subscription_schedule", call.path["id"])
    _editable(schedule)
    sub = sb.store.get("subscription", schedule["subscription"])
    before = copy.deepcopy(schedule)
    if prm.get("end_behavior") not in (None, "release"):
        raise not_implemented("end_behavior")  # the sandbox runs `release` schedules only
    if prm.get("end_behavior"):
        schedule["end_behavior"] = prm["end_behavior"]
    if "metadata" in prm:
        schedule["metadata"] = merge_metadata(schedule["metadata"], prm["metadata"] or {})
    if prm.get("phases") is not None:
        schedule["phases"] = _phases(sb, schedule, sub, prm["phases"], prm.get("proration_behavior"))
        current = schedule["phases"][0]
        schedule["current_phase"] = {"end_date": current["end_date"], "start_date": current["start_date"]}
    previous = changed(before, schedule)
    sb.store.touch()
    if previous:
        sb.emit("subscription_schedule.updated", schedule, previous)
    return schedule


def _phases(sb: Sandbox, schedule: dict, sub: dict, phases: list[dict], proration: str | None) -> list[dict]:
    current = schedule["current_phase"]
    if not phases:
        raise invalid("Missing required param: phases.", param="phases")
    out: list[dict[str, Any]] = []
    start = current["start_date"]
    for index, phase in enumerate(phases):
        where = f"phases[{index}]"
        if not phase.get("items"):
            raise invalid(f"Missing required param: {where}[items].", param=f"{where}[items]")
        given = phase.get("start_date")
        if given is not None and given != start:
            param = f"{where}[start_date]"
            if index == 0:
                raise invalid("You can not modify the start date of the current phase.", param=param)
            raise invalid(
                "Phases must be contiguous: a phase starts where the previous one ends.", param=param
            )
        items = []
        for n, item in enumerate(phase["items"]):
            if not item.get("price"):
                raise invalid(
                    f"Missing required param: {where}[items][{n}][price].",
                    param=f"{where}[items][{n}][price]",
                )
            price = _price(sb, item["price"], f"{where}[items][{n}][price]", sub)
            items.append({"price": price["id"], "quantity": item.get("quantity") or 1})
        first = sb.store.get("price", items[0]["price"])["recurring"]
        if phase.get("end_date") is not None and phase.get("duration") is not None:
            raise invalid(
                "You may only specify one of `end_date` and `duration`.", param=f"{where}[end_date]"
            )
        if phase.get("end_date") is not None:
            end = phase["end_date"]
        elif phase.get("duration") is not None:
            duration = phase["duration"]
            end = add_interval(start, duration["interval"], duration.get("interval_count") or 1)
        else:  # one billing period of the phase's price
            end = add_interval(start, first["interval"], first["interval_count"])
        if end <= start:
            raise invalid("A phase must end after it starts.", param=f"{where}[end_date]")
        if index == 0 and end != current["end_date"]:
            # The sandbox runs phase changes at the subscription's period end only.
            raise not_implemented(f"{where}[end_date]")
        behavior = phase.get("proration_behavior") or proration or "create_prorations"
        out.append(_phase(sb, sub, items, start, end, behavior))
        if phase.get("trial_end") is not None:
            # The sandbox keeps a running trial (or gift time deferring the charge) to the end of
            # the current phase; a trial set or moved by a phase is not modelled.
            if index != 0 or phase["trial_end"] != sub.get("trial_end") or end != sub.get("trial_end"):
                raise not_implemented(f"{where}[trial_end]")
            out[-1]["trial_end"] = phase["trial_end"]
        start = end
    return out


def _release(sb: Sandbox, schedule: dict[str, Any], sub: dict[str, Any] | None) -> None:
    now = sb.clock.now()
    schedule.update(
        status="released",
        released_at=now,
        released_subscription=schedule["subscription"],
        subscription=None,
        current_phase=None,
    )
    if sub is not None:
        before = copy.deepcopy(sub)
        sub["schedule"] = None
        sb.emit("subscription_schedule.released", schedule)
        sb.emit("customer.subscription.updated", sub, changed(before, sub))
    else:
        sb.emit("subscription_schedule.released", schedule)
    sb.store.touch()


def release(call: Call) -> dict[str, Any]:
    sb = call.sb
    schedule = sb.store.get("subscription_schedule", call.path["id"])
    if schedule["status"] not in ("not_started", "active"):
        raise invalid(
            f"You cannot release a subscription schedule that is currently in the `{schedule['status']}` "
            "status. It must be in `not_started` or `active`."
        )
    _release(sb, schedule, sb.store.find("subscription", schedule["subscription"]))
    return schedule


def cancel(call: Call) -> dict[str, Any]:
    """Cancel the schedule and its subscription (``invoice_now``/``prorate`` taken, not modelled:
    the sandbox's subscription cancel ignores them the same way)."""
    from . import subscriptions

    sb = call.sb
    schedule = sb.store.get("subscription_schedule", call.path["id"])
    if schedule["status"] not in ("not_started", "active"):
        raise invalid(
            f"You cannot cancel a subscription schedule that is currently in the `{schedule['status']}` "
            "status. It must be in `not_started` or `active`."
        )
    sub = sb.store.find("subscription", schedule["subscription"])
    _cancel(sb, schedule)
    if sub is not None and sub["status"] != "canceled":
        sub["cancellation_details"]["reason"] = "cancellation_requested"
        subscriptions.end(sb, sub)
    return schedule


def _cancel(sb: Sandbox, schedule: dict[str, Any]) -> None:
    schedule.update(status="canceled", canceled_at=sb.clock.now(), current_phase=None)
    sb.store.touch()
    sb.emit("subscription_schedule.canceled", schedule)


def on_subscription_ended(sb: Sandbox, sub: dict[str, Any]) -> None:
    """Hook for ``subscriptions.end``: a canceled subscription cancels its schedule."""
    schedule = sb.store.find("subscription_schedule", sub.get("schedule"))
    if schedule is not None and schedule["status"] in ("not_started", "active"):
        _cancel(sb, schedule)


def before_renewal(sb: Sandbox, sub: dict[str, Any]) -> None:
    """Hook for ``subscriptions.on_period_end``: at the current phase's end the next phase starts
    (its prices on the subscription, the anchor at the phase start when the interval changes), or
    the schedule completes (``end_behavior=release``: the subscription goes on as it is)."""
    from . import subscriptions

    schedule = sb.store.find("subscription_schedule", sub.get("schedule"))
    now = sb.clock.now()
    if schedule is None or schedule["status"] != "active" or schedule["current_phase"]["end_date"] > now:
        return
    phase_end = schedule["current_phase"]["end_date"]
    following = [ph for ph in schedule["phases"] if ph["start_date"] >= phase_end]
    before = copy.deepcopy(schedule)
    if not following:
        schedule.update(status="completed", completed_at=now, current_phase=None)
        sub["schedule"] = None
        sb.store.touch()
        sb.emit("subscription_schedule.completed", schedule, changed(before, schedule))
        return
    nxt = following[0]
    schedule["current_phase"] = {"end_date": nxt["end_date"], "start_date": nxt["start_date"]}
    items = sub["items"]["data"]
    for item, wanted in zip(items, nxt["items"], strict=False):
        price = sb.store.get("price", wanted["price"])
        old = item["price"]["recurring"]
        new = price["recurring"]
        if (old["interval"], old.get("interval_count", 1)) != (new["interval"], new.get("interval_count", 1)):
            sub["billing_cycle_anchor"] = nxt["start_date"]
        item["price"] = copy.deepcopy(price)
        item["plan"] = subscriptions.plan_of(price)
        item["quantity"] = wanted["quantity"]
    sb.store.touch()  # the renewal computes the next period from the (maybe new) anchor
    sb.emit("subscription_schedule.updated", schedule, changed(before, schedule))


def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("subscription_schedule", call.path["id"])


def list_(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("subscription_schedule")
    if prm.get("customer"):
        items = [s for s in items if s["customer"] == prm["customer"]]
    if prm.get("scheduled") is not None:
        items = [s for s in items if (s["status"] == "not_started") == prm["scheduled"]]
    return paginate(items, prm, "/v1/subscription_schedules")


PHASE_SPEC: dict[str, Any] = {
    "items": [{"price": p.STR, "quantity": p.INT}],
    "start_date": p.INT,
    "end_date": p.INT,
    "duration": {"interval": p.one_of("day", "week", "month", "year"), "interval_count": p.INT},
    "proration_behavior": p.one_of("always_invoice", "create_prorations", "none"),
    "trial_end": p.INT,
}

ROUTES = [
    api_route(
        "/v1/subscription_schedules",
        "POST",
        create,
        {
            "from_subscription": p.STR,
            "customer": p.STR,
            "metadata": p.METADATA,
            "end_behavior": p.one_of("cancel", "none", "release", "renew"),
        },
    ),
    api_route(
        "/v1/subscription_schedules",
        "GET",
        list_,
        {**LIST_SPEC, "customer": p.STR, "scheduled": p.BOOL},
    ),
    api_route("/v1/subscription_schedules/{id}", "GET", retrieve, {}),
    api_route(
        "/v1/subscription_schedules/{id}",
        "POST",
        update,
        {
            "phases": [PHASE_SPEC],
            "end_behavior": p.one_of("cancel", "none", "release", "renew"),
            "metadata": p.METADATA,
            "proration_behavior": p.one_of("always_invoice", "create_prorations", "none"),
        },
    ),
    api_route("/v1/subscription_schedules/{id}/release", "POST", release, {"preserve_cancel_date": p.BOOL}),
    api_route(
        "/v1/subscription_schedules/{id}/cancel",
        "POST",
        cancel,
        {"invoice_now": p.BOOL, "prorate": p.BOOL},
    ),
]
