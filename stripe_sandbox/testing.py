"""Run the sandbox in a background thread for tests and benchmarks.

Usage::

    with SandboxServer() as sandbox:
        client = sandbox.client()          # stripe.StripeClient aimed at the sandbox
        customer = await client.v1.customers.create_async(params={"email": "a@b.c"})
        await sandbox.acontrol(f"/_sandbox/customers/{customer.id}/card", {"outcome": "declined"})
        sandbox.control("/_sandbox/clock/advance", {"seconds": 86400})

The server is real uvicorn on a free loopback port, so everything goes over
HTTP exactly as with Stripe.  ``base_url``, ``api_key``, :meth:`client`,
:meth:`control` and :meth:`acontrol` are the stable interface the gateway's
tests and benchmarks rely on.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import stripe
import uvicorn

from .app import create_app

#: Fast webhook retries for tests (real seconds).
TEST_RETRY_DELAYS: tuple[float, ...] = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4)


class SandboxServer:
    """The sandbox served by uvicorn in a daemon thread on ``127.0.0.1:<free port>``."""

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        webhook_retry_delays: Sequence[float] = TEST_RETRY_DELAYS,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
    ) -> None:
        self.app = create_app(state_path, webhook_retry_delays=webhook_retry_delays)
        self.sandbox = self.app.state.sandbox
        self.api_key = api_key or "sk_test_sandbox_" + secrets.token_hex(12)
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sync_http: httpx.Client | None = None
        self._async_http: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self.base_url = ""

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> SandboxServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        port = sock.getsockname()[1]
        self.base_url = f"http://{self._host}:{port}"
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="on", timeout_keep_alive=30
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="stripe-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("stripe sandbox failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (state is saved to ``state_path`` on the way out)."""
        if self._sync_http is not None:
            self._sync_http.close()
            self._sync_http = None
        self._async_http.clear()  # pooled async clients go with their event loops
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- clients ---------------------------------------------------------------
    def client(self, **kwargs: Any) -> stripe.StripeClient:
        """A ``stripe.StripeClient`` (async-capable, httpx) aimed at this sandbox."""
        base = self.base_url
        return stripe.StripeClient(
            kwargs.pop("api_key", self.api_key),
            base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
            http_client=kwargs.pop("http_client", None) or stripe.HTTPXClient(),
            **kwargs,
        )

    def control(self, path: str, json: dict[str, Any] | None = None, method: str | None = None) -> Any:
        """Call the control API synchronously; POST when ``json`` is given, else GET."""
        if self._sync_http is None:
            # Plain HTTP on loopback: skip loading a TLS context (slow) for every client.
            self._sync_http = httpx.Client(timeout=60, verify=False)  # noqa: S501
        response = self._sync_http.request(_verb(path, json, method), self.base_url + path, json=json)
        return _decode(response)

    async def acontrol(self, path: str, json: dict[str, Any] | None = None, method: str | None = None) -> Any:
        """Async :meth:`control` (one pooled client per event loop)."""
        loop = asyncio.get_running_loop()
        http = self._async_http.get(loop)
        if http is None:
            http = httpx.AsyncClient(timeout=60, verify=False)  # noqa: S501 - loopback HTTP
            self._async_http[loop] = http
        response = await http.request(_verb(path, json, method), self.base_url + path, json=json)
        return _decode(response)


def _verb(path: str, json: dict[str, Any] | None, method: str | None) -> str:
    if method:
        return method
    if json is None and path.rstrip("/").endswith(("/clock", "/events", "/settings", "/limits", "/account")):
        return "GET"
    return "POST"


class ControlError(Exception):
    """A control-API call answered with an error (``status``, ``body``)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def _decode(response: httpx.Response) -> Any:
    body = response.json()
    if response.status_code >= 400:
        raise ControlError(response.status_code, body)
    return body
