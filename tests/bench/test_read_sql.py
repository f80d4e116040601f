"""The hand-written read statements return exactly what the ORM queries they replaced return.

`billing.sql.Statement` promises rows equal in value *and type* to Tortoise's
``.values()`` (enums as enum members, datetimes with Tortoise's time zone,
booleans as bool on SQLite too). Each test runs the replaced ORM query as the
reference over random data (tests.bench.random_data), on whichever database
the suite runs on, and compares.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from billing import read_queries
from billing.pagination import NEWEST_FIRST, PageRequest, before
from billing.premium import rule as premium
from models import Customer, GiftCode, Payment, Subscription
from models.enums import GiftCodeStatus, ProductType, SubscriptionLiveness
from tests import factories
from tests.bench.random_data import random_user
from tests.factories import NOW

USERS = [f"sql-user-{i}" for i in range(8)]


def typed(rows: Any) -> Any:
    """Rows with each value's type and time zone, so `==` compares those too."""
    if rows is None:
        return None
    if isinstance(rows, dict):
        return {k: (v, type(v), getattr(v, "tzinfo", None)) for k, v in rows.items()}
    return [typed(row) for row in rows]


async def seed(rng: random.Random) -> None:
    for user in USERS:
        await random_user(rng, user)
    # Two codes one user redeemed at the same moment: the higher id is the last one.
    tie = NOW + timedelta(days=3)
    for product in (ProductType.PREMIUM_YEARLY, ProductType.PREMIUM_MONTHLY):
        await factories.gift_purchase(
            "someone",
            product_type=product,
            code_kw={"status": GiftCodeStatus.REDEEMED, "redeemed_by_user_id": USERS[0], "redeemed_at": tie},
        )


async def test_payment_pages_and_their_gift_codes_are_the_orm_rows(db: str) -> None:
    rng = random.Random(11)
    await seed(rng)
    for user in [*USERS, "nobody"]:
        after = None
        while True:
            request = PageRequest.parse(rng.randint(1, 30), after)
            page = await read_queries.payments_page(user, request)
            reference = (
                await Payment.filter(before(request.after), user_id=user)
                .order_by(*NEWEST_FIRST)
                .limit(request.first + 1)
                .values(*read_queries.PAYMENT_FIELDS)
            )
            assert typed(list(page.items)) == typed(reference[: request.first])
            assert page.has_next_page == (len(reference) > request.first)
            ids = [row["id"] for row in page.items]
            codes = await read_queries.gift_codes_by_payment(ids)
            expected = await GiftCode.filter(payment_id__in=ids).values(*read_queries.GIFT_CODE_FIELDS)
            assert {pid: typed(row) for pid, row in codes.items()} == {
                row["payment_id"]: typed(row) for row in expected
            }
            # The same page joined with its codes: the same rows, and a code (or None) per gift payment.
            joined, joined_codes = await read_queries.payments_page_with_gift_codes(user, request)
            assert typed(list(joined.items)) == typed(list(page.items))
            assert (joined.cursors, joined.has_next_page) == (page.cursors, page.has_next_page)
            gifts = [row["id"] for row in page.items if row["is_gift"]]
            assert {pid: typed(row) for pid, row in joined_codes.items()} == {
                pid: typed(codes.get(pid)) for pid in gifts
            }
            if not page.has_next_page:
                break
            after = page.cursors[-1]


async def test_the_current_subscription_is_the_orm_row(db: str) -> None:
    await seed(random.Random(12))
    for user in [*USERS, "nobody"]:
        reference = (
            await Subscription.filter(user_id=user, status__in=list(SubscriptionLiveness.NOT_ENDED))
            .order_by(*NEWEST_FIRST)
            .first()
            .values(*read_queries.SUBSCRIPTION_FIELDS)
        )
        assert typed(await read_queries.current_subscription(user)) == typed(reference)


async def _orm_rows_for(user_ids: list[str]) -> dict[str, Any]:
    """The premium rule's rows as the three ORM statements it used to send read them."""
    customers = {
        row["user_id"]: row
        for row in await Customer.filter(user_id__in=user_ids).values(
            "user_id", "gift_until", "access_since", "access_until"
        )
    }
    subs: dict[str, list[premium.SubscriptionFacts]] = {uid: [] for uid in user_ids}
    for row in (
        await Subscription.filter(user_id__in=user_ids, status__in=list(SubscriptionLiveness.GIVES_ACCESS))
        .order_by("id")
        .values("id", "user_id", "status", "product_type", "billing_cycle", "current_period_start",
                "current_period_end", "cancel_at_period_end", "created_at")
    ):  # fmt: skip
        subs[row["user_id"]].append(premium.SubscriptionFacts.of(row))
    last_gift: dict[str, ProductType] = {}
    for row in (
        await GiftCode.filter(redeemed_by_user_id__in=user_ids, status=GiftCodeStatus.REDEEMED)
        .order_by("-redeemed_at", "-id")
        .values("redeemed_by_user_id", "product_type")
    ):
        last_gift.setdefault(row["redeemed_by_user_id"], ProductType(row["product_type"]))
    return {uid: (customers.get(uid), subs[uid], last_gift.get(uid)) for uid in user_ids}


async def test_the_premium_rule_reads_in_one_statement_what_three_orm_statements_read(db: str) -> None:
    await seed(random.Random(13))
    users = [*USERS, "nobody"]
    reference = await _orm_rows_for(users)
    for group in ([users[0]], users[:3], users):
        rows = await premium.rows_for(group)
        for uid in group:
            customer, subscriptions, last_gift = reference[uid]
            got = rows[uid]
            if customer is None:
                assert got.customer is None
            else:
                assert {k: typed(got.customer)[k] for k in customer} == typed(customer)
            assert got.subscriptions == subscriptions
            assert got.last_gift_product is last_gift
    assert (await premium.rows_for([USERS[0]]))[USERS[0]].last_gift_product is ProductType.PREMIUM_MONTHLY
    states = await premium.load_premium_many(users, NOW)
    for uid in users:
        assert states[uid] == await premium.load_premium(uid, NOW)
