"""Which handler runs for which Stripe event type.

Handlers follow dj-stripe's layout: one module per event family under
`webhooks/handlers/`, each exporting `HANDLERS: dict[str, Handler]`. A handler
must be idempotent and converge on Stripe's current state (it may re-fetch the
object), because the inbox can run it more than once (redelivery, a retry after
a crash between the handler's commit and the inbox's bookkeeping) and events
arrive in any order.
"""

from __future__ import annotations

from webhooks.event import Handler, StripeEvent
from webhooks.handlers import HANDLERS

__all__ = ["Handler", "StripeEvent", "all_handlers"]


def all_handlers() -> dict[str, Handler]:
    """Every handled event type. Anything else is recorded as IGNORED and acknowledged."""
    return dict(HANDLERS)
