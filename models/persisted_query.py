"""Operations registered by hash (Apollo's automatic persisted queries), shared by every replica."""

from tortoise import fields
from tortoise.models import Model


class PersistedQuery(Model):
    """A query text a client registered under its SHA-256 (lowercase hex).

    Rows are only ever inserted (a hash names one text forever), so replicas
    may cache them without invalidation.
    """

    sha256 = fields.CharField(max_length=64, primary_key=True)
    query = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "persisted_queries"
