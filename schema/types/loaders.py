"""Per-request DataLoaders: batch the lookups that would otherwise run once per item.

A fresh `Loaders` per request (see GatewayContext.loaders), so caches never
outlive a request or cross between users.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from billing import read_queries


async def _gift_codes(payment_ids: Sequence[int]) -> list[dict[str, Any] | None]:
    found = await read_queries.gift_codes_by_payment(payment_ids)
    return [found.get(pid) for pid in payment_ids]


class Loaders:
    def __init__(self) -> None:
        # payment id -> gift code row (or None): one IN query per batch.
        self.gift_code_by_payment: DataLoader[int, dict[str, Any] | None] = DataLoader(load_fn=_gift_codes)
