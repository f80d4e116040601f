"""What only the gateway knew about a gift, kept in Stripe too, so a restore loses none of it.

The code string is reserved in the purchase's metadata when its checkout is made
(`GIFT_CODE_KEY`, billing.checkout.sessions). A redemption is written here, when it happens, onto
the gift purchase's PaymentIntent: who redeemed it, when, and the stretch it granted (stacked on
which subscription, or gift time of its own). One purchase, one PaymentIntent, five keys: Stripe's
metadata limits (50 keys, 500 characters a value) hold however many gifts a user redeems, since
nothing accumulates on the redeemer's customer. `reconcile` reads them back
(`billing.reconcile.walk`) and writes them again where a redemption's write to Stripe had failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from billing.services import Services
from billing.stripe.calls import call
from models import GiftCode, Grant, Payment

log = logging.getLogger("billing.gifts.in_stripe")

REDEEMED_BY = "gift_redeemed_by"
REDEEMED_AT = "gift_redeemed_at"
GRANTED_FROM = "gift_granted_from"
GRANTED_UNTIL = "gift_granted_until"
STACKED_ON = "gift_stacked_on"


@dataclass(frozen=True)
class RecordedRedemption:
    user_id: str
    redeemed_at: datetime
    starts_at: datetime
    ends_at: datetime
    stacked_on: str | None


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _moment(text: str) -> datetime:
    return datetime.fromtimestamp(int(text), UTC)


def redemption_metadata(code: GiftCode, grant: Grant) -> dict[str, str]:
    """The keys a redemption writes (an empty value deletes a key: gift time of its own)."""
    assert code.redeemed_by_user_id is not None and code.redeemed_at is not None
    return {
        REDEEMED_BY: code.redeemed_by_user_id,
        REDEEMED_AT: _epoch(code.redeemed_at),
        GRANTED_FROM: _epoch(grant.starts_at),
        GRANTED_UNTIL: _epoch(grant.ends_at),
        STACKED_ON: grant.stripe_subscription_id or "",
    }


def recorded_redemption(metadata: dict[str, Any]) -> RecordedRedemption | None:
    """The redemption a PaymentIntent's metadata records, if any (and if it reads whole)."""
    try:
        return RecordedRedemption(
            user_id=str(metadata[REDEEMED_BY]),
            redeemed_at=_moment(metadata[REDEEMED_AT]),
            starts_at=_moment(metadata[GRANTED_FROM]),
            ends_at=_moment(metadata[GRANTED_UNTIL]),
            stacked_on=metadata.get(STACKED_ON) or None,
        )
    except (KeyError, TypeError, ValueError):
        return None


async def record_redemption(services: Services, code: GiftCode, grant: Grant) -> None:
    """Write the redemption onto the gift purchase's PaymentIntent (same values: a repeat is harmless)."""
    intent_id = (
        await Payment.filter(id=code.payment_id).first().values_list("stripe_payment_intent_id", flat=True)
    )
    if not intent_id:
        log.warning(
            "gift payment without a payment intent: redemption not kept in Stripe",
            extra={"payment": code.payment_id},
        )
        return
    await call(
        "payment_intents.update(gift redemption)",
        services.stripe.v1.payment_intents.update_async(
            intent_id, params={"metadata": redemption_metadata(code, grant)}
        ),
        timeout=services.config.stripe_timeout_seconds,
    )
