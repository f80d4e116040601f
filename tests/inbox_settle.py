"""Waiting for the gateway to finish the webhooks it acknowledged.

The webhook route answers Stripe once an event is recorded and handles it in
the background, so "the sandbox got its 200" no longer means "the effect is in
the database". Tests that check effects after a delivery wait here: they poll
the inbox, as an operator would, until nothing is RECEIVED or claimed.
"""

from __future__ import annotations

import asyncio
import time

from tortoise.expressions import Q

from models.enums import InboxStatus
from models.inbox import WebhookEvent


async def inbox_settled(timeout: float = 30.0) -> None:
    """Return once every recorded event is PROCESSED, IGNORED or FAILED and none is claimed."""
    deadline = time.monotonic() + timeout
    unfinished = Q(status=InboxStatus.RECEIVED) | Q(claimed_until__isnull=False)
    while await WebhookEvent.filter(unfinished).exists():
        if time.monotonic() > deadline:
            left = await WebhookEvent.filter(unfinished).values_list("type", "status", "attempts")
            raise AssertionError(f"webhook events still unfinished after {timeout} s: {left}")
        await asyncio.sleep(0.02)
