"""The one place billing announces "a payment changed" and "premium changed".

Two audiences:

- Live updates (GraphQL subscriptions): a small `Change` (user id, kind, row id;
  never the data itself) is published on PostgreSQL's ``NOTIFY`` channel
  `CHANNEL`, so it reaches whichever replica holds the user's websocket; the
  receiver re-reads the rows from the database. NOTIFY is transactional: sent
  inside the writer's transaction it is delivered only if, and when, that
  transaction commits. On SQLite (one process) the change goes to the
  in-process listeners instead, after the commit (see `transaction`).
- The rest of the platform (outbound webhooks): every premium change also
  writes an `OutboxMessage` in the same transaction as the change, so a change
  is never lost and never announced without having happened; the gateway's
  outbox worker POSTs it.

Billing only publishes; `gateway.pubsub` listens and fans out to subscribers
(`ChangeFeed` is what resolvers see of it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from tortoise import connections
from tortoise.transactions import in_transaction

from models import OutboxMessage, Payment

if TYPE_CHECKING:
    from billing.premium.rule import PremiumState

log = logging.getLogger(__name__)

CHANNEL = "billing_live"
PREMIUM_TOPIC = "premium.changed"
# Stripe's customer.subscription.trial_will_end (three days before): the app reminds the user.
TRIAL_WILL_END_TOPIC = "subscription.trial_will_end"
# The plan, trial end, scheduled plan change or discount of a subscription changed (what the
# premium announcement does not carry): the app can show "yearly from 5 March", "trial until ...".
SUBSCRIPTION_TOPIC = "subscription.changed"
# The subscription's columns whose change is announced on SUBSCRIPTION_TOPIC.
ANNOUNCED_SUBSCRIPTION_FIELDS = (
    "product_type",
    "status",
    "trial_end",
    "scheduled_product_type",
    "scheduled_at",
    "discount",
)


class ChangeKind(StrEnum):
    PAYMENT = "payment"
    PREMIUM = "premium"
    # A subscription's plan, trial end, scheduled change or discount (SUBSCRIPTION_TOPIC).
    SUBSCRIPTION = "subscription"
    # Sent by the listener itself after it (re)connected: notifications may have
    # been missed meanwhile, so subscribers re-read whatever they show.
    RESYNC = "resync"


@dataclass(frozen=True, slots=True)
class Change:
    """What changed, for whom: ids only (NOTIFY payloads are public to every listener)."""

    user_id: str
    kind: ChangeKind
    payment_id: int | None = None

    def encode(self) -> str:
        body: dict[str, Any] = {"u": self.user_id, "k": str(self.kind)}
        if self.payment_id is not None:
            body["p"] = self.payment_id
        return orjson.dumps(body).decode()

    @classmethod
    def decode(cls, payload: str) -> Change:
        """Raises ValueError for a payload that is not ours (anyone may NOTIFY the channel)."""
        try:
            body = orjson.loads(payload)
            payment_id = body.get("p")
            if payment_id is not None and not isinstance(payment_id, int):
                raise ValueError("payment id is not an integer")
            if not isinstance(body["u"], str):
                raise ValueError("user id is not a string")
            return cls(user_id=body["u"], kind=ChangeKind(body["k"]), payment_id=payment_id)
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a change notification: {exc}") from None


class ChangeFeed(Protocol):
    """What a resolver needs to follow one user's changes (implemented by `gateway.pubsub`)."""

    def subscribe(self, user_id: str) -> AbstractAsyncContextManager[AsyncIterator[Change]]: ...


# --- in-process delivery (SQLite) ------------------------------------------------------------

Listener = Callable[[Change], None]
_local_listeners: list[Listener] = []
# Changes announced inside `transaction()` on SQLite, published once it committed.
_pending: ContextVar[list[Change] | None] = ContextVar("billing_notifications_pending", default=None)


@contextmanager
def local_listener(listener: Listener) -> Iterator[None]:
    """Receive this process's changes while inside the block (used when there is no NOTIFY)."""
    _local_listeners.append(listener)
    try:
        yield
    finally:
        _local_listeners.remove(listener)


def _publish_local(changes: list[Change]) -> None:
    for change in changes:
        for listener in list(_local_listeners):
            try:
                listener(change)
            except Exception:  # a broken subscriber must not fail the billing write
                log.exception("live-update listener failed")


def _uses_notify() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """A database transaction whose announcements go out only if it commits.

    On PostgreSQL the NOTIFYs ride in the transaction itself; on SQLite they
    are held here and handed to the in-process listeners after the commit.
    """
    pending: list[Change] = []
    token = _pending.set(pending)
    try:
        async with in_transaction():
            yield
    finally:
        _pending.reset(token)
    _publish_local(pending)


async def announce(change: Change) -> None:
    """Tell live subscribers about `change`: in the current transaction if there is one."""
    if _uses_notify():
        await connections.get("default").execute_query("SELECT pg_notify($1, $2)", [CHANNEL, change.encode()])
        return
    pending = _pending.get()
    if pending is not None:
        pending.append(change)
    else:
        _publish_local([change])


# --- the two announcements billing makes -----------------------------------------------------


async def payment_changed(payment: Payment) -> None:
    """A payment's status changed (called by `payment_status.apply`, right after its write)."""
    await announce(Change(payment.user_id, ChangeKind.PAYMENT, payment.pk))


def premium_payload(user_id: str, state: PremiumState, occurred_at: datetime) -> dict[str, Any]:
    """The outbound message body's premium part: what the chat service needs to switch perks."""
    return {
        "user_id": user_id,
        "premium": {
            "active": state.active,
            "source": str(state.source),
            "product_type": str(state.product_type) if state.product_type else None,
            "billing_cycle": str(state.billing_cycle) if state.billing_cycle else None,
            "since": _iso(state.since),
            "until": _iso(state.until),
            "will_cancel": state.will_cancel,
        },
        "occurred_at": _iso(occurred_at),
    }


async def premium_differs(user_id: str, state: PremiumState) -> bool:
    """Whether `state` differs from the last premium state announced for the user.

    The access window alone does not show every change (cancel at period end,
    a gift turning into a subscription with the same end), so `record_access`
    also compares against what was last announced. Nothing announced yet counts
    as "not premium".
    """
    last = (
        await OutboxMessage.filter(user_id=user_id, topic=PREMIUM_TOPIC)
        .order_by("-id")
        .first()
        .values("payload")
    )
    announced = last["payload"]["premium"] if last else {"active": False}
    current = premium_payload(user_id, state, datetime.min)["premium"]
    if not announced.get("active") and not current["active"]:
        return False
    return bool(announced != current)


async def premium_changed(user_id: str, state: PremiumState, now: datetime) -> None:
    """Record a premium change: outbox row + live notice. Call inside `transaction()` with the change."""
    await OutboxMessage.create(
        topic=PREMIUM_TOPIC,
        user_id=user_id,
        payload=premium_payload(user_id, state, now),
        created_at=now,
        next_attempt_at=now,
    )
    await announce(Change(user_id, ChangeKind.PREMIUM))


async def subscription_changed(sub: Any, now: datetime) -> None:
    """Record a change of a subscription's plan, trial, scheduled change or discount (a
    `models.Subscription` just written): outbox row and live notice, in the caller's transaction."""
    payload = {
        "user_id": sub.user_id,
        "subscription_id": sub.stripe_subscription_id,
        "status": str(sub.status),
        "product_type": str(sub.product_type),
        "trial_end": _iso(sub.trial_end),
        "scheduled_change": {
            "product_type": str(sub.scheduled_product_type),
            "effective_at": _iso(sub.scheduled_at),
        }
        if sub.scheduled_product_type is not None and sub.scheduled_at is not None
        else None,
        "discount": sub.discount,
        "occurred_at": _iso(now),
    }
    await OutboxMessage.create(
        topic=SUBSCRIPTION_TOPIC, user_id=sub.user_id, payload=payload, created_at=now, next_attempt_at=now
    )
    await announce(Change(sub.user_id, ChangeKind.SUBSCRIPTION))


async def trial_will_end(user_id: str, trial_end: datetime, product_type: str, now: datetime) -> None:
    """Tell the platform a trial ends soon (once per user and trial end, however often the event
    is handled)."""
    payload = {
        "user_id": user_id,
        "trial_end": _iso(trial_end),
        "product_type": product_type,
        "occurred_at": _iso(now),
    }
    async with transaction():
        sent = await OutboxMessage.filter(user_id=user_id, topic=TRIAL_WILL_END_TOPIC).values_list(
            "payload", flat=True
        )
        if any(p.get("trial_end") == payload["trial_end"] for p in sent):
            return
        await OutboxMessage.create(
            topic=TRIAL_WILL_END_TOPIC, user_id=user_id, payload=payload, created_at=now, next_attempt_at=now
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
