"""The webhook inbox: every verified Stripe event, stored before it is handled."""

from tortoise import fields

from models.base import VersionedModel
from models.enums import InboxStatus


class WebhookEvent(VersionedModel):
    """A Stripe event, unique by its id.

    A worker claims a row with one conditional UPDATE that sets `claimed_until`
    (a lease); a claim whose lease ran out (the worker died) can be taken over.
    Failed handling is retried at `next_attempt_at` with backoff.
    """

    id = fields.BigIntField(primary_key=True)
    stripe_event_id = fields.CharField(max_length=128, unique=True)
    type = fields.CharField(max_length=128)
    payload = fields.TextField()
    stripe_created = fields.BigIntField()  # the event's `created` (unix seconds)
    status = fields.CharEnumField(InboxStatus, max_length=16, default=InboxStatus.RECEIVED)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField()
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_events"
        indexes = (("status", "next_attempt_at"),)
