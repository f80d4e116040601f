"""Gift codes bought as one-time payments and redeemed by anyone signed in."""

from tortoise import fields

from models.base import VersionedModel
from models.enums import GiftCodeStatus, ProductType


class GiftCode(VersionedModel):
    """One code per completed gift payment (unique `payment`), redeemable once.

    Redemption is a single conditional UPDATE on `status = AVAILABLE`, so one
    redeemer wins however many replicas race. `granted_from`/`granted_until`
    record the stretch of access it gave, so a refund or dispute can take it back.
    """

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    payment = fields.OneToOneField("models.Payment", related_name="gift_code")
    purchaser_user_id = fields.CharField(max_length=128)
    product_type = fields.CharEnumField(ProductType, max_length=32)
    duration_months = fields.IntField()
    status = fields.CharEnumField(GiftCodeStatus, max_length=16, default=GiftCodeStatus.AVAILABLE)
    redeemed_by_user_id = fields.CharField(max_length=128, null=True, db_index=True)
    redeemed_at = fields.DatetimeField(null=True)
    # The stretch given when redeemed; what stands now is the payment's grant (models.Grant).
    granted_from = fields.DatetimeField(null=True)
    granted_until = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=500, null=True)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "gift_codes"
        indexes = (("purchaser_user_id", "created_at", "id"),)
