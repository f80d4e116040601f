"""A handler that meets Stripe's limits (a real 429 from the sandbox) puts its event back for later:
not FAILED for good, not counted toward the retry loop's limit of attempts, and run again once due."""

from __future__ import annotations

from datetime import timedelta

import stripe
from inbox_testkit import HANDLED, T0, event_payload

from billing.clock import FixedClock
from billing.errors import PaymentProviderError
from billing.services import Services
from billing.stripe.calls import call
from billing.stripe.pacing import transient
from models.enums import InboxStatus
from models.inbox import WebhookEvent
from stripe_sandbox.testing import SandboxServer
from tests.sandbox_limits import sandbox_limits
from webhooks import inbox, retry
from webhooks.registry import Handler, StripeEvent


async def test_an_event_whose_handler_met_a_429_is_put_back_and_runs_once_stripe_lets_it(
    db: str, clock: FixedClock, handlers: dict[str, Handler], sandbox: SandboxServer
) -> None:
    client = sandbox.client()  # no retries of its own: the handler meets the first 429
    services = Services(clock=clock, stripe=client)
    customer = await client.v1.customers.create_async(params={"email": "deferred@example.com"})

    async def rename(event: StripeEvent, services: Services) -> None:
        await call(
            "customers.update",
            services.stripe.v1.customers.update_async(customer.id, params={"name": event.id}),
            timeout=5,
        )

    handlers[HANDLED] = rename
    row, _ = await inbox.record(event_payload(), now=T0)
    async with sandbox_limits(sandbox, lock_timeout={"object": customer.id, "count": 1000}) as limits:
        for _ in range(retry.MAX_AUTOMATIC_ATTEMPTS + 5):  # more 429s than a poison event is allowed
            result = await inbox.process(row, services)
            assert result.outcome is inbox.Outcome.DEFERRED and "RateLimitError" in (result.error or "")
            current = await WebhookEvent.get(pk=row.pk)
            assert (current.status, current.attempts) == (InboxStatus.RECEIVED, 0)
            assert current.claimed_until is None
            wait = current.next_attempt_at - clock.now()
            assert timedelta(seconds=1) <= wait <= timedelta(seconds=3)  # again in moments, not minutes
            assert await retry.due_events(services, 10) == []  # not before then
            clock.set(current.next_attempt_at)
            assert [r.pk for r in await retry.due_events(services, 10)] == [row.pk]
        assert await limits.answered("lock_timeout") >= retry.MAX_AUTOMATIC_ATTEMPTS + 5

    assert await retry.retry_due(services) == 1  # Stripe lets it through now
    done = await WebhookEvent.get(pk=row.pk)
    assert (done.status, done.attempts, done.last_error) == (InboxStatus.PROCESSED, 1, None)
    assert (await client.v1.customers.retrieve_async(customer.id)).name == row.stripe_event_id


async def test_a_failed_event_that_then_meets_a_429_stays_failed_with_its_attempts(
    db: str, clock: FixedClock, handlers: dict[str, Handler], sandbox: SandboxServer
) -> None:
    client = sandbox.client()
    services = Services(clock=clock, stripe=client)
    customer = await client.v1.customers.create_async(params={"email": "failed-then-429@example.com"})
    broken = [True]

    async def flaky(event: StripeEvent, services: Services) -> None:
        if broken[0]:
            raise ValueError("a bug, fixed in the next release")
        await services.stripe.v1.customers.update_async(customer.id, params={"name": "Done"})

    handlers[HANDLED] = flaky
    row, _ = await inbox.record(event_payload(), now=T0)
    assert (await inbox.process(row, services)).outcome is inbox.Outcome.FAILED
    broken[0] = False
    async with sandbox_limits(sandbox, lock_timeout={"object": customer.id, "count": 1}):
        deferred = await inbox.process(await WebhookEvent.get(pk=row.pk), services)
    assert deferred.outcome is inbox.Outcome.DEFERRED
    current = await WebhookEvent.get(pk=row.pk)
    assert (current.status, current.attempts) == (InboxStatus.FAILED, 1)  # the real failure still counts
    assert "cannot be accessed right now" in (current.last_error or "")  # Stripe's lock_timeout
    clock.set(current.next_attempt_at)
    assert (await inbox.process(current, services)).outcome is inbox.Outcome.PROCESSED


def test_only_stripe_saying_later_is_transient() -> None:
    def error(status: int) -> stripe.StripeError:
        return stripe.StripeError("x", http_status=status)

    for status in (409, 429):
        wrapped = PaymentProviderError()
        wrapped.__cause__ = error(status)
        assert transient(error(status)) and transient(wrapped)
    for status in (400, 402, 404, 500):
        assert not transient(error(status))
    assert not transient(ValueError("bug")) and not transient(stripe.APIConnectionError("down"))
