"""`catalog sync` when an amount in catalog.json changes: Stripe prices are immutable, so a new
price takes over the lookup key and the old one is deactivated; a dry run only says so."""

from __future__ import annotations

import dataclasses

import pytest

from billing.catalog import entries as catalog
from billing.catalog.sync import Change, sync_catalog
from models import CatalogPrice
from tests.stripe_world import StripeWorld

KEY = "premium_monthly_usd"


async def test_a_changed_amount_replaces_the_price_once(
    world: StripeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = world.services.stripe.v1
    real = catalog.entries()
    old = (await v1.prices.list_async(params={"lookup_keys": [KEY]})).data[0]
    new_amount = old.unit_amount + 100
    edited = tuple(dataclasses.replace(e, amount=new_amount) if e.lookup_key == KEY else e for e in real)
    monkeypatch.setattr(catalog, "entries", lambda: edited)  # as if catalog.json had been edited
    try:
        dry = await sync_catalog(world.services, dry_run=True)
        assert dry == [
            Change("price would be replaced", KEY, f"{old.id}: {old.unit_amount} USD -> {new_amount} USD")
        ]
        assert (await v1.prices.list_async(params={"lookup_keys": [KEY]})).data[0].id == old.id  # untouched

        changes = await sync_catalog(world.services)
        [current] = (await v1.prices.list_async(params={"lookup_keys": [KEY]})).data
        assert current.id != old.id and current.unit_amount == new_amount and current.active
        assert changes == [
            Change("price replaced", KEY, f"{old.id} -> {current.id}"),
            Change("price deactivated", KEY, old.id),
        ]
        assert not (await v1.prices.retrieve_async(old.id)).active
        row = await CatalogPrice.get(lookup_key=KEY)
        assert (row.stripe_price_id, row.amount) == (current.id, new_amount)

        assert await sync_catalog(world.services) == []  # twice changes nothing
    finally:
        monkeypatch.undo()
        await sync_catalog(world.services)  # the shared sandbox back to the real catalog
    assert (await v1.prices.list_async(params={"lookup_keys": [KEY]})).data[0].unit_amount == old.unit_amount
