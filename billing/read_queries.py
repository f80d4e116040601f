"""Read-side queries of the API: one statement each, plain dict rows (no ORM objects).

Every function takes the owner's user id and filters by it, so a row of
another user is simply not found: the API cannot tell "someone else's" from
"missing". Lists are keyset pages (see billing.pagination) and hand back
``.values()`` dicts, because building ORM model instances for a hundred rows
is measurable on the hot path and the API needs only the columns.

The payments page and its gift codes (every billing screen, S1/S2 of the
benchmark) are hand-written `billing.sql.Statement`s: the same rows as the
ORM query, without building the SQL anew each time. The statements are also
what the benchmark's raw ceiling sends (bench/ceiling.py), so both do the
same SQL work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from billing.gifts import codes as gift_codes
from billing.pagination import NEWEST_FIRST, Page, PageRequest, before, page_of_rows
from billing.reversals.restrictions import COUNTED_REFUND_STATUSES
from billing.sql import Statement, select_list
from models import Customer, Dispute, GiftCode, Invoice, Payment, Refund, Subscription
from models.enums import GiftCodeStatus, PaymentStatus, SubscriptionLiveness

Row = dict[str, Any]

PAYMENT_FIELDS = (
    "id",
    "user_id",
    "checkout_session_id",
    "stripe_customer_id",
    "stripe_payment_intent_id",
    "stripe_subscription_id",
    "stripe_invoice_id",
    "stripe_price_id",
    "product_type",
    "amount",
    "currency",
    "status",
    "is_gift",
    "created_at",
    "completed_at",
    "version",
    "kind",
    "discount_amount",
)
SUBSCRIPTION_FIELDS = (
    "id",
    "user_id",
    "stripe_subscription_id",
    "product_type",
    "billing_cycle",
    "status",
    "price_amount",
    "currency",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "cancel_at",
    "canceled_at",
    "cancellation_reason",
    "cancellation_feedback",
    "created_at",
    "version",
    "trial_end",
    "scheduled_product_type",
    "scheduled_at",
    "discount",
)
INVOICE_FIELDS = (
    "id",
    "user_id",
    "stripe_invoice_id",
    "number",
    "status",
    "currency",
    "subtotal",
    "tax",
    "total",
    "amount_paid",
    "amount_due",
    "tax_breakdown",
    "period_start",
    "period_end",
    "created_at",
    "paid_at",
    "hosted_invoice_url",
    "discount",
    "lines",
)
GIFT_CODE_FIELDS = (
    "id",
    "code",
    "payment_id",
    "purchaser_user_id",
    "product_type",
    "duration_months",
    "status",
    "redeemed_by_user_id",
    "redeemed_at",
    "expires_at",
    "created_at",
)


def row_of(obj: Any, fields: Sequence[str]) -> Row:
    """A ``.values()``-shaped dict from a dict (returned as is) or a model instance.

    The schema's mappers take rows; write paths that already hold a model
    instance (a mutation's result) pass it through here instead of re-reading.
    """
    if isinstance(obj, dict):
        return obj
    return {name: getattr(obj, name) for name in fields}


# --- payments ---------------------------------------------------------------------------------


_PAYMENTS = f'SELECT {select_list(PAYMENT_FIELDS)} FROM "payments" WHERE "user_id"=$1'  # noqa: S608 - constants
_NEWEST_FIRST_LIMIT = ' ORDER BY "created_at" DESC,"id" DESC LIMIT $2'
# The keyset bound (see billing.pagination.before): $3 = cursor's created_at, $4 = its id.
_OLDER_THAN_CURSOR = ' AND "created_at"<=$3 AND ("created_at"<$3 OR ("created_at"=$3 AND "id"<$4))'
_PAYMENT_COLUMNS = {name: (Payment, name) for name in PAYMENT_FIELDS}
PAYMENTS_FIRST_PAGE = Statement(_PAYMENTS + _NEWEST_FIRST_LIMIT, _PAYMENT_COLUMNS)
PAYMENTS_AFTER = Statement(_PAYMENTS + _OLDER_THAN_CURSOR + _NEWEST_FIRST_LIMIT, _PAYMENT_COLUMNS)


def _in_list_for_sqlite(sql: str) -> Callable[[Sequence[Any]], tuple[str, list[Any]]]:
    """SQLite has no arrays: ``= ANY($1)`` of a list becomes ``IN (?,?,…)``."""

    def expand(args: Sequence[Any]) -> tuple[str, list[Any]]:
        items = list(args[0])
        return sql.replace("{in}", ",".join("?" * len(items))), items

    return expand


_GIFT_CODES = f'SELECT {select_list(GIFT_CODE_FIELDS)} FROM "gift_codes" WHERE "payment_id"'  # noqa: S608
GIFT_CODES_OF_PAYMENTS = Statement(
    _GIFT_CODES + "=ANY($1::bigint[])",
    {name: (GiftCode, name) for name in GIFT_CODE_FIELDS},
    sqlite=_in_list_for_sqlite(_GIFT_CODES + " IN ({in})"),
)


# The same page with each payment's gift code (payment_id is unique in gift_codes), in one
# statement: what a billing screen reads (S1/S2 of the benchmark). The page is cut first
# (the keyset query above, as a subquery), then joined: only its rows look up a code.
_WITH_GIFT_CODES = (
    f"SELECT {select_list(PAYMENT_FIELDS, 'p.')},"  # noqa: S608 - constants
    + ",".join(f'g."{name}" AS "gift_{name}"' for name in GIFT_CODE_FIELDS)
    + " FROM ({page}) AS p"
    + ' LEFT JOIN "gift_codes" AS g ON g."payment_id"=p."id" ORDER BY p."created_at" DESC,p."id" DESC'
)
_WITH_GIFT_CODE_COLUMNS = {
    **_PAYMENT_COLUMNS,
    **{f"gift_{name}": (GiftCode, name) for name in GIFT_CODE_FIELDS},
}
PAYMENTS_WITH_GIFT_CODES_FIRST_PAGE = Statement(
    _WITH_GIFT_CODES.replace("{page}", PAYMENTS_FIRST_PAGE.postgres), _WITH_GIFT_CODE_COLUMNS
)
PAYMENTS_WITH_GIFT_CODES_AFTER = Statement(
    _WITH_GIFT_CODES.replace("{page}", PAYMENTS_AFTER.postgres), _WITH_GIFT_CODE_COLUMNS
)
_GIFT_KEYS = tuple((f"gift_{name}", name) for name in GIFT_CODE_FIELDS)


async def payments_page_with_gift_codes(
    user_id: str, request: PageRequest
) -> tuple[Page[Row], dict[int, Row | None]]:
    """`payments_page` (no status filter) and the gift code of each gift payment on it, in one statement.

    The codes are what `gift_codes_by_payment` returns for the page's gift
    payments (None: no code yet), keyed by payment id.
    """
    after = request.after
    if after is None:
        joined = await PAYMENTS_WITH_GIFT_CODES_FIRST_PAGE.fetch(user_id, request.first + 1)
    else:
        joined = await PAYMENTS_WITH_GIFT_CODES_AFTER.fetch(
            user_id, request.first + 1, after.created_at, after.id
        )
    rows: list[Row] = []
    codes: dict[int, Row | None] = {}
    for row in joined:
        rows.append({name: row[name] for name in PAYMENT_FIELDS})
        if row["is_gift"] and len(rows) <= request.first:
            codes[row["id"]] = (
                {name: row[column] for column, name in _GIFT_KEYS} if row["gift_id"] is not None else None
            )
    return page_of_rows(rows, request), codes


async def payments_page(
    user_id: str, request: PageRequest, statuses: Sequence[PaymentStatus] | None = None
) -> Page[Row]:
    """Newest first; ``WHERE user_id = ? [AND status IN …] AND (created_at, id) < cursor LIMIT n+1``."""
    if statuses is None:
        after = request.after
        if after is None:
            rows = await PAYMENTS_FIRST_PAGE.fetch(user_id, request.first + 1)
        else:
            rows = await PAYMENTS_AFTER.fetch(user_id, request.first + 1, after.created_at, after.id)
        return page_of_rows(rows, request)
    query = Payment.filter(before(request.after), user_id=user_id, status__in=list(statuses))
    rows = await query.order_by(*NEWEST_FIRST).limit(request.first + 1).values(*PAYMENT_FIELDS)
    return page_of_rows(rows, request)


async def payment_for(user_id: str, pk: int) -> Row | None:
    return await Payment.filter(id=pk, user_id=user_id).first().values(*PAYMENT_FIELDS)


async def gift_codes_by_payment(payment_ids: Iterable[int]) -> dict[int, Row]:
    """Gift codes of several payments in one statement, keyed by payment id."""
    ids = list(dict.fromkeys(payment_ids))
    if not ids:
        return {}
    rows = await GIFT_CODES_OF_PAYMENTS.fetch(ids)
    return {row["payment_id"]: row for row in rows}


# --- subscriptions ------------------------------------------------------------------------------


_NOT_ENDED = ",".join(f"'{status}'" for status in sorted(SubscriptionLiveness.NOT_ENDED))
CURRENT_SUBSCRIPTION = Statement(
    f'SELECT {select_list(SUBSCRIPTION_FIELDS)} FROM "subscriptions" '  # noqa: S608 - constants
    f'WHERE "user_id"=$1 AND "status" IN ({_NOT_ENDED}) ORDER BY "created_at" DESC,"id" DESC LIMIT 1',
    {name: (Subscription, name) for name in SUBSCRIPTION_FIELDS},
)


async def current_subscription(user_id: str) -> Row | None:
    """The latest subscription that has not ended (ACTIVE, TRIALING, PAST_DUE, UNPAID, INCOMPLETE, PAUSED)."""
    rows = await CURRENT_SUBSCRIPTION.fetch(user_id)
    return rows[0] if rows else None


async def subscription_for(user_id: str, pk: int) -> Row | None:
    return await Subscription.filter(id=pk, user_id=user_id).first().values(*SUBSCRIPTION_FIELDS)


# --- invoices -----------------------------------------------------------------------------------


async def invoices_page(user_id: str, request: PageRequest) -> Page[Row]:
    rows = (
        await Invoice.filter(before(request.after), user_id=user_id)
        .order_by(*NEWEST_FIRST)
        .limit(request.first + 1)
        .values(*INVOICE_FIELDS)
    )
    return page_of_rows(rows, request)


async def invoice_for(user_id: str, pk: int) -> Row | None:
    return await Invoice.filter(id=pk, user_id=user_id).first().values(*INVOICE_FIELDS)


# --- gift codes ---------------------------------------------------------------------------------


async def purchased_gift_codes_page(
    purchaser_user_id: str, request: PageRequest, redeemed: bool | None = None
) -> Page[Row]:
    """Codes the user bought, newest first; `redeemed` filters on REDEEMED vs everything else."""
    query = GiftCode.filter(before(request.after), purchaser_user_id=purchaser_user_id)
    if redeemed is True:
        query = query.filter(status=GiftCodeStatus.REDEEMED)
    elif redeemed is False:
        query = query.exclude(status=GiftCodeStatus.REDEEMED)
    rows = await query.order_by(*NEWEST_FIRST).limit(request.first + 1).values(*GIFT_CODE_FIELDS)
    return page_of_rows(rows, request)


async def gift_code_by_code(code: str) -> Row | None:
    """Any signed-in user may look a code up (before redeeming it)."""
    normalized = gift_codes.normalise(code)  # case, spaces and dashes forgiven
    if normalized is None:  # cannot be a code: no query needed
        return None
    return await GiftCode.filter(code=normalized).first().values(*GIFT_CODE_FIELDS)


async def gift_code_for(user_id: str, pk: int) -> Row | None:
    """A gift code reachable by id only for its buyer and its redeemer."""
    row = await GiftCode.filter(id=pk).first().values(*GIFT_CODE_FIELDS)
    if row is None or user_id not in (row["purchaser_user_id"], row["redeemed_by_user_id"]):
        return None
    return row


# --- accounts (admin) ---------------------------------------------------------------------------


async def restriction(user_id: str) -> Row:
    """Purchase restriction of a user (who may have no Customer row yet: not restricted)."""
    customer = (
        await Customer.filter(user_id=user_id).first().values("purchase_restricted", "restriction_reason")
    )
    return {
        "purchase_restricted": bool(customer and customer["purchase_restricted"]),
        "restriction_reason": customer["restriction_reason"] if customer else None,
    }


async def refund_count(user_id: str) -> int:
    """Refunds issued to the user that did not fail (what the abuse policy counts)."""
    return await Refund.filter(user_id=user_id, status__in=COUNTED_REFUND_STATUSES).count()


# --- disputes (support) ------------------------------------------------------------------------

DISPUTE_FIELDS = (
    "id",
    "stripe_dispute_id",
    "payment_id",
    "status",
    "inquiry",
    "reason",
    "amount",
    "currency",
    "funds_withdrawn",
    "funds_reinstated",
    "created_at",
    "updated_at",
)
MAX_DISPUTES = 100  # a user with more is a case for Stripe's Dashboard


async def disputes(user_id: str) -> list[Row]:
    """The user's disputes, newest first (at most `MAX_DISPUTES`)."""
    return (
        await Dispute.filter(user_id=user_id)
        .order_by(*NEWEST_FIRST)
        .limit(MAX_DISPUTES)
        .values(*DISPUTE_FIELDS)
    )
