"""The ledger of granted time: one row per payment whose time was granted (a redeemed gift)."""

from tortoise import fields

from models.base import VersionedModel
from models.enums import GrantState


class Grant(VersionedModel):
    """The stretch of access one payment granted, and whether it still stands.

    One row per payment (unique `payment`), written when the gift code is redeemed.
    `stripe_subscription_id` is set while the time is stacked on that subscription (Stripe's
    `trial_end` is the end of its stacked grants); NULL is gift time of its own (the redeemer's
    `Customer.gift_until` is the end of those). `state` moves GRANTED -> TAKEN_BACK when the
    payment is reversed and back when the reversal is undone, each by a conditional UPDATE under
    the redeemer's Customer row lock (`billing.grants`), so each happens once.
    `taken_back_seconds` is what the last take-back removed: exactly that is given back.
    """

    id = fields.BigIntField(primary_key=True)
    payment = fields.OneToOneField("models.Payment", related_name="grant")
    user_id = fields.CharField(max_length=128)
    stripe_subscription_id = fields.CharField(max_length=64, null=True, db_index=True)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    state = fields.CharEnumField(GrantState, max_length=16, default=GrantState.GRANTED)
    taken_back_seconds = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "grants"
        indexes = (("user_id", "state"),)
