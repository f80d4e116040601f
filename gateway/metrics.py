"""Prometheus metrics: the counters and histograms, the `/metrics` route, multi-worker aggregation.

What is counted, and where it is counted:

- ``billing_graphql_operations_total`` {operation, type, outcome: ok / user_error / error} and
  ``billing_graphql_operation_duration_seconds`` {operation, type}: `gateway.graphql_metrics`
  (a Strawberry extension);
- ``billing_webhook_events_total`` {event_type, outcome} and
  ``billing_webhook_processing_duration_seconds`` {event_type}: `webhooks.inbox.process`,
  through `billing.telemetry`;
- ``billing_webhook_inbox_backlog_events`` and
  ``billing_webhook_inbox_oldest_unprocessed_age_seconds``: one query at scrape time;
- ``billing_stripe_requests_total`` {operation (``POST /v1/checkout/sessions``), outcome, status}
  and ``billing_stripe_request_duration_seconds`` {operation}: `gateway.stripe_metrics`
  (the SDK's HTTP client);
- ``billing_stripe_retries_total`` {reason: rate_limit, lock_timeout, idempotency_key_in_use,
  conflict, should_retry, server_error, connection_error} and ``billing_stripe_pace_wait_seconds``:
  `billing.stripe.pacing` (the process's pace and the retries of the SDK's loop), through
  `billing.telemetry`;
- ``billing_gift_redemptions_total`` {outcome}: `billing.gifts.redeem.redeem`, through `billing.telemetry`;
- ``billing_rate_limit_hits_total`` {limit}: `billing.rate_limit.is_exceeded`, through `billing.telemetry`;
- ``billing_outbox_backlog_messages`` and ``billing_outbox_oldest_undelivered_age_seconds``:
  one query at scrape time, when OUTBOUND_WEBHOOK_URL is set (without it nothing is delivered);
- ``billing_outbox_delivery_attempts_total`` {outcome: delivered / rejected / failed} and
  ``billing_outbox_pruned_messages_total``: `gateway.outbox_worker`;
- ``billing_live_subscriptions`` (gauge, summed over workers) and ``billing_live_notices_total``
  {kind: payment / premium / resync}: `gateway.pubsub.LiveHub`, which every live-update
  subscription of a websocket goes through;
- ``billing_live_websockets`` (gauge, summed over workers): `CountWebsockets`, around the
  app's `/graphql` websocket route.

Several workers (``serve --workers N``): each worker is its own process with
its own counters, and a scrape reaches one of them. `serve` therefore runs
prometheus_client's multiprocess mode: it points ``PROMETHEUS_MULTIPROC_DIR``
at an empty directory before the workers start, every worker writes its
samples to files there, and whichever worker answers a scrape sums them all.
The inbox and outbox gauges are read from the database at scrape time, so they
are the same whichever replica is asked.

Labels that come from outside (GraphQL operation names, Stripe paths) go
through `BoundedLabel`, so a client sending random operation names cannot
grow the number of series without bound; the outbox and live-update labels
are fixed sets (no user ids, no URLs).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Iterable, Iterator
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from billing import telemetry
from gateway.metrics_dir import multiprocess_dir

log = logging.getLogger("gateway.metrics")

SCRAPE_QUERY_TIMEOUT = 2.0
OTHER = "other"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STRIPE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

GRAPHQL_OPERATIONS = Counter(
    "billing_graphql_operations",
    "GraphQL operations by name, type and outcome (ok, user_error: the client's mistake or a "
    "payload userError, error: a server fault the client saw masked).",
    ["operation", "type", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "billing_graphql_operation_duration_seconds",
    "Time from parsing to result of a GraphQL operation.",
    ["operation", "type"],
    buckets=_LATENCY_BUCKETS,
)
WEBHOOK_EVENTS = Counter(
    "billing_webhook_events",
    "Webhook inbox processing runs by Stripe event type and outcome (processed, ignored, failed, "
    "deferred: Stripe answered 429/409 and the event was put back, already_done, in_progress, "
    "lost_claim, error: the database failed).",
    ["event_type", "outcome"],
)
WEBHOOK_DURATION = Histogram(
    "billing_webhook_processing_duration_seconds",
    "Time to claim, handle and record one webhook event.",
    ["event_type"],
    buckets=_LATENCY_BUCKETS,
)
STRIPE_REQUESTS = Counter(
    "billing_stripe_requests",
    "Stripe API requests by operation; outcome ok (2xx) or error; status is the HTTP status, "
    "connection_error, cancelled (the caller's time limit ran out) or pace_timeout (no slot in the "
    "process's pace within it).",
    ["operation", "outcome", "status"],
)
STRIPE_DURATION = Histogram(
    "billing_stripe_request_duration_seconds",
    "Stripe API request time, including the SDK's network retries.",
    ["operation"],
    buckets=_STRIPE_BUCKETS,
)
STRIPE_RETRIES = Counter(
    "billing_stripe_retries",
    "Stripe requests retried, by reason: rate_limit and lock_timeout (429), idempotency_key_in_use and "
    "conflict (409), should_retry (Stripe-Should-Retry: true), server_error, connection_error.",
    ["reason"],
)
STRIPE_PACE_WAIT = Histogram(
    "billing_stripe_pace_wait_seconds",
    "Time a Stripe request waited for the process's pace (STRIPE_MAX_REQUESTS_PER_SECOND, halved "
    "for a while after a 429 rate_limit).",
    buckets=(0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)
GIFT_REDEMPTIONS = Counter(
    "billing_gift_redemptions",
    "redeemGift attempts by outcome: redeemed, or the error code.",
    ["outcome"],
)
RATE_LIMIT_HITS = Counter("billing_rate_limit_hits", "Requests refused by a rate limit, by limit.", ["limit"])
OUTBOX_DELIVERIES = Counter(
    "billing_outbox_delivery_attempts",
    "Outbound notification POSTs by outcome: delivered (2xx), rejected (another HTTP status), "
    "failed (no answer: timeout, refused connection).",
    ["outcome"],
)
OUTBOX_PRUNED = Counter(
    "billing_outbox_pruned_messages",
    "Outbox messages deleted past OUTBOX_RETENTION_DAYS (each user's latest kept).",
)
LIVE_SUBSCRIPTIONS = Gauge(
    "billing_live_subscriptions",
    "Live-update GraphQL subscriptions (websocket streams) open now.",
    multiprocess_mode="livesum",
)
LIVE_WEBSOCKETS = Gauge(
    "billing_live_websockets",
    "Websocket connections open on /graphql now (live updates), counted by `CountWebsockets`.",
    multiprocess_mode="livesum",
)
LIVE_NOTICES = Counter(
    "billing_live_notices",
    "Change notices pushed to live-update subscribers, by kind (payment, premium, resync).",
    ["kind"],
)


class BoundedLabel:
    """Passes label values through until `limit` distinct ones were seen; later newcomers become "other"."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(value)
            return value


class PrometheusTelemetry:
    """`billing.telemetry.Telemetry` backed by the counters above."""

    _event_types = BoundedLabel(300)  # Stripe has about 250 event types; the inbox only stores signed ones
    _retry_reasons = BoundedLabel(20)  # a 409/429's error code from Stripe's body, or a fixed reason

    def gift_redemption(self, outcome: str) -> None:
        GIFT_REDEMPTIONS.labels(outcome).inc()

    def rate_limit_hit(self, limit: str) -> None:
        RATE_LIMIT_HITS.labels(limit).inc()

    def webhook_event(self, event_type: str, outcome: str, seconds: float) -> None:
        event_type = self._event_types(event_type)
        WEBHOOK_EVENTS.labels(event_type, outcome).inc()
        WEBHOOK_DURATION.labels(event_type).observe(seconds)

    def stripe_retry(self, reason: str) -> None:
        STRIPE_RETRIES.labels(self._retry_reasons(reason)).inc()

    def stripe_paced(self, seconds: float) -> None:
        STRIPE_PACE_WAIT.observe(seconds)


def install_telemetry() -> None:
    """Make billing's and the inbox's reports count in this process's metrics."""
    if not isinstance(telemetry.telemetry(), PrometheusTelemetry):
        telemetry.install(PrometheusTelemetry())


class CountWebsockets:
    """ASGI wrapper for the `/graphql` websocket route: `billing_live_websockets` while each is open.

    A connection counts from the handshake to its end, whoever ends it (client,
    token expiry, refusal); plain HTTP requests pass straight through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        LIVE_WEBSOCKETS.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            LIVE_WEBSOCKETS.dec()


# --- exposition -------------------------------------------------------------------------------


def _process_metrics() -> bytes:
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def inbox_backlog(now: datetime) -> tuple[int, float]:
    """(events RECEIVED or FAILED, age in seconds of the oldest of them): one aggregate query."""
    from tortoise.functions import Count, Min

    from models.enums import InboxStatus
    from models.inbox import WebhookEvent

    rows = (
        await WebhookEvent.filter(status__in=[InboxStatus.RECEIVED, InboxStatus.FAILED])
        .annotate(backlog=Count("id"), oldest=Min("received_at"))
        .values("backlog", "oldest")
    )
    return _count_and_age(rows, now)


async def outbox_backlog(now: datetime) -> tuple[int, float]:
    """(messages not delivered yet, age in seconds of the oldest of them): one aggregate query."""
    from tortoise.functions import Count, Min

    from models import OutboxMessage

    rows = (
        await OutboxMessage.filter(delivered_at__isnull=True)
        .annotate(backlog=Count("id"), oldest=Min("created_at"))
        .values("backlog", "oldest")
    )
    return _count_and_age(rows, now)


def _count_and_age(rows: list[dict[str, object]], now: datetime) -> tuple[int, float]:
    row = rows[0] if rows else {"backlog": 0, "oldest": None}
    oldest = row["oldest"]
    if isinstance(oldest, str):  # SQLite hands aggregates back as text
        oldest = datetime.fromisoformat(oldest)
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    age = max(0.0, (now - oldest).total_seconds()) if isinstance(oldest, datetime) else 0.0
    return int(row["backlog"] or 0), age  # type: ignore[call-overload]


class _Snapshot:
    """A collector for values read once at scrape time."""

    def __init__(self, metrics: Iterable[Metric]) -> None:
        self._metrics = list(metrics)

    def collect(self) -> Iterator[Metric]:
        yield from self._metrics


async def _gauges(name: str, read: Awaitable[tuple[int, float]]) -> list[Metric]:
    """The (count, age) pair `read` returns as two gauges; none when the query fails or is slow."""
    try:
        count, age = await asyncio.wait_for(read, SCRAPE_QUERY_TIMEOUT)
    except Exception as exc:  # the scrape still reports the process metrics; readyz reports the DB
        log.warning("metrics: %s query failed: %s", name, exc)
        return []
    count_name, count_help, age_name, age_help = _GAUGES[name]
    return [
        GaugeMetricFamily(count_name, count_help, value=count),
        GaugeMetricFamily(age_name, age_help, value=age),
    ]


_GAUGES = {
    "inbox": (
        "billing_webhook_inbox_backlog_events",
        "Webhook events received but not processed yet (RECEIVED or FAILED).",
        "billing_webhook_inbox_oldest_unprocessed_age_seconds",
        "Age of the oldest RECEIVED or FAILED webhook event (0 when there is none).",
    ),
    "outbox": (
        "billing_outbox_backlog_messages",
        "Outbound notifications not acknowledged yet.",
        "billing_outbox_oldest_undelivered_age_seconds",
        "Age of the oldest outbound notification not acknowledged yet (0 when there is none).",
    ),
}


async def _database_metrics(now: datetime, *, outbox: bool) -> bytes:
    metrics = await _gauges("inbox", inbox_backlog(now))
    if outbox:
        metrics += await _gauges("outbox", outbox_backlog(now))
    if not metrics:
        return b""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(metrics))
    return generate_latest(registry)


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`: every worker's counters (summed in multiprocess mode) plus the database gauges.

    The outbox gauges only when OUTBOUND_WEBHOOK_URL is set: without a receiver
    every message stays undelivered by design, and a growing "backlog" would
    only be noise.
    """
    clock = request.app.state.clock
    settings = getattr(request.app.state, "settings", None)
    outbox = settings is not None and settings.outbound_webhook_url is not None
    body = _process_metrics() + await _database_metrics(clock.now(), outbox=outbox)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
