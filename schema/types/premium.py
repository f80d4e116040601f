"""`Premium` (derived by billing.premium.rule, the one rule) and `Price` (the public catalog)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from billing.catalog import CatalogEntry
from billing.plans import trial_eligible as may_start_trial
from billing.premium import PremiumState
from schema.types.enums import BillingCycle, PremiumSource, ProductType
from schema.types.money import Money


@strawberry.type
class Premium:
    active: bool
    source: PremiumSource
    product_type: ProductType | None
    billing_cycle: BillingCycle | None
    since: datetime | None
    until: datetime | None = strawberry.field(
        description="End of access if nothing renews; null when not premium."
    )
    will_cancel: bool = strawberry.field(
        description="The subscription is set to end (at period end or at a set date, however it was set)."
    )
    user_id: strawberry.Private[str]

    @strawberry.field(
        description="The viewer may still start a free trial (trials on; never had one, never subscribed)."
    )
    async def trial_eligible(self, info: Info) -> bool:
        return info.context.config.trial_days > 0 and await may_start_trial(self.user_id)


def premium_from_state(state: PremiumState, user_id: str) -> Premium:
    return Premium(
        user_id=user_id,
        active=state.active,
        source=state.source,
        product_type=state.product_type,
        billing_cycle=state.billing_cycle,
        since=state.since,
        until=state.until,
        will_cancel=state.will_cancel,
    )


@strawberry.type
class Price:
    product_type: ProductType
    billing_cycle: BillingCycle
    is_gift: bool
    money: Money
    lookup_key: str = strawberry.field(description='e.g. "premium_monthly_usd", "premium_yearly_gift_jpy"')
    stripe_price_id: str | None = strawberry.field(
        description="Null until the catalog has been synced to Stripe."
    )
    trial_days: int = strawberry.field(
        description="Free days before the first charge for an eligible buyer; 0 when there is no trial."
    )


def price_from_entry(entry: CatalogEntry, stripe_price_id: str | None, trial_days: int = 0) -> Price:
    return Price(
        product_type=entry.product_type,
        billing_cycle=entry.billing_cycle,
        is_gift=entry.is_gift,
        money=Money(amount=entry.amount, currency=entry.currency),
        lookup_key=entry.lookup_key,
        stripe_price_id=stripe_price_id,
        trial_days=0 if entry.is_gift else trial_days,
    )
