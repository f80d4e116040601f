"""The outbox: premium changes to tell the rest of the platform, written with the change itself."""

from tortoise import fields

from models.base import VersionedModel


class OutboxMessage(VersionedModel):
    """One notification to POST to OUTBOUND_WEBHOOK_URL, retried until acknowledged.

    Written in the same transaction as the change it announces, so a change is
    never lost and never announced without having happened. `delivered_at`
    marks the acknowledgement; delivery claims use `claimed_until` like the
    webhook inbox, so several replicas never send one message twice at once.
    Rows older than OUTBOX_RETENTION_DAYS are pruned, each user's latest kept
    (`gateway.outbox_worker.prune`).
    """

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=64)  # e.g. "premium.changed"
    user_id = fields.CharField(max_length=128)
    payload = fields.JSONField()
    created_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "outbox_messages"
        indexes = (
            # The worker: undelivered and due, earliest first (`deliver_due`, `next_due_in`).
            ("delivered_at", "next_attempt_at"),
            # A user's last announcement (`premium_differs`, on every access change); pruning keeps it.
            ("user_id", "topic", "id"),
            # Pruning: messages older than the retention.
            ("created_at",),
        )
