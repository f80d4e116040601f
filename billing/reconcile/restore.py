"""What `reconcile` rebuilds beyond Stripe's payments and subscriptions: the gateway's own facts.

After a database restored from a backup (or none at all), these come back from where the gateway
also keeps them in Stripe:

- customers: every Stripe customer carrying a `user_id` (the gateway makes its customers so) gets
  its row, with the restriction its metadata records (`billing.reversals.restrictions`);
- gift codes: the string reserved in the purchase's metadata when the checkout was made;
- redemptions: who redeemed, when, and the stretch granted, from the purchase's PaymentIntent
  (`billing.gifts.in_stripe`), written back as the same ledger row; a redemption whose write to
  Stripe had failed is written there now.

Each step compares before writing, so a second run restores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from billing.gifts import grants, in_stripe
from billing.gifts.codes import GIFT_CODE_KEY
from billing.gifts.redeem import issue_for
from billing.notifications.access import record_access
from billing.reconcile.stripe_lists import list_all, patiently
from billing.reversals.granted_time import converge_grants
from billing.reversals.restrictions import restriction_from_stripe
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import retrieve
from models import Customer, Dispute, GiftCode, Grant, Invoice, Payment, Refund, Subscription
from models.enums import GiftCodeStatus, PaymentStatus

log = logging.getLogger("billing.reconcile")

# A gift payment in one of these was paid once: it has (or had) a code.
_PAID_ONCE = (
    PaymentStatus.COMPLETED,
    PaymentStatus.REFUNDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.DISPUTED,
)


@dataclass
class RowCounts:
    """How many rows of each kind the gateway holds (for the users a run covers)."""

    counts: dict[str, int] = field(default_factory=dict)

    def restored_since(self, before: RowCounts) -> list[str]:
        return [
            f"{name} +{self.counts[name] - before.counts.get(name, 0)}"
            for name in self.counts
            if self.counts[name] > before.counts.get(name, 0)
        ]


async def count_rows(user_ids: Sequence[str] | None = None) -> RowCounts:
    """Rows per kind: what `reconcile` reports as restored is the growth of these."""
    only = {} if user_ids is None else {"user_id__in": list(user_ids)}
    buyers = {} if user_ids is None else {"purchaser_user_id__in": list(user_ids)}
    return RowCounts(
        {
            "customers": await Customer.filter(**only).count(),
            "restrictions": await Customer.filter(purchase_restricted=True, **only).count(),
            "payments": await Payment.filter(**only).count(),
            "subscriptions": await Subscription.filter(**only).count(),
            "invoices": await Invoice.filter(**only).count(),
            "refunds": await Refund.filter(**only).count(),
            "disputes": await Dispute.filter(**only).count(),
            "gift codes": await GiftCode.filter(**buyers).count(),
            "redemptions": await GiftCode.filter(redeemed_by_user_id__isnull=False, **buyers).count(),
            "grants": await Grant.filter(**only).count(),
        }
    )


async def customers_from_stripe(
    services: Services, user_ids: Sequence[str] | None, since: datetime | None = None
) -> int:
    """Rows (and restrictions) for the Stripe customers the gateway made; how many were looked at.

    A known user's restriction is made what Stripe says. A customer without a row gets one only if
    Stripe created it since `since` (a backup from then cannot know it; give `--since` far enough
    back after losing everything): an older one is some other deployment's, or long gone here.
    """
    now = services.clock.now()
    if user_ids is None:
        method = services.stripe.v1.customers.list_async
        stripe_customers = [so.as_dict(c) async for c in list_all(services, "customers.list", method, {})]
    else:
        ids = await Customer.filter(user_id__in=list(user_ids), stripe_customer_id__isnull=False).values_list(
            "stripe_customer_id", flat=True
        )
        stripe_customers = [
            await patiently(lambda i=i: retrieve(services.stripe, "customers", i)) for i in ids
        ]
    for obj in stripe_customers:
        user_id = so.metadata(obj).get("user_id")
        if not user_id or obj.get("deleted"):
            continue
        created = so.ts(obj.get("created"))
        known = await Customer.filter(user_id=user_id).exists()
        if not known and since is not None and created is not None and created < since:
            continue
        await _customer_row(user_id, obj, now)
        await restriction_from_stripe(services, user_id, obj, now)
    return len(stripe_customers)


async def _customer_row(user_id: str, obj: dict[str, Any], now: Any) -> None:
    row = await Customer.get_or_none(user_id=user_id)
    if row is None:
        try:
            await Customer.create(
                user_id=user_id,
                stripe_customer_id=obj["id"],
                created_at=so.ts(obj.get("created")) or now,
                updated_at=now,
            )
        except IntegrityError:  # created meanwhile (a webhook): fill in below
            row = await Customer.get(user_id=user_id)
    if row is not None and row.stripe_customer_id is None:
        await Customer.filter(id=row.id, stripe_customer_id__isnull=True).update(
            stripe_customer_id=obj["id"], updated_at=now, version=F("version") + 1
        )


async def gifts_from_stripe(services: Services, user_ids: Sequence[str] | None) -> int:
    """Codes and redemptions of the gift purchases, as Stripe keeps them; how many were looked at."""
    only = {} if user_ids is None else {"user_id__in": list(user_ids)}
    payments = await Payment.filter(
        is_gift=True, status__in=list(_PAID_ONCE), stripe_payment_intent_id__isnull=False, **only
    ).order_by("id")
    for payment in payments:
        intent = await patiently(
            lambda p=payment: retrieve(services.stripe, "payment_intents", p.stripe_payment_intent_id)
        )
        await _gift_of(services, payment, so.metadata(intent))
    return len(payments)


async def _gift_of(services: Services, payment: Payment, metadata: dict[str, Any]) -> None:
    now = services.clock.now()
    code = await GiftCode.get_or_none(payment_id=payment.id)
    if code is None:
        code = await issue_for(payment, now, services.config.gift_code_ttl, code=metadata.get(GIFT_CODE_KEY))
    recorded = in_stripe.recorded_redemption(metadata)
    if recorded is not None and code.redeemed_by_user_id is None:
        await GiftCode.filter(id=code.id, redeemed_by_user_id__isnull=True).update(
            status=GiftCodeStatus.REDEEMED if code.status == GiftCodeStatus.AVAILABLE else code.status,
            redeemed_by_user_id=recorded.user_id,
            redeemed_at=recorded.redeemed_at,
            granted_from=recorded.starts_at,
            granted_until=recorded.ends_at,
            updated_at=now,
            version=F("version") + 1,
        )
        await grants.restore_grant(
            recorded.user_id,
            payment.id,
            stacked_on=recorded.stacked_on,
            starts_at=recorded.starts_at,
            ends_at=recorded.ends_at,
            now=now,
        )
        await record_access(recorded.user_id, now)
        log.info("gift redemption restored from Stripe", extra={"payment": payment.id})
    elif recorded is None and code.redeemed_by_user_id is not None:
        grant = await Grant.get_or_none(payment_id=payment.id)
        if grant is not None:  # the redemption's own write to Stripe had failed
            await in_stripe.record_redemption(services, code, grant)
    await converge_grants(services, payment)  # a reversed purchase takes back what it granted
