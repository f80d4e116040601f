"""`billing-gateway serve` as a subprocess, with its stderr (the JSON log) kept for inspection.

A plain module (the folder has no __init__.py): the ops tests import it by name.
The process runs in an empty directory with only the variables a test gives
it (plus PATH and the like), so neither a `.env` file nor the developer's
environment can change what is being tested.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from gateway.auth import mint_token

JWT_SECRET = "ops-" + secrets.token_hex(24)
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(16)
STRIPE_KEY = "sk_test_ops" + secrets.token_hex(12)
# Variables of DESIGN.md's table (and prometheus_client's) that must come from the test, never the caller.
_OURS = (
    "DATABASE_URL",
    "DB_POOL_MAX",
    "STRIPE_",
    "AUTH_JWT_",
    "REDIRECT_ALLOWED_ORIGINS",
    "CORS_ALLOWED_ORIGINS",
    "GRAPHIQL",
    "GRAPHQL_",
    "MAX_REQUEST_BYTES",
    "CLOCK",
    "REFUND_",
    "GIFT_CODE_TTL_DAYS",
    "REDEEM_RATE_LIMIT",
    "OUTBOUND_WEBHOOK_",
    "LOG_",
    "PROMETHEUS_MULTIPROC_DIR",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update(values)
    return env


def serve_env(database_url: str, stripe_base: str, **overrides: str) -> dict[str, str]:
    """A complete, valid production configuration; `overrides` change or (with "") remove variables."""
    values = {
        "DATABASE_URL": database_url,
        "STRIPE_API_KEY": STRIPE_KEY,
        "STRIPE_API_BASE": stripe_base,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_TIMEOUT_SECONDS": "3",
        "AUTH_JWT_SECRET": JWT_SECRET,
        "PUBLIC_BASE_URL": "https://billing.example",
        "DB_POOL_MAX": "5",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "true",
    }
    values.update(overrides)
    return clean_env(**{k: v for k, v in values.items() if v != ""})


def run_serve(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run `serve` to completion (for settings it must refuse)."""
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", "serve", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


class ServeProcess:
    def __init__(self, env: dict[str, str], *, workers: int = 1) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="ops-serve-")
        self.log_path = Path(self._dir.name) / "stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> float:
        """Start and wait for `/readyz` = 200; returns the seconds from spawn to ready."""
        log = self.log_path.open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port)]
            + (["--workers", str(self.workers)] if self.workers > 1 else []),
            cwd=self._dir.name,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = started + timeout
        with httpx.Client(timeout=1) as http:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"serve exited with {self.proc.returncode}: {self.raw_log()[-3000:]}")
                try:
                    if http.get(f"{self.base_url}/readyz").status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"serve did not become ready in {timeout} s: {self.raw_log()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> ServeProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what it wrote ------------------------------------------------------------------------

    def raw_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line of the log, parsed; a line that is not a JSON object fails the test."""
        lines = []
        for line in self.raw_log().splitlines():
            if not line.strip():
                continue
            try:
                parsed = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise AssertionError(f"log line is not JSON: {line!r}") from None
            assert isinstance(parsed, dict), line
            lines.append(parsed)
        return lines

    # --- talking to it ------------------------------------------------------------------------

    def token(self, user_id: str, *, admin: bool = False) -> str:
        return mint_token(JWT_SECRET, user_id, admin=admin, ttl=timedelta(hours=1))

    async def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user: str | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if user:
            sent["Authorization"] = f"Bearer {self.token(user)}"
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            return await http.post("/graphql", json=body, headers=sent)

    async def scrape(self) -> str:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as http:
            response = await http.get("/metrics")
        assert response.status_code == 200, response.text
        return response.text


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text (`name` with exactly these labels), or None."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return None


def total(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    from prometheus_client.parser import text_string_to_metric_families

    found = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                found += s.value
    return found
