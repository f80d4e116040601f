"""Recording a user's access stretch and announcing what changed, in one transaction.

Why here and not in `billing.premium`: the premium rule only computes (DESIGN.md
"Inside billing/": the rule never calls out); whoever changes access calls
`record_access`, which stores the stretch and hands the new state to the
announcements beside it.
"""

from __future__ import annotations

from datetime import datetime

from billing.notifications import changes as notifications
from billing.premium.rule import (
    PremiumState,
    access_subscription,
    continuing_from,
    derive,
    load_premium,
    next_access_window,
    rows_for,
    with_since,
)
from models import Customer, retry_on_conflict


async def record_access(user_id: str, now: datetime) -> PremiumState:
    """Recompute a user's premium and store the stretch on their `Customer` row.

    Call after anything that grants or takes back time (gift redeemed, subscription
    synced from Stripe, refund or dispute). Optimistic concurrency: re-read and
    retry when another writer changed the row. Users without a Customer row have
    nothing to record (they never paid or redeemed).
    """

    async def attempt() -> PremiumState:
        customer = await Customer.get_or_none(user_id=user_id)
        if customer is None:
            return await load_premium(user_id, now)
        rows = (await rows_for([user_id]))[user_id]
        # Derive from the row we are about to write, so since/until agree with it.
        state = derive(
            now=now,
            subscriptions=rows.subscriptions,
            gift_until=customer.gift_until,
            last_gift_product=rows.last_gift_product,
        )
        since, until = next_access_window(
            previous_since=customer.access_since,
            previous_until=customer.access_until,
            state=state,
            resumes_from=continuing_from(access_subscription(rows.subscriptions, now), now),
        )
        result = with_since(state, since)
        window_same = (since, until) == (customer.access_since, customer.access_until)
        if window_same and not await notifications.premium_differs(user_id, result):
            return result
        # The version bump serialises announcements: a writer that read an older row retries.
        async with notifications.transaction():
            await customer.save_versioned(access_since=since, access_until=until, updated_at=now)
            await notifications.premium_changed(user_id, result, now)
        return result

    return await retry_on_conflict(f"customer {user_id}: access window", attempt)
