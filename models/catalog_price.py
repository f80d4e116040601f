"""Which Stripe price currently carries each catalog lookup key."""

from tortoise import fields
from tortoise.models import Model


class CatalogPrice(Model):
    """Written by `catalog sync`; read by `prices` and `createCheckout`.

    The catalog file says what we sell and for how much; this row says which
    Stripe price sells it right now (Stripe prices are immutable, so an amount
    change gets a new price id under the same lookup key).
    """

    lookup_key = fields.CharField(max_length=64, primary_key=True)
    stripe_price_id = fields.CharField(max_length=64)
    stripe_product_id = fields.CharField(max_length=64)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    synced_at = fields.DatetimeField()

    class Meta:
        table = "catalog_prices"
