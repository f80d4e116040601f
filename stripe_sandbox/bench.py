"""Throughput of the sandbox: create and retrieve, N concurrent clients.

Why: the sandbox must never be the bottleneck of the gateway's benchmarks.
This starts the sandbox in its own process (so the load generator does not
share its GIL), then for each operation runs ``--concurrency`` async workers
for ``--seconds`` and prints requests/s and latency percentiles, once through
the official SDK (``StripeClient`` + ``HTTPXClient``, what the gateway uses)
and once with plain keep-alive httpx (the server's own ceiling).

    python -m stripe_sandbox.bench [--concurrency 16] [--seconds 5] [--base-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from typing import Any

import httpx
import stripe

API_KEY = "sk_test_bench_000000000000"
Op = Callable[[int], Awaitable[Any]]


@contextmanager
def sandbox_process() -> Any:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "stripe_sandbox.server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(url + "/_sandbox/clock", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("sandbox did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def measure(name: str, op: Op, concurrency: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def worker(index: int) -> None:
        nonlocal errors
        n = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                await op(index * 1_000_000 + n)
                latencies.append(time.perf_counter() - start)
            except Exception:
                errors += 1
            n += 1

    began = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.monotonic() - began
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "name": name,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


async def run(base_url: str, concurrency: int, seconds: float) -> list[dict[str, Any]]:
    client = stripe.StripeClient(
        API_KEY,
        base_addresses={"api": base_url, "connect": base_url, "files": base_url},
        http_client=stripe.HTTPXClient(),
    )
    seed = await client.v1.customers.create_async(params={"email": "seed@example.com"})
    headers = {"Authorization": f"Bearer {API_KEY}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as http:

        async def sdk_create(i: int) -> Any:
            return await client.v1.customers.create_async(
                params={"email": f"b{i}@example.com", "metadata": {"n": str(i)}}
            )

        async def sdk_retrieve(i: int) -> Any:
            return await client.v1.customers.retrieve_async(seed.id)

        async def raw_create(i: int) -> Any:
            r = await http.post("/v1/customers", data={"email": f"r{i}@example.com", "metadata[n]": str(i)})
            r.raise_for_status()

        async def raw_retrieve(i: int) -> Any:
            r = await http.get(f"/v1/customers/{seed.id}")
            r.raise_for_status()

        results = []
        for name, op in (
            ("sdk customers.retrieve", sdk_retrieve),
            ("sdk customers.create", sdk_create),
            ("httpx GET /v1/customers/{id}", raw_retrieve),
            ("httpx POST /v1/customers", raw_create),
        ):
            results.append(await measure(name, op, concurrency, seconds))
    return results


async def in_process(seconds: float) -> list[dict[str, Any]]:
    """The server's own cost: call the ASGI app directly (no sockets, no client)."""
    from .app import create_app

    app = create_app()
    auth = [(b"authorization", f"Bearer {API_KEY}".encode())]

    async def call(method: str, path: str, body: bytes = b"") -> int:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "server": ("127.0.0.1", 12111),
            "client": ("127.0.0.1", 1), "app": app,
            "headers": [*auth, (b"host", b"127.0.0.1:12111"),
                        (b"content-type", b"application/x-www-form-urlencoded")],
        }  # fmt: skip
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    await call("POST", "/v1/customers", b"email=seed%40example.com")
    seed = next(iter(app.state.sandbox.store.table("customer")))
    results = []
    for name, method, path, body in (
        ("asgi GET /v1/customers/{id}", "GET", f"/v1/customers/{seed}", b""),
        ("asgi POST /v1/customers", "POST", "/v1/customers", b"email=a%40b.c&metadata[n]=1"),
    ):

        async def op(i: int, method: str = method, path: str = path, body: bytes = body) -> None:
            if await call(method, path, body) != 200:
                raise RuntimeError("request failed")

        results.append(await measure(name, op, 1, seconds))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--base-url", default=None, help="an already running sandbox")
    args = parser.parse_args(argv)

    def report(url: str) -> None:
        results = asyncio.run(run(url, args.concurrency, args.seconds))
        print(f"concurrency={args.concurrency} seconds={args.seconds}")
        for r in results:
            print(
                f"{r['name']:<32} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  "
                f"p99 {r['p99_ms']:6.1f} ms  ({r['requests']} ok, {r['errors']} errors)"
            )

    if args.base_url:
        report(args.base_url)
    else:
        with sandbox_process() as url:
            report(url)
    for r in asyncio.run(in_process(args.seconds)):
        print(f"{r['name']:<32} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms  (server only)")


if __name__ == "__main__":
    main()
