"""Two users with distinct, recognisable billing data, for leak and IDOR checks.

Bob's rows carry markers (ids with `BOBLEAK`, the amount 98765, invoice
numbers `INV-BOBLEAK-…`) that must never appear in anything Alice is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from billing import ids
from models import GiftCode
from models.enums import GiftCodeStatus
from tests import factories

ALICE = "rel-alice"
BOB = "rel-bob"
BOB_MARKER = "BOBLEAK"
BOB_AMOUNT = 98765


@dataclass
class Seeded:
    alice_ids: dict[str, str] = field(default_factory=dict)  # type name -> Alice's global id
    bob_ids: dict[str, str] = field(default_factory=dict)  # type name -> Bob's global id
    bob_code: str = ""
    bob_redeemed_code: str = ""  # bought by Bob, redeemed by a third user
    bob_markers: tuple[str, ...] = ()


async def seed_two_users() -> Seeded:
    seeded = Seeded()
    await factories.customer(ALICE)
    await factories.customer(BOB, stripe_customer_id=f"cus_{BOB_MARKER}")
    for user, who in ((ALICE, seeded.alice_ids), (BOB, seeded.bob_ids)):
        tag = BOB_MARKER if user == BOB else "alice"
        amount = BOB_AMOUNT if user == BOB else 499
        pay = await factories.payment(
            user,
            amount=amount,
            checkout_session_id=f"cs_{tag}_1",
            stripe_payment_intent_id=f"pi_{tag}_1",
            stripe_customer_id=f"cus_{tag}",
        )
        sub = await factories.subscription(
            user, stripe_subscription_id=f"sub_{tag}_1", stripe_customer_id=f"cus_{tag}", price_amount=amount
        )
        inv = await factories.invoice(
            user,
            stripe_invoice_id=f"in_{tag}_1",
            number=f"INV-{tag}-1",
            stripe_customer_id=f"cus_{tag}",
            total=amount,
            amount_paid=amount,
        )
        _, code = await factories.gift_purchase(
            user, amount=amount, checkout_session_id=f"cs_{tag}_gift", stripe_payment_intent_id=f"pi_{tag}_g"
        )
        who.update(
            Payment=ids.encode("Payment", pay.pk),
            Subscription=ids.encode("Subscription", sub.pk),
            Invoice=ids.encode("Invoice", inv.pk),
            GiftCode=ids.encode("GiftCode", code.pk),
        )
        if user == BOB:
            seeded.bob_code = code.code
    _, redeemed = await factories.gift_purchase(
        BOB, amount=BOB_AMOUNT, checkout_session_id=f"cs_{BOB_MARKER}_g2", stripe_payment_intent_id="pi_b_g2"
    )
    await GiftCode.filter(pk=redeemed.pk).update(
        status=GiftCodeStatus.REDEEMED,
        redeemed_by_user_id="rel-carol",
        redeemed_at=factories.NOW - timedelta(days=1),
    )
    seeded.bob_redeemed_code = redeemed.code
    seeded.bob_markers = (BOB_MARKER, BOB, seeded.bob_code, *seeded.bob_ids.values())
    return seeded
