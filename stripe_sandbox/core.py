"""The sandbox engine: state, clock, events, webhook delivery and due work.

Why: API routes, hosted pages and the control API all act on one
:class:`Sandbox`, so they agree on what exists and on the time.  Work that
Stripe does by itself when time passes (renewals, retries, period-end
cancellations, session expiry) is found by :mod:`.scheduler` and run in time
order, both as real time passes (:meth:`tick`) and on a clock advance.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import events, scheduler
from .clock import Clock
from .errors import invalid
from .limits import Limits
from .store import Store
from .webhooks import Deliverer

#: Default retry delays (real seconds) for failed webhook deliveries.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)

#: What happens after the last failed retry of a renewal (Stripe's default: cancel).
#: Stripe refuses deeper ``expand[]`` paths ("You cannot expand more than 4 levels of a property.";
#: docs.stripe.com/api/expanding_objects: "Expansions have a maximum depth of four levels (for
#: example, the deepest expansion allowed when listing charges is
#: data.payment_intent.customer.default_source)").
MAX_EXPAND_DEPTH = 4
RETRIES_EXHAUSTED = ("canceled", "unpaid", "past_due")

Expander = Callable[["Sandbox", dict[str, Any]], Any]


def _looks_like_id(value: str) -> bool:
    """An id of an object the sandbox does not keep (``txn_…``) may stay unexpanded."""
    prefix, _, rest = value.partition("_")
    return bool(rest) and prefix.isalpha() and prefix.islower() and " " not in value


class Sandbox:
    """One stateful Stripe account in test mode."""

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        webhook_max_attempts: int = 8,
    ) -> None:
        self.state_path = state_path
        self.store = Store()
        if state_path is not None:
            self.store.load(state_path)
        self.store.dirty = False
        self.clock = Clock(self.store.clock_offset)
        self.webhooks = Deliverer(self, webhook_retry_delays, max_attempts=webhook_max_attempts)
        self.expanders: dict[tuple[str, str], Expander] = {}
        self.limits = Limits()  # Stripe's rate limits, lock timeouts, latency: off until the control API
        self._last_tick = 0.0
        self.base_url = self.store.settings.get("base_url", "http://127.0.0.1:12111")

    # -- settings ------------------------------------------------------------
    @property
    def retries_exhausted(self) -> str:
        return self.store.settings.get("retries_exhausted", "canceled")

    def next_seq(self) -> int:
        seq = int(self.store.settings.get("seq", 0)) + 1
        self.store.settings["seq"] = seq
        return seq

    # -- events --------------------------------------------------------------
    def emit(
        self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return events.emit(self, event_type, obj, previous)

    # -- rendering -------------------------------------------------------------
    def render(self, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        """``obj`` with ``expand[]`` paths replaced by objects (a copy when expanding).

        Without ``expand`` the stored object itself is returned: it is serialised
        right away, before any other code can run on the loop.
        """
        if not expand:
            return obj
        for path in expand:  # counted with `data` segments: `data.payments.data.payment.charge` is 5
            if len(path.split(".")) > MAX_EXPAND_DEPTH:
                raise invalid("You cannot expand more than 4 levels of a property.", param="expand")
        out = copy.deepcopy(obj)
        for path in expand:
            self._expand(out, path.split("."))
        return out

    def _expand(self, obj: Any, parts: list[str], path: str = "") -> None:
        if not parts or not isinstance(obj, dict):
            return
        head, rest = parts[0], parts[1:]
        here = f"{path}.{head}" if path else head
        if obj.get("object") == "list" and head == "data":
            for item in obj.get("data", []):
                self._expand(item, rest, here)
            return
        expander = self.expanders.get((obj.get("object", ""), head))
        if expander is not None and (head not in obj or isinstance(obj[head], str | None)):
            obj[head] = copy.deepcopy(expander(self, obj))
        elif head not in obj:
            raise invalid(f"This property cannot be expanded ({here}).", param="expand")
        value = obj.get(head)
        if isinstance(value, str):
            target = self.store.resolve(value)
            if target is not None:
                obj[head] = value = copy.deepcopy(target)
            elif not _looks_like_id(value):
                raise invalid(f"This property cannot be expanded ({here}).", param="expand")
        if isinstance(value, dict):
            self._expand(value, rest, here)
        elif isinstance(value, list):  # a plain array of sub-objects (``total_taxes``): each one
            for index, item in enumerate(value):
                if isinstance(item, str) and (target := self.store.resolve(item)) is not None:
                    value[index] = item = copy.deepcopy(target)  # a list of ids (``discounts``)
                self._expand(item, rest, here)

    # -- time ----------------------------------------------------------------
    def tick(self, *, force: bool = False) -> int:
        """Run work that is due by the current sandbox time (real time passing).

        Scanning for due work touches every session, subscription and invoice,
        so unless ``force``d it runs at most once per second of real time.
        """
        moment = time.monotonic()
        if not force and moment - self._last_tick < 1.0:
            return 0
        self._last_tick = moment
        ran = scheduler.run_until(self, self.clock.now())
        if ran:
            self.after_request()
        return ran

    def advance(self, seconds: int) -> int:
        """Move the clock forward, running due work in time order on the way."""
        target = self.clock.now() + seconds
        ran = scheduler.run_until(self, target)
        self.clock.advance(seconds)
        self.store.clock_offset = self.clock.offset
        self.store.touch()
        self.after_request()
        return ran

    # -- persistence -------------------------------------------------------------
    def after_request(self) -> None:
        """Called after each mutation batch: wake delivery; saving is debounced."""
        self.webhooks.wake()

    def dump(self) -> bytes:
        self.store.clock_offset = self.clock.offset
        self.store.settings["base_url"] = self.base_url
        return self.store.dump()

    def save(self) -> None:
        if self.state_path is not None:
            Store.write(self.state_path, self.dump())

    def reset(self) -> None:
        """Forget everything but webhook endpoints (and their secrets) and the clock; limits off,
        deliveries one at a time again."""
        self.limits = Limits()
        self.webhooks.concurrency = 1
        endpoints = self.store.table("webhook_endpoint")
        secrets = {eid: self.store.meta.get(eid, {}) for eid in endpoints}
        settings = {k: v for k, v in self.store.settings.items() if k in ("base_url", "seq")}
        offset = self.clock.offset
        self.store = Store()
        self.store.tables["webhook_endpoint"] = endpoints
        self.store.meta.update(secrets)
        self.store.settings.update(settings)
        self.store.clock_offset = offset
        self.store.touch()
