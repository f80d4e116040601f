"""Premium entitlement: THE one rule (DESIGN.md "Premium"), used by GraphQL, webhooks and the CLI.

- A subscription gives access while its status is ACTIVE, TRIALING or PAST_DUE,
  until its ``current_period_end``.
- Gift time gives access until ``Customer.gift_until`` (the end of the user's standing grants of
  their own, written by the ledger, `billing.gifts.grants`; stacked grants move the subscription's end).
- ``active``: either end is in the future. ``until``: the later end.
  ``source``: SUBSCRIPTION if a live subscription gives access, else GIFT, else NONE.
  ``since``: start of the current unbroken stretch (``Customer.access_since``,
  maintained by `billing.notifications.access.record_access` whenever time is granted or
  taken back).
  ``will_cancel``: the live subscription is set to end, however Stripe stores it
  (``cancel_at_period_end``, or a ``cancel_at`` date as the Dashboard and the
  customer portal may set in flexible billing mode).

`derive` is a pure function over rows and "now" so it can be tested
exhaustively; `load_premium`/`load_premium_many` fetch the rows it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from billing.catalog.entries import billing_cycle_of
from billing.sql import Statement
from models import Customer, GiftCode, Subscription
from models.enums import BillingCycle, GiftCodeStatus, ProductType, SubscriptionLiveness

_SUBSCRIPTION_FIELDS = (
    "id",
    "user_id",
    "status",
    "product_type",
    "billing_cycle",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "cancel_at",
    "created_at",
)


class PremiumSource(StrEnum):
    NONE = "NONE"
    SUBSCRIPTION = "SUBSCRIPTION"
    GIFT = "GIFT"


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    """What the rule needs of a subscription row."""

    status: str
    product_type: ProductType
    billing_cycle: BillingCycle
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    cancel_at: datetime | None = None

    @property
    def will_cancel(self) -> bool:
        return self.cancel_at_period_end or self.cancel_at is not None

    @classmethod
    def of(cls, row: Any) -> SubscriptionFacts:
        """From a model instance or a ``.values()`` dict."""
        get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
        return cls(
            status=str(get("status")),
            product_type=ProductType(get("product_type")),
            billing_cycle=BillingCycle(get("billing_cycle")),
            current_period_start=get("current_period_start"),
            current_period_end=get("current_period_end"),
            cancel_at_period_end=bool(get("cancel_at_period_end")),
            cancel_at=get("cancel_at"),
        )


@dataclass(frozen=True, slots=True)
class PremiumState:
    active: bool
    source: PremiumSource
    product_type: ProductType | None
    billing_cycle: BillingCycle | None
    since: datetime | None
    until: datetime | None
    will_cancel: bool

    @classmethod
    def none(cls) -> PremiumState:
        return cls(False, PremiumSource.NONE, None, None, None, None, False)


def access_subscription(
    subscriptions: Iterable[SubscriptionFacts], now: datetime
) -> SubscriptionFacts | None:
    """The subscription that gives access now (the one reaching furthest), if any."""
    live = [
        s
        for s in subscriptions
        if s.status in SubscriptionLiveness.GIVES_ACCESS and s.current_period_end > now
    ]
    return max(live, key=lambda s: s.current_period_end, default=None)


def derive(
    *,
    now: datetime,
    subscriptions: Iterable[SubscriptionFacts] = (),
    gift_until: datetime | None = None,
    access_since: datetime | None = None,
    access_until: datetime | None = None,
    last_gift_product: ProductType | None = None,
) -> PremiumState:
    """The premium state at `now`. Pure: same rows, same now, same answer.

    `access_since`/`access_until` are the stored stretch; `since` trusts them only
    while the stored stretch reaches the current access (else the row is stale
    and the subscription's period start, or nothing for a gift, is reported).
    """
    sub = access_subscription(subscriptions, now)
    gift_live = gift_until is not None and gift_until > now
    if sub is None and not gift_live:
        return PremiumState.none()
    ends = [end for end in (sub.current_period_end if sub else None, gift_until) if end and end > now]
    if sub is not None:
        source = PremiumSource.SUBSCRIPTION
        product_type: ProductType | None = sub.product_type
        cycle: BillingCycle | None = sub.billing_cycle
        fallback_since: datetime | None = sub.current_period_start
    else:
        source = PremiumSource.GIFT
        product_type = last_gift_product
        cycle = billing_cycle_of(last_gift_product) if last_gift_product else None
        fallback_since = None
    stored_is_current = (
        access_since is not None
        and access_until is not None
        and access_since <= now
        and access_until >= continuing_from(sub, now)
    )
    return PremiumState(
        active=True,
        source=source,
        product_type=product_type,
        billing_cycle=cycle,
        since=access_since if stored_is_current else fallback_since,
        until=max(ends),
        will_cancel=bool(sub and sub.will_cancel),
    )


def continuing_from(sub: SubscriptionFacts | None, now: datetime) -> datetime:
    """From when the current access runs: a renewal continues from its period start.

    A renewal webhook arrives a little after the old period ended; measuring
    "unbroken" from the new period's start (not from now) keeps the stretch whole.
    """
    if sub is None:
        return now
    return min(now, sub.current_period_start)


# --- loading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rows:
    customer: Mapping[str, Any] | None
    subscriptions: list[SubscriptionFacts]
    last_gift_product: ProductType | None


_GIVES_ACCESS = ",".join(f"'{status}'" for status in sorted(SubscriptionLiveness.GIVES_ACCESS))
_REDEEMED = f"'{GiftCodeStatus.REDEEMED}'"
_RULE_FIELDS = ("id", *_SUBSCRIPTION_FIELDS[2:])  # of a subscription: its id and what the rule reads
_NULLS = ",".join(["NULL"] * len(_RULE_FIELDS))
_NAMED_NULLS = ",".join(f'NULL AS "{name}"' for name in _RULE_FIELDS)  # the first SELECT names the columns
# Everything the rule reads, for a set of users, in one statement: their Customer row
# ('C'), their subscriptions that give access ('S') and the product of the gift code
# each redeemed last ('G', newest `redeemed_at`, then highest id, as ORDER BY … DESC
# sorts on each database). `{users}` is the user-id list: ``=ANY($1)`` on PostgreSQL,
# an ``IN`` list on SQLite. The status lists are constants of the enums.
_RULE_ROWS = f"""\
SELECT 'C' AS "kind","user_id","gift_until","access_since","access_until",
  NULL AS "gift_product",{_NAMED_NULLS}
FROM "customers" WHERE "user_id"{{users}}
UNION ALL
SELECT 'S',"user_id",NULL,NULL,NULL,NULL,{",".join(f'"{f}"' for f in _RULE_FIELDS)}
FROM "subscriptions" WHERE "user_id"{{users}} AND "status" IN ({_GIVES_ACCESS})
UNION ALL
SELECT 'G',"user_id",NULL,NULL,NULL,"product_type",{_NULLS} FROM (
  SELECT "redeemed_by_user_id" AS "user_id","product_type",ROW_NUMBER() OVER (
    PARTITION BY "redeemed_by_user_id" ORDER BY "redeemed_at" DESC,"id" DESC) AS "n"
  FROM "gift_codes" WHERE "redeemed_by_user_id"{{users}} AND "status"={_REDEEMED}) AS "g"
WHERE "n"=1"""  # noqa: S608 - constants only; the users are parameters


def _rule_rows_for_sqlite(args: Sequence[Any]) -> tuple[str, list[Any]]:
    users = list(args[0])
    return _RULE_ROWS.replace("{users}", f" IN ({','.join('?' * len(users))})"), users * 3


RULE_ROWS = Statement(
    _RULE_ROWS.replace("{users}", "=ANY($1::text[])"),
    {
        "gift_until": (Customer, "gift_until"),
        "access_since": (Customer, "access_since"),
        "access_until": (Customer, "access_until"),
        "gift_product": (GiftCode, "product_type"),
        **{name: (Subscription, name) for name in _RULE_FIELDS},
    },
    sqlite=_rule_rows_for_sqlite,
)


def group_rule_rows(rows: Iterable[Mapping[str, Any]], user_ids: Sequence[str]) -> dict[str, _Rows]:
    """`RULE_ROWS`'s result by user (pure; bench/ceiling.py reads the same rows with asyncpg)."""
    customers: dict[str, Mapping[str, Any]] = {}
    subs: dict[str, list[tuple[int, SubscriptionFacts]]] = {uid: [] for uid in user_ids}
    last_gift: dict[str, ProductType] = {}
    for row in rows:
        kind, uid = row["kind"], row["user_id"]
        if kind == "C":
            customers[uid] = row
        elif kind == "S":
            subs[uid].append((row["id"], SubscriptionFacts.of(row)))
        else:
            last_gift[uid] = ProductType(row["gift_product"])
    return {
        uid: _Rows(customers.get(uid), [facts for _, facts in sorted(subs[uid])], last_gift.get(uid))
        for uid in user_ids
    }


async def rows_for(user_ids: Sequence[str]) -> dict[str, _Rows]:
    """Everything the rule needs for several users, in one statement (`RULE_ROWS`)."""
    return group_rule_rows(await RULE_ROWS.fetch(list(user_ids)), user_ids)


def state_from_rows(rows: _Rows, now: datetime) -> PremiumState:
    customer = rows.customer or {}
    return derive(
        now=now,
        subscriptions=rows.subscriptions,
        gift_until=customer.get("gift_until"),
        access_since=customer.get("access_since"),
        access_until=customer.get("access_until"),
        last_gift_product=rows.last_gift_product,
    )


async def load_premium(user_id: str, now: datetime) -> PremiumState:
    return (await load_premium_many([user_id], now))[user_id]


async def load_premium_many(user_ids: Sequence[str], now: datetime) -> dict[str, PremiumState]:
    """Premium of several users at once (DataLoader-friendly), in a constant number of statements."""
    unique = list(dict.fromkeys(user_ids))
    if not unique:
        return {}
    rows = await rows_for(unique)
    return {uid: state_from_rows(rows[uid], now) for uid in unique}


# --- maintaining the access stretch ----------------------------------------------------------


def next_access_window(
    *,
    previous_since: datetime | None,
    previous_until: datetime | None,
    state: PremiumState,
    resumes_from: datetime,
) -> tuple[datetime | None, datetime | None]:
    """New ``(access_since, access_until)`` after something granted or removed time.

    The stretch is unbroken while the previous end reaches `resumes_from` (when
    the current access runs from, see `continuing_from`): the old start is kept.
    Otherwise a new stretch starts at `resumes_from`. No access left: both cleared.
    """
    if not state.active:
        return None, None
    unbroken = previous_since is not None and previous_until is not None and previous_until >= resumes_from
    return (previous_since if unbroken else resumes_from), state.until


def with_since(state: PremiumState, since: datetime | None) -> PremiumState:
    if not state.active:
        return state
    return PremiumState(
        state.active,
        state.source,
        state.product_type,
        state.billing_cycle,
        since,
        state.until,
        state.will_cancel,
    )
