"""Enumerations stored in the database.

Values are the contract's enum names (UPPER_SNAKE) so that a row maps to the
GraphQL enum without a translation table; Stripe's lower-case strings are
mapped once, in `billing`, where Stripe objects are read.
"""

from enum import StrEnum


class ProductType(StrEnum):
    PREMIUM_MONTHLY = "PREMIUM_MONTHLY"
    PREMIUM_YEARLY = "PREMIUM_YEARLY"


class BillingCycle(StrEnum):
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


class Currency(StrEnum):
    USD = "USD"
    EUR = "EUR"
    GBP = "GBP"
    CAD = "CAD"
    AUD = "AUD"
    JPY = "JPY"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    AWAITING_SETTLEMENT = "AWAITING_SETTLEMENT"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    DISPUTED = "DISPUTED"


class PaymentKind(StrEnum):
    """Why a payment row exists: one per checkout, one per renewal invoice, one per immediate
    plan change (the prorated difference Stripe charges at the switch)."""

    CHECKOUT = "CHECKOUT"
    RENEWAL = "RENEWAL"
    PLAN_CHANGE = "PLAN_CHANGE"


class SubscriptionStatus(StrEnum):
    INCOMPLETE = "INCOMPLETE"
    INCOMPLETE_EXPIRED = "INCOMPLETE_EXPIRED"
    TRIALING = "TRIALING"
    ACTIVE = "ACTIVE"
    PAST_DUE = "PAST_DUE"
    CANCELED = "CANCELED"
    UNPAID = "UNPAID"
    PAUSED = "PAUSED"


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    PAID = "PAID"
    UNCOLLECTIBLE = "UNCOLLECTIBLE"
    VOID = "VOID"


class GiftCodeStatus(StrEnum):
    """Stored status. EXPIRED is never stored: it is AVAILABLE past `expires_at`."""

    AVAILABLE = "AVAILABLE"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class CancellationReason(StrEnum):
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    LOW_QUALITY = "LOW_QUALITY"
    MISSING_FEATURES = "MISSING_FEATURES"
    OTHER = "OTHER"
    SWITCHED_SERVICE = "SWITCHED_SERVICE"
    TOO_COMPLEX = "TOO_COMPLEX"
    TOO_EXPENSIVE = "TOO_EXPENSIVE"
    UNUSED = "UNUSED"


class RefundReason(StrEnum):
    DUPLICATE = "DUPLICATE"
    FRAUDULENT = "FRAUDULENT"
    REQUESTED_BY_CUSTOMER = "REQUESTED_BY_CUSTOMER"


class InboxStatus(StrEnum):
    """Lifecycle of a received Stripe event in the webhook inbox."""

    RECEIVED = "RECEIVED"  # stored, not yet handled (or handler died: see claimed_until)
    PROCESSED = "PROCESSED"
    FAILED = "FAILED"  # handler raised; retried with backoff
    IGNORED = "IGNORED"  # a type the gateway does not handle; acknowledged


class SubscriptionLiveness:
    """Which subscription statuses count as "not ended" and which give access."""

    NOT_ENDED = frozenset(
        {
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.TRIALING,
            SubscriptionStatus.PAST_DUE,
            SubscriptionStatus.UNPAID,
            SubscriptionStatus.INCOMPLETE,
            SubscriptionStatus.PAUSED,
        }
    )
    GIVES_ACCESS = frozenset(
        {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE}
    )


class AuditAction(StrEnum):
    """What an audit row records: an admin's action or an automatic money decision (the contract's)."""

    REFUND = "REFUND"
    PURCHASE_RESTRICTION_SET = "PURCHASE_RESTRICTION_SET"
    PURCHASE_RESTRICTION_LIFTED = "PURCHASE_RESTRICTION_LIFTED"
    GIFT_CODE_REVOKED = "GIFT_CODE_REVOKED"
    WEBHOOK_RETRIED = "WEBHOOK_RETRIED"
    WEBHOOK_REPLAYED = "WEBHOOK_REPLAYED"
    RECONCILED = "RECONCILED"
    DISPUTE_OPENED = "DISPUTE_OPENED"
    DISPUTE_CLOSED = "DISPUTE_CLOSED"
    EARLY_FRAUD_REFUND = "EARLY_FRAUD_REFUND"
    EARLY_FRAUD_FLAG = "EARLY_FRAUD_FLAG"
    DOUBLE_SUBSCRIPTION_REFUND = "DOUBLE_SUBSCRIPTION_REFUND"


class GrantState(StrEnum):
    """A grant of time (`models.Grant`): standing, or taken back by its payment's reversal."""

    GRANTED = "GRANTED"
    TAKEN_BACK = "TAKEN_BACK"


class PlanChangeTiming(StrEnum):
    """When a plan change takes effect: at once (prorated, charged now) or at the period end."""

    NOW = "NOW"
    PERIOD_END = "PERIOD_END"


class DiscountDuration(StrEnum):
    """How long a discount lasts: Stripe's coupon `duration`, upper-cased."""

    ONCE = "ONCE"
    REPEATING = "REPEATING"
    FOREVER = "FOREVER"
