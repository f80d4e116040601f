"""The gateway as a real server process, for end-to-end tests.

`billing-gateway serve` runs in a subprocess against the test database and the
sandbox, so GraphQL and Stripe's webhooks reach it over real HTTP exactly as in
production. It can be stopped and started again (to test outages) and killed.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from gateway.auth import mint_token

ROOT = Path(__file__).resolve().parents[2]
JWT_SECRET = "e2e-" + secrets.token_hex(24)
ALLOWED_ORIGIN = "http://localhost:3000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GatewayProcess:
    def __init__(self, *, database_url: str, stripe_base: str, stripe_key: str, webhook_secret: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": stripe_key,
            "STRIPE_API_BASE": stripe_base,
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
            "STRIPE_TIMEOUT_SECONDS": "3",
            "AUTH_JWT_SECRET": JWT_SECRET,
            "PUBLIC_BASE_URL": self.base_url,
            "CLOCK": "sandbox",
            # The gateway's own origin too, so a browser test can land on a page that exists.
            "REDIRECT_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},http://127.0.0.1:{self.port}",
            "DB_POOL_MAX": "10",
            "WEB_APP": "true",  # the reference web client at /, for the browser tests
            "LOG_LEVEL": "WARNING",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"gateway-e2e-{self.port}.log"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/webhooks/stripe"

    def start(self, timeout: float = 20) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gateway exited with {self.proc.returncode}: {self.log_path.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gateway did not become ready: {self.log_path.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def token(self, user_id: str, *, admin: bool = False) -> str:
        return mint_token(JWT_SECRET, user_id, admin=admin, ttl=timedelta(hours=1))

    async def graphql(
        self, query: str, variables: dict | None = None, *, user: str | None = None, admin: bool = False
    ) -> dict:
        headers = {"Authorization": f"Bearer {self.token(user, admin=admin)}"} if user else {}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
        assert response.status_code == 200, response.text
        return response.json()
