"""The ledger of granted gift time (`models.Grant`): what each payment granted, taken back and given
back exactly once, and the access ends derived from it.

Rules (issue 13, item 1: a yearly gift stacked on a subscription outlived both refunds, then a won
dispute gave its year again, because the code's recorded stretch and the gift time had drifted apart):

- A redeemed gift writes one grant: stacked after the redeemer's live subscription (its chain ends
  where Stripe's `trial_end` must be) or, without one, as gift time of its own after the gift time
  already granted.
- Taking back (the gift payment reversed): GRANTED -> TAKEN_BACK once. The unused part, from
  max(now, start), is removed; the grants after it in the same chain move earlier by as much, so
  no time is left behind in a gap; `taken_back_seconds` records what was removed.
- Giving back (the reversal undone): TAKEN_BACK -> GRANTED once, with exactly `taken_back_seconds`
  appended at the end of the redeemer's chain (the live subscription's, else gift time).
- A subscription ended by a reversal: its stacked grants not yet used up move, in order, to gift
  time from now (the gift payments still stand; the subscription payment did not pay for them).
- Derived, never added to: `Customer.gift_until` is the latest end of the user's standing grants
  of their own; a subscription's `trial_end` is the latest end of the grants stacked on it.

Every change to a user's grants runs in one transaction holding that user's Customer row lock
(SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer) and changes a grant's state by a
conditional UPDATE, so two webhooks at once cannot take back, or give back, twice. Stripe is told
after the commit (no lock across the network) and the ledger is read again afterwards: whoever
pushed a `trial_end` the ledger no longer wants pushes again, so Stripe ends on the latest.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import stripe
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from billing.customers.accounts import ensure_customer
from billing.errors import PaymentProviderError
from billing.months import add_months
from billing.services import Services
from billing.stripe.calls import call
from billing.subscriptions.sync import sync_subscription
from models import Customer, GiftCode, Grant, Subscription
from models.enums import GiftCodeStatus, GrantState, SubscriptionLiveness, SubscriptionStatus

log = logging.getLogger("billing.gifts.grants")

# Stripe refuses a trial_end this close to now; end the gifted trial at once instead.
MIN_TRIAL_LEFT = timedelta(seconds=60)
PUSH_ATTEMPTS = 4


@asynccontextmanager
async def user_ledger(user_id: str, now: datetime) -> AsyncIterator[Customer]:
    """A transaction holding the user's Customer row lock: their grants change one writer at a time."""
    await ensure_customer(user_id, now)
    async with in_transaction():
        yield await Customer.filter(user_id=user_id).select_for_update().get()


async def live_subscription(user_id: str, now: datetime) -> Subscription | None:
    """The subscription gift time is stacked on: giving access now, reaching furthest."""
    return (
        await Subscription.filter(
            user_id=user_id, status__in=list(SubscriptionLiveness.GIVES_ACCESS), current_period_end__gt=now
        )
        .order_by("-current_period_end")
        .first()
    )


async def chain_end(subscription_id: str) -> datetime | None:
    """Where the time stacked on a subscription ends (its trial_end), None if nothing was stacked.

    A taken-back grant keeps the stretch it did give (it ends where it was cut), so a chain whose
    grants were all taken back before they started ends where the paid period does.
    """
    ends = await Grant.filter(stripe_subscription_id=subscription_id).values_list("ends_at", flat=True)
    return max(ends, default=None)


async def _stack_from(sub: Subscription) -> datetime:
    """Where the next stacked time starts: the chain's end during a gifted trial, else the period end."""
    end = await chain_end(sub.stripe_subscription_id)
    if sub.status == SubscriptionStatus.TRIALING and end is not None:
        return end
    return sub.current_period_end


async def _own_gift_until(user_id: str) -> datetime | None:
    ends = await Grant.filter(
        user_id=user_id, state=GrantState.GRANTED, stripe_subscription_id__isnull=True
    ).values_list("ends_at", flat=True)
    return max(ends, default=None)


async def _write_gift_until(customer: Customer, now: datetime) -> None:
    """`gift_until` as the ledger says (inside the locked transaction)."""
    gift_until = await _own_gift_until(customer.user_id)
    if gift_until != customer.gift_until:
        await customer.save_versioned(gift_until=gift_until, updated_at=now)


async def grant_gift(services: Services, user_id: str, code: GiftCode, now: datetime) -> Grant | None:
    """Record the time a code just redeemed by `user_id` gives, and tell Stripe if it is stacked.

    None if the code was revoked meanwhile (its payment reversed between the claim and here: the
    reversal found no grant to take back, so none is written). If Stripe refuses the stacked time,
    the grant is removed again and the error raised (the caller puts the code back).
    """
    async with user_ledger(user_id, now) as customer:
        if not await GiftCode.filter(
            id=code.id, status=GiftCodeStatus.REDEEMED, redeemed_by_user_id=user_id
        ).exists():
            return None
        live = await live_subscription(user_id, now)
        if live is not None:
            start = await _stack_from(live)
            stacked_on: str | None = live.stripe_subscription_id
        else:
            start = max(now, customer.gift_until or now, await _own_gift_until(user_id) or now)
            stacked_on = None
        grant = await Grant.create(
            payment_id=code.payment_id,
            user_id=user_id,
            stripe_subscription_id=stacked_on,
            starts_at=start,
            ends_at=add_months(start, code.duration_months),
            state=GrantState.GRANTED,
            created_at=now,
            updated_at=now,
        )
        if stacked_on is None:
            await _write_gift_until(customer, now)
    if stacked_on is not None:
        try:
            await push_trial_end(services, stacked_on)
        except PaymentProviderError:
            await Grant.filter(id=grant.id, version=grant.version).delete()
            raise
        await grant.refresh_from_db()  # unstacked if the subscription had ended meanwhile
    return grant


async def restore_grant(
    user_id: str,
    payment_id: int,
    *,
    stacked_on: str | None,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> Grant:
    """Write back the grant a redemption made, as Stripe recorded it (`reconcile` after a restore).

    Nothing is pushed to Stripe: time stacked on a subscription is already in its `trial_end`.
    Exactly once: the grant of a payment is unique, so a second restore finds it and writes nothing.
    """
    async with user_ledger(user_id, now) as customer:
        existing = await Grant.get_or_none(payment_id=payment_id)
        if existing is not None:
            return existing
        grant = await Grant.create(
            payment_id=payment_id,
            user_id=user_id,
            stripe_subscription_id=stacked_on,
            starts_at=starts_at,
            ends_at=ends_at,
            state=GrantState.GRANTED,
            created_at=now,
            updated_at=now,
        )
        if stacked_on is None:
            await _write_gift_until(customer, now)
    return grant


async def take_back(services: Services, payment_id: int, user_id: str, now: datetime) -> timedelta:
    """The payment's grant no longer stands: remove its unused part, once. Returns what was removed."""
    removed = timedelta(0)
    async with user_ledger(user_id, now) as customer:
        grant = await Grant.get_or_none(payment_id=payment_id)
        if grant is None or grant.state != GrantState.GRANTED:
            stacked_on = grant.stripe_subscription_id if grant is not None else None
        else:
            cut = min(max(now, grant.starts_at), grant.ends_at)
            removed = grant.ends_at - cut
            won = await Grant.filter(id=grant.id, version=grant.version, state=GrantState.GRANTED).update(
                state=GrantState.TAKEN_BACK,
                ends_at=cut,
                taken_back_seconds=int(removed.total_seconds()),
                updated_at=now,
                version=F("version") + 1,
            )
            if not won:  # cannot happen under the lock; a second taker takes nothing
                return timedelta(0)
            if removed:
                await _shift_after(grant, -removed, now)
            stacked_on = grant.stripe_subscription_id
            if stacked_on is None:
                await _write_gift_until(customer, now)
    if stacked_on is not None:
        await push_if_behind(services, stacked_on, force=bool(removed))
    log.info("granted time taken back", extra={"payment_id": payment_id, "removed": str(removed)})
    return removed


async def _shift_after(grant: Grant, delta: timedelta, now: datetime) -> None:
    """Move the grants after `grant` in its chain by `delta` (no gap where its time was)."""
    later = Grant.filter(
        user_id=grant.user_id, state=GrantState.GRANTED, starts_at__gte=grant.ends_at
    ).exclude(id=grant.id)
    if grant.stripe_subscription_id is None:
        later = later.filter(stripe_subscription_id__isnull=True)
    else:
        later = later.filter(stripe_subscription_id=grant.stripe_subscription_id)
    for row in await later.order_by("starts_at"):
        await Grant.filter(id=row.id, version=row.version).update(
            starts_at=row.starts_at + delta,
            ends_at=row.ends_at + delta,
            updated_at=now,
            version=F("version") + 1,
        )


async def give_back(services: Services, payment_id: int, user_id: str, now: datetime) -> timedelta:
    """The reversal did not stand: append exactly what was taken back, once. Returns it."""
    async with user_ledger(user_id, now) as customer:
        grant = await Grant.get_or_none(payment_id=payment_id)
        if grant is None or grant.state != GrantState.TAKEN_BACK:
            return timedelta(0)
        returned = timedelta(seconds=grant.taken_back_seconds)
        live = await live_subscription(user_id, now)
        if live is not None:
            # Stacked again after the paid time, not from now (that would overlap a paid month).
            start = await _stack_from(live)
            stacked_on: str | None = live.stripe_subscription_id
        else:
            start = max(now, await _own_gift_until(user_id) or now)
            stacked_on = None
        won = await Grant.filter(id=grant.id, version=grant.version, state=GrantState.TAKEN_BACK).update(
            state=GrantState.GRANTED,
            stripe_subscription_id=stacked_on,
            starts_at=start,
            ends_at=start + returned,
            taken_back_seconds=0,
            updated_at=now,
            version=F("version") + 1,
        )
        if not won:
            return timedelta(0)
        if stacked_on is None:
            await _write_gift_until(customer, now)
    if stacked_on is not None and returned:
        await push_trial_end(services, stacked_on)
    log.info("granted time given back", extra={"payment_id": payment_id, "returned": str(returned)})
    return returned


async def unstack(user_id: str, subscription_id: str, now: datetime) -> timedelta:
    """A subscription ended by its payment's reversal: its unused stacked grants become gift time.

    Each moves once (afterwards it is no longer stacked), in order, after the gift time the user
    already has. Returns the time moved.
    """
    moved = timedelta(0)
    async with user_ledger(user_id, now) as customer:
        stacked = await Grant.filter(
            stripe_subscription_id=subscription_id, state=GrantState.GRANTED, ends_at__gt=now
        ).order_by("starts_at")
        start = max(now, await _own_gift_until(user_id) or now)
        for grant in stacked:
            left = grant.ends_at - max(grant.starts_at, now)
            won = await Grant.filter(
                id=grant.id, version=grant.version, stripe_subscription_id=subscription_id
            ).update(
                stripe_subscription_id=None,
                starts_at=start,
                ends_at=start + left,
                updated_at=now,
                version=F("version") + 1,
            )
            if won:
                start, moved = start + left, moved + left
        if moved:
            await _write_gift_until(customer, now)
    return moved


async def push_if_behind(services: Services, subscription_id: str, *, force: bool = False) -> None:
    """Tell Stripe the chain's end if the mirrored trial does not end there (a crash before the push)."""
    row = await Subscription.get_or_none(stripe_subscription_id=subscription_id)
    end = await chain_end(subscription_id)
    if row is None or end is None or row.status != SubscriptionStatus.TRIALING:
        return
    if force or abs(row.current_period_end - end) > timedelta(seconds=1):
        await push_trial_end(services, subscription_id)


async def push_trial_end(services: Services, subscription_id: str) -> None:
    """Move Stripe's `trial_end` to where the ledger's chain ends, until the ledger stops changing.

    Absolute, so a repeat is harmless; read again after each push, so a concurrent change whose
    push landed first is not overwritten by an older value.
    """
    for _ in range(PUSH_ATTEMPTS):
        end = await chain_end(subscription_id)
        row = await Subscription.get_or_none(stripe_subscription_id=subscription_id)
        if end is None or row is None:
            return
        if row.status not in SubscriptionLiveness.NOT_ENDED:
            # Ended meanwhile: time stacked on it after the reversal's own move is moved here.
            await unstack(row.user_id, subscription_id, services.clock.now())
            return
        now = services.clock.now()
        trial_end: int | str = int(end.timestamp()) if end - now > MIN_TRIAL_LEFT else "now"
        try:
            await call(
                "subscriptions.update(trial_end)",
                services.stripe.v1.subscriptions.update_async(
                    subscription_id, params={"trial_end": trial_end, "proration_behavior": "none"}
                ),
                timeout=services.config.stripe_timeout_seconds,
            )
        except PaymentProviderError as exc:
            if not isinstance(exc.__cause__, stripe.InvalidRequestError):
                raise
            # Ended meanwhile (a concurrent reversal cancelled it)? Mirror that, then unstack.
            synced = await sync_subscription(services, subscription_id)
            if synced is not None and synced.status in SubscriptionLiveness.NOT_ENDED:
                raise
            continue
        await sync_subscription(services, subscription_id)
        if await chain_end(subscription_id) == end:
            return
    log.warning("trial_end kept changing while pushed", extra={"subscription": subscription_id})
