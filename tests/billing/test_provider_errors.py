"""When Stripe is unreachable, slow or refuses: PAYMENT_PROVIDER_ERROR, quickly, and nothing half-made."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest

from billing.checkout.sessions import create_checkout
from billing.errors import BillingError, ErrorCode
from billing.services import Services
from gateway.services import build_services
from gateway.settings import load_settings
from models import Payment
from models.enums import ProductType
from tests.billing.test_purchase_flows import request
from tests.stripe_world import ALLOWED_ORIGIN, StripeWorld


def services_at(base: str, world: StripeWorld, timeout: float = 1.0, key: str = "sk_test_x") -> Services:
    settings = load_settings(
        stripe_api_key=key,
        stripe_api_base=base,
        stripe_timeout_seconds=timeout,
        redirect_allowed_origins=ALLOWED_ORIGIN,
    )
    return build_services(settings, clock=world.services.clock)


@pytest.fixture
async def black_hole() -> AsyncIterator[str]:
    """A server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def assert_provider_error(services: Services, user: str, within: float) -> None:
    started = time.monotonic()
    with pytest.raises(BillingError) as failure:
        await create_checkout(services, user, request(ProductType.PREMIUM_MONTHLY, key="k"))
    elapsed = time.monotonic() - started
    assert failure.value.code == ErrorCode.PAYMENT_PROVIDER_ERROR
    assert elapsed < within, f"took {elapsed:.1f} s"
    assert await Payment.filter(user_id=user).count() == 0, "a payment row without a Stripe session"


async def test_unreachable_stripe(world: StripeWorld) -> None:
    await assert_provider_error(services_at(closed_port(), world), "nobody-home", within=3)


async def test_stripe_that_never_answers_is_cut_off_at_the_timeout(
    world: StripeWorld, black_hole: str
) -> None:
    await assert_provider_error(services_at(black_hole, world, timeout=1.0), "waiting", within=2.5)


async def test_stripe_refusing_the_key(world: StripeWorld) -> None:
    wrong = services_at(world.sandbox.base_url, world, key="sk_live_not_this_account")
    await assert_provider_error(wrong, "bad-key", within=3)
