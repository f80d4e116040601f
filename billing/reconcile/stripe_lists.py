"""Reading Stripe's lists for reconcile: paged, patient with Stripe's limits, account-wide when big.

A reconcile has no user waiting, so where the client's own retries ran out on a 429 it pauses and
tries again (`patiently`) rather than fail the item.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from billing.backoff import Backoff
from billing.services import Services
from billing.stripe import calls as stripe_calls
from billing.stripe import objects as so
from billing.stripe import pacing as stripe_pacing
from billing.subscriptions.sync import SUBSCRIPTION_EXPAND

log = logging.getLogger("billing.reconcile")
T = TypeVar("T")

PAGE_SIZE = 100  # Stripe's largest page
# An item (a page, an object to converge) that met Stripe's limits after the client's own retries is
# tried again after a pause, this many times: a long run outlasts a burst of 429s instead of failing.
PATIENCE = 3
PATIENCE_BACKOFF = Backoff(timedelta(seconds=1), 2.0, timedelta(seconds=8))


async def list_all(
    services: Services, name: str, method: Callable[..., Awaitable[Any]], params: dict[str, Any]
) -> AsyncIterator[Any]:
    """Every object (SDK `StripeObject`) of a Stripe list, newest first as Stripe pages it.

    One bounded call per page (tried again after a pause if Stripe said 429).
    Callers convert: `so.as_dict` for objects to apply, `to_dict(for_json=True)`
    for events to store verbatim.
    """
    after: str | None = None
    while True:
        page_params = {**params, "limit": PAGE_SIZE, **({"starting_after": after} if after else {})}
        page = await patiently(partial(_page, services, name, method, page_params))
        for item in page.data:
            yield item
        if not page.has_more or not page.data:
            return
        after = page.data[-1].id


async def _page(
    services: Services, name: str, method: Callable[..., Awaitable[Any]], params: dict[str, Any]
) -> Any:
    return await stripe_calls.call(
        name, method(params=params), timeout=services.config.stripe_timeout_seconds
    )


async def patiently(work: Callable[[], Awaitable[T]]) -> T:
    """`work()`, tried again after a growing pause while it fails because Stripe said "later".

    The client already retried within each call's budget; this is the batch job's extra patience
    (a reconcile has no user waiting), so a long run outlasts a burst of 429s. Anything else raises.
    """
    for attempt in range(1, PATIENCE + 1):
        try:
            return await work()
        except Exception as exc:
            if not stripe_pacing.transient(exc):
                raise
            pause = PATIENCE_BACKOFF.seconds(attempt)
            log.warning(
                "reconcile: Stripe is limiting us (%s); trying again in %.1f s", type(exc).__name__, pause
            )
            await asyncio.sleep(pause)
    return await work()


class Listings:
    """Where the walk reads a customer's subscriptions, invoices and charges.

    Per customer: three list calls for each customer, whatever it has. For a
    walk over many customers, each list is read once for the whole account
    (100 objects a call) and grouped by customer, keeping only the customers
    the walk knows: 200 customers cost a few pages instead of 600 calls. On an
    account shared with other products this reads their objects too (and drops
    them), so it is used for walks over all customers, and the grouped lists
    are held in memory while the walk runs.
    """

    _LISTS: dict[str, tuple[str, str, dict[str, Any]]] = {
        "subscriptions": (
            "subscriptions",
            "subscriptions.list",
            {"status": "all", "expand": [f"data.{path}" for path in SUBSCRIPTION_EXPAND]},
        ),
        "invoices": ("invoices", "invoices.list", {}),
        "charges": ("charges", "charges.list", {"expand": ["data.refunds"]}),
    }

    def __init__(self, services: Services, account_wide_for: set[str] | None) -> None:
        self.services = services
        self.known = account_wide_for  # None: list per customer
        self._grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._failed: dict[str, Exception] = {}
        self._locks = {kind: asyncio.Lock() for kind in self._LISTS}

    def _listing(self, kind: str, extra: dict[str, Any]) -> AsyncIterator[Any]:
        resource, name, params = self._LISTS[kind]
        method = getattr(self.services.stripe.v1, resource).list_async
        return list_all(self.services, name, method, {**params, **extra})

    async def of(self, kind: str, customer_id: str) -> list[dict[str, Any]]:
        """The customer's objects of `kind`, newest first (as Stripe lists them)."""
        if self.known is None:
            return [so.as_dict(obj) async for obj in self._listing(kind, {"customer": customer_id})]
        async with self._locks[kind]:  # the first walker lists the account; the others wait for it
            if kind in self._failed:
                raise self._failed[kind]  # listed once, failed once: every customer reports it
            if kind not in self._grouped:
                grouped: dict[str, list[dict[str, Any]]] = {}
                try:
                    async for obj in self._listing(kind, {}):
                        owner = so.obj_id(obj["customer"] if "customer" in obj else None)
                        if owner in self.known:
                            grouped.setdefault(owner, []).append(so.as_dict(obj))
                except Exception as exc:
                    self._failed[kind] = exc
                    raise
                self._grouped[kind] = grouped
        return self._grouped[kind].get(customer_id, [])
