"""`models.retry_on_conflict`, the one optimistic-concurrency loop every writer goes through.

Writers that read the same row version race; the loop must lose no update (each writer re-reads
and decides again after a conflict) and must give up, with a clear error, on a row that never
stops changing. Real concurrency on PostgreSQL (SQLite serialises its writers).
"""

from __future__ import annotations

import asyncio

import pytest

from models import CONFLICT_ATTEMPTS, Customer, StaleVersionError, retry_on_conflict
from tests import factories as f
from tests.conftest import DIALECT
from tests.factories import NOW


async def _bump(user_id: str) -> None:
    """Add one to a counter kept in `restriction_reason` (a text column any writer may change)."""
    customer = await Customer.get(user_id=user_id)

    async def attempt() -> None:
        await asyncio.sleep(0)  # let the other writers read the same version first
        count = int(customer.restriction_reason or 0)
        await customer.save_versioned(restriction_reason=str(count + 1), updated_at=NOW)

    await retry_on_conflict(f"customer {user_id}", attempt, reread=customer.refresh_from_db)


@pytest.mark.skipif(DIALECT != "postgres", reason="real concurrent writers need PostgreSQL")
async def test_concurrent_writers_lose_no_update(db: str) -> None:
    await f.customer("opt-many")
    writers = CONFLICT_ATTEMPTS  # each round at least one writer wins, so all of them finish
    await asyncio.gather(*(_bump("opt-many") for _ in range(writers)))
    customer = await Customer.get(user_id="opt-many")
    assert customer.restriction_reason == str(writers)
    assert customer.version == 1 + writers


async def test_a_row_that_never_stops_changing_is_given_up_on(db: str) -> None:
    await f.customer("opt-busy")
    customer = await Customer.get(user_id="opt-busy")
    rereads = 0

    async def attempt() -> None:
        # Someone else writes between our read and our write, every time.
        await Customer.filter(user_id="opt-busy").update(version=customer.version + 1)
        await customer.save_versioned(restriction_reason="mine", updated_at=NOW)

    async def reread() -> None:
        nonlocal rereads
        rereads += 1
        await customer.refresh_from_db()

    with pytest.raises(StaleVersionError, match="customer opt-busy kept changing"):
        await retry_on_conflict("customer opt-busy", attempt, reread=reread)
    assert rereads == CONFLICT_ATTEMPTS
    assert (await Customer.get(user_id="opt-busy")).restriction_reason is None  # nothing of ours written
