"""Fixed-window counters for rate limits, kept in the database so replicas share them."""

from tortoise import fields
from tortoise.models import Model


class RateLimitCounter(Model):
    """`key` names the limited thing, e.g. ``redeem:<user_id>``."""

    key = fields.CharField(max_length=255, primary_key=True)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)

    class Meta:
        table = "rate_limit_counters"
