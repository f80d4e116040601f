"""Counting what billing and webhooks do, without billing knowing about any metrics library.

Billing and the webhook inbox report a few business happenings here (a gift
redemption and its outcome, a rate-limit hit, a webhook event handled). The
default sink does nothing, so billing works the same in tests, the CLI and
scripts; `gateway.metrics` installs a Prometheus-backed sink when the app
starts. One sink per process, like the logging configuration.
"""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    def gift_redemption(self, outcome: str) -> None:
        """`outcome`: ``redeemed`` or the lower-cased `ErrorCode` of the refusal."""

    def rate_limit_hit(self, limit: str) -> None:
        """A request refused by the rate limit named `limit` (e.g. ``redeem``)."""

    def webhook_event(self, event_type: str, outcome: str, seconds: float) -> None:
        """One `inbox.process` run: the event's type, its `Outcome` (lower-cased), and how long it took."""

    def stripe_retry(self, reason: str) -> None:
        """A Stripe request about to be retried: ``rate_limit``, ``lock_timeout``, ``connection_error``, …"""

    def stripe_paced(self, seconds: float) -> None:
        """A Stripe request waited `seconds` for the process's pace (`billing.stripe.pacing.Pacer`)."""


class NoTelemetry:
    def gift_redemption(self, outcome: str) -> None:
        pass

    def rate_limit_hit(self, limit: str) -> None:
        pass

    def webhook_event(self, event_type: str, outcome: str, seconds: float) -> None:
        pass

    def stripe_retry(self, reason: str) -> None:
        pass

    def stripe_paced(self, seconds: float) -> None:
        pass


_sink: Telemetry = NoTelemetry()


def install(sink: Telemetry) -> None:
    global _sink
    _sink = sink


def telemetry() -> Telemetry:
    return _sink
