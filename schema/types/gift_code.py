"""`GiftCode`: a code bought as a gift. `redeemedBy` only for its buyer and its redeemer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from billing import ids
from billing.gifts import gift_code_status
from billing.pagination import Page
from billing.read_queries import GIFT_CODE_FIELDS, row_of
from models.enums import GiftCodeStatus as _Status
from schema.types.connections import PageInfo, page_info
from schema.types.enums import GiftCodeStatus, ProductType
from schema.types.node import Node


@strawberry.type
class GiftCode(Node):
    id: strawberry.ID
    code: str
    product_type: ProductType = strawberry.field(description="Type of premium granted.")
    duration_months: int
    status: GiftCodeStatus
    redeemed: bool
    redeemed_by: strawberry.ID | None = strawberry.field(
        description="Visible to the purchaser and the redeemer only, else null."
    )
    redeemed_at: datetime | None
    expires_at: datetime
    created_at: datetime
    pk: strawberry.Private[int]


def gift_code_from_row(row: Any, *, viewer_id: str | None, now: datetime) -> GiftCode:
    """From a ``.values()`` row or a `models.GiftCode`; `viewer_id` decides `redeemedBy`."""
    row = row_of(row, GIFT_CODE_FIELDS)
    redeemer = row["redeemed_by_user_id"]
    may_see_redeemer = viewer_id is not None and viewer_id in (row["purchaser_user_id"], redeemer)
    status = gift_code_status(row, now)
    return GiftCode(
        id=strawberry.ID(ids.encode("GiftCode", row["id"])),
        code=row["code"],
        product_type=row["product_type"],
        duration_months=row["duration_months"],
        status=status,
        redeemed=status is _Status.REDEEMED,
        redeemed_by=strawberry.ID(redeemer) if redeemer and may_see_redeemer else None,
        redeemed_at=row["redeemed_at"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        pk=row["id"],
    )


@strawberry.type
class GiftCodeEdge:
    cursor: str
    node: GiftCode


@strawberry.type
class GiftCodeConnection:
    edges: list[GiftCodeEdge]
    page_info: PageInfo


def gift_code_connection(
    page: Page[dict[str, Any]], *, viewer_id: str | None, now: datetime
) -> GiftCodeConnection:
    nodes: Sequence[GiftCode] = [gift_code_from_row(row, viewer_id=viewer_id, now=now) for row in page.items]
    return GiftCodeConnection(
        edges=[GiftCodeEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        page_info=page_info(page),
    )
