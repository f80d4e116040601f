"""Random billing data for the differential tests: every state a row can be in, nulls included."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from models.enums import (
    Currency,
    GiftCodeStatus,
    PaymentKind,
    PaymentStatus,
    ProductType,
    SubscriptionStatus,
)
from tests import factories
from tests.factories import NOW


async def random_user(rng: random.Random, user_id: str) -> None:
    if rng.random() < 0.8:
        await factories.customer(
            user_id,
            gift_until=NOW + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.5 else None,
            access_since=NOW - timedelta(days=rng.randint(1, 90)) if rng.random() < 0.5 else None,
            access_until=NOW + timedelta(days=rng.randint(-5, 60)) if rng.random() < 0.5 else None,
        )
    for _ in range(rng.randint(0, 2)):
        start = NOW - timedelta(
            days=rng.randint(0, 40), seconds=rng.randint(0, 86400), microseconds=rng.randint(0, 999_999)
        )
        await factories.subscription(
            user_id,
            status=rng.choice(list(SubscriptionStatus)),
            current_period_start=start,
            cancel_at_period_end=rng.random() < 0.3,
            canceled_at=start if rng.random() < 0.2 else None,
            cancellation_feedback=rng.choice([None, "too pricey", 'ünïcode ✓ "quoted"']),
        )
    for _ in range(rng.randint(0, 40)):
        # Microseconds too: the API's DateTime drops them, cursors keep them.
        created = NOW - timedelta(
            days=rng.randint(0, 500), seconds=rng.randint(0, 86400), microseconds=rng.randint(0, 999_999)
        )
        if rng.random() < 0.3:  # some exact ties: the cursor's id settles them
            created = NOW - timedelta(days=1)
        kw: dict[str, Any] = {
            "created_at": created,
            "status": rng.choice(list(PaymentStatus)),
            "currency": rng.choice(list(Currency)),
            "amount": rng.choice([0, 1, 499, 780, 4999, 2**31 - 1]),
            "product_type": rng.choice(list(ProductType)),
            "kind": rng.choice(list(PaymentKind)),
            "checkout_session_id": None if rng.random() < 0.3 else f"cs_{rng.getrandbits(40)}",
            "stripe_payment_intent_id": None if rng.random() < 0.3 else f"pi_{rng.getrandbits(40)}",
            "stripe_subscription_id": None if rng.random() < 0.5 else f"sub_{rng.getrandbits(20)}",
            "stripe_invoice_id": None if rng.random() < 0.5 else f"in_{rng.getrandbits(60)}",
            "completed_at": None
            if rng.random() < 0.3
            else created + timedelta(seconds=rng.randint(1, 999), microseconds=rng.randint(0, 999_999)),
            "version": rng.randint(1, 5),
        }
        if rng.random() < 0.25:
            status = rng.choice(list(GiftCodeStatus))
            code_kw: dict[str, Any] = {"status": status}
            if status is GiftCodeStatus.REDEEMED:
                code_kw |= {
                    "redeemed_by_user_id": rng.choice([user_id, "someone-else"]),
                    "redeemed_at": created,
                }
            code_kw["expires_at"] = NOW + timedelta(days=rng.randint(-10, 300))
            await factories.gift_purchase(user_id, code_kw=code_kw, **kw)
        else:  # now and then a gift purchase whose code is not there (yet)
            await factories.payment(user_id, is_gift=rng.random() < 0.1, **kw)
    for _ in range(rng.randint(0, 5)):
        await factories.invoice(user_id, created_at=NOW - timedelta(days=rng.randint(0, 300)))
