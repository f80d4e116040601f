"""Tortoise models: the gateway's durable record. Imports nothing of the gateway."""

from models.audit import AppendOnlyError, AuditEntry
from models.base import CONFLICT_ATTEMPTS, StaleVersionError, VersionedModel, retry_on_conflict
from models.catalog_price import CatalogPrice
from models.customer import Customer, Refund, TrialCard
from models.dispute import Dispute
from models.gift_code import GiftCode
from models.grant import Grant
from models.inbox import WebhookEvent
from models.invoice import Invoice
from models.outbox import OutboxMessage
from models.payment import Payment
from models.persisted_query import PersistedQuery
from models.rate_limit import RateLimitCounter
from models.subscription import Subscription

__all__ = [
    "CONFLICT_ATTEMPTS",
    "AppendOnlyError",
    "AuditEntry",
    "CatalogPrice",
    "Customer",
    "Dispute",
    "GiftCode",
    "Grant",
    "Invoice",
    "OutboxMessage",
    "Payment",
    "PersistedQuery",
    "RateLimitCounter",
    "Refund",
    "StaleVersionError",
    "Subscription",
    "TrialCard",
    "VersionedModel",
    "WebhookEvent",
    "retry_on_conflict",
]
