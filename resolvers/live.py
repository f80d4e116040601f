"""Live updates (GraphQL subscriptions over graphql-transport-ws): the viewer's own changes only.

A notice from `context.live` names a user and ids; the subscription listens
under the viewer's user id only and re-reads every row with the viewer's id
in the WHERE clause, so neither a foreign notice nor a forged one can show
another user's data. RESYNC (the listener reconnected, or this client fell
behind) re-reads instead of guessing what was missed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.types import Info

from billing import read_queries
from billing.notifications import ChangeFeed, ChangeKind
from billing.premium import rule as premium_rule
from models import Payment as PaymentRow
from schema.types.context import GatewayContext
from schema.types.payment import Payment, build_payments
from schema.types.premium import Premium, premium_from_state
from schema.types.subscription import Subscription, subscription_from_row

log = logging.getLogger(__name__)

T = TypeVar("T")
UNEXPECTED = "Unexpected error."  # what the schema's masking says (schema.root.MASKED_MESSAGE)


def _masked(stream: Callable[[Info], AsyncGenerator[T, None]]) -> Callable[[Info], AsyncGenerator[T, None]]:
    """Log and mask an unexpected failure inside a stream.

    Strawberry reports an exception raised by a subscription's generator
    without a path. The schema's mask now catches those too (`is_expected_error`
    masks a path-less error carrying a server exception), but only this wrapper
    knows the viewer to log, and it keeps the stream masked should that rule
    ever loosen again (tests/reliability/test_live_attacks.py cuts PostgreSQL
    under a subscription and checks the client sees "Unexpected error.").
    """

    @functools.wraps(stream)
    async def masked(info: Info) -> AsyncGenerator[T, None]:
        try:
            async for item in stream(info):
                yield item
        except GraphQLError:
            raise
        except Exception:
            viewer = info.context.viewer
            log.exception("live update stream failed (viewer=%s)", viewer.user_id if viewer else None)
            raise GraphQLError(UNEXPECTED) from None

    return masked


@_masked
async def payment_updated(info: Info) -> AsyncGenerator[Payment, None]:
    """Each time one of the viewer's payments changes status (e.g. PENDING -> COMPLETED)."""
    context: GatewayContext = info.context
    viewer = context.require_viewer()
    started = context.now()
    shown: dict[int, int] = {}  # payment id -> version last sent
    async with _feed(context).subscribe(viewer.user_id) as changes:
        async for change in changes:
            await _refresh_clock(context)
            if change.kind == ChangeKind.PAYMENT and change.payment_id is not None:
                row = await read_queries.payment_for(viewer.user_id, change.payment_id)
                rows = [row] if row is not None else []
            elif change.kind == ChangeKind.RESYNC:
                rows = await _payments_changed_since(viewer.user_id, started)
            else:
                continue
            for row in rows:
                if shown.get(row["id"]) == row["version"]:
                    continue
                shown[row["id"]] = row["version"]
                # The context lives as long as the socket: never answer from a stale cache.
                context.loaders.gift_code_by_payment.clear_all()
                (payment,) = await build_payments([row], context)
                yield payment


@_masked
async def premium_changed(info: Info) -> AsyncGenerator[Premium, None]:
    """The viewer's premium now, then again each time it changes.

    The first message closes the gap between the page's query and the
    subscription starting: a webhook that landed in between is not missed.
    """
    context: GatewayContext = info.context
    viewer = context.require_viewer()
    async with _feed(context).subscribe(viewer.user_id) as changes:
        state = await premium_rule.load_premium(viewer.user_id, context.now())
        yield premium_from_state(state, viewer.user_id)
        async for change in changes:
            if change.kind not in (ChangeKind.PREMIUM, ChangeKind.RESYNC):
                continue
            await _refresh_clock(context)
            fresh = await premium_rule.load_premium(viewer.user_id, context.now())
            if fresh != state:
                state = fresh
                yield premium_from_state(state, viewer.user_id)


@_masked
async def subscription_changed(info: Info) -> AsyncGenerator[Subscription | None, None]:
    """The viewer's subscription now (as `Query.subscription`), then again each time it changes:
    its plan, trial end, scheduled plan change or discount, or (announced as premium) its status
    and cancellation. Null when there is none, or once it has ended."""
    context: GatewayContext = info.context
    viewer = context.require_viewer()
    async with _feed(context).subscribe(viewer.user_id) as changes:
        row = await read_queries.current_subscription(viewer.user_id)
        shown = (row["id"], row["version"]) if row else None
        yield subscription_from_row(row) if row else None
        async for change in changes:
            if change.kind not in (ChangeKind.SUBSCRIPTION, ChangeKind.PREMIUM, ChangeKind.RESYNC):
                continue
            row = await read_queries.current_subscription(viewer.user_id)
            now_shown = (row["id"], row["version"]) if row else None
            if now_shown != shown:
                shown = now_shown
                yield subscription_from_row(row) if row else None


def _feed(context: GatewayContext) -> ChangeFeed:
    if context.live is None:
        raise RuntimeError("live updates are not running in this process")
    return context.live


async def _refresh_clock(context: GatewayContext) -> None:
    """Websocket messages pass no HTTP middleware; "now" is refreshed here, as per request there."""
    try:
        await context.clock.refresh()
    except Exception:  # the previous offset stays in force
        log.warning("clock refresh failed", exc_info=True)


async def _payments_changed_since(user_id: str, since: datetime) -> list[dict[str, Any]]:
    return await (
        PaymentRow.filter(user_id=user_id, updated_at__gte=since)
        .order_by("updated_at", "id")
        .limit(50)
        .values(*read_queries.PAYMENT_FIELDS)
    )
