"""A small HTTP/1.1 keep-alive load generator (asyncio, raw sockets), run as its own process.

Used where `wrk` does not fit: S4 (every webhook must be sent exactly once or
as a chosen duplicate, each freshly signed, and each acknowledgement checked)
and S5 (mutations whose answers must be read). One process, `connections`
persistent connections, no client library in the way.

    python -m bench.loadgen PLAN.json RESULT.json

The plan: ``{"url", "connections", "mode": "once" | "timed", "seconds",
"requests": [{"method", "path", "headers", "body"}], "stripe_secret"?,
"expect": "2xx" | "graphql-ok", "warmup"?}``. With `stripe_secret` each body is
signed just before it is sent (``Stripe-Signature: t=…,v1=…``, as Stripe does).
`warmup` (mode "once"): the first that many requests are sent first, over the
same connections, and left out of every figure (as wrk's warm-up runs are).
The result lists the `slowest` answers with when they came (seconds into the
measured run), so a tail can be told from a start-up effect.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit


def stripe_signature(secret: str, body: bytes, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            payload = b"".join(parts)
        else:
            payload = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def ok(expect: str, status: int, payload: bytes) -> bool:
    if not 200 <= status < 300:
        return False
    if expect == "graphql-ok":
        data = json.loads(payload)
        if data.get("errors"):
            return False
        for value in (data.get("data") or {}).values():
            if isinstance(value, dict) and value.get("userErrors"):
                return False
    return True


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    url = urlsplit(plan["url"])
    requests = plan["requests"]
    once = plan["mode"] == "once"
    warmup = int(plan.get("warmup", 0)) if once else 0
    sender = Sender(plan.get("stripe_secret"), plan.get("expect", "2xx"))
    connections = [
        Connection(url.hostname or "127.0.0.1", url.port or 80) for _ in range(int(plan["connections"]))
    ]
    try:
        if warmup:
            await sender.send(requests[:warmup], connections, deadline=None)
            sender.latencies.clear()  # warm-up answers are left out; its errors are not
        began = time.monotonic()
        deadline = None if once else began + float(plan.get("seconds", 0))
        await sender.send(requests[warmup:], connections, deadline=deadline)
        elapsed = time.monotonic() - began
    finally:
        for conn in connections:
            conn.close()
    by_latency = sorted(sender.latencies, key=lambda pair: pair[1])
    ordered = [latency for _, latency in by_latency]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0

    measured = sender.outcomes[warmup:]
    errors = [o for o in sender.outcomes if not o["ok"]]
    return {
        "requests": len(measured),
        "warmup_requests": warmup,
        "seconds": elapsed,
        "rps": len(measured) / elapsed if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": ordered[-1] * 1000 if ordered else 0.0,
        "slowest": [{"at_s": round(at - began, 3), "ms": round(s * 1000, 1)} for at, s in by_latency[-10:]],
        "errors": len(errors),
        "error_samples": errors[:5],
        "outcomes": measured if once else [],
    }


class Sender:
    """Sends requests over a set of keep-alive connections, noting every answer."""

    def __init__(self, secret: str | None, expect: str) -> None:
        self.secret, self.expect = secret, expect
        self.latencies: list[tuple[float, float]] = []  # (sent at, seconds to the answer)
        self.outcomes: list[dict[str, Any]] = []

    async def send(
        self, requests: list[dict[str, Any]], connections: list[Connection], *, deadline: float | None
    ) -> None:
        """Each request once (`deadline` None), or round and round until `deadline`."""
        next_index = 0

        async def worker(conn: Connection) -> None:
            nonlocal next_index
            while (next_index < len(requests)) if deadline is None else (time.monotonic() < deadline):
                index = next_index
                next_index += 1
                await self._one(conn, index, requests[index % len(requests)])

        await asyncio.gather(*(worker(conn) for conn in connections))

    async def _one(self, conn: Connection, index: int, spec: dict[str, Any]) -> None:
        body = spec["body"].encode()
        headers = {"Content-Type": "application/json", **spec.get("headers", {})}
        if self.secret:
            headers["Stripe-Signature"] = stripe_signature(self.secret, body)
        sent, began = time.monotonic(), time.perf_counter()
        try:
            status, payload = await conn.request(spec.get("method", "POST"), spec["path"], headers, body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            conn.close()
            self.outcomes.append({"index": index, "status": 0, "ok": False, "error": repr(exc)})
            return
        self.latencies.append((sent, time.perf_counter() - began))
        good = ok(self.expect, status, payload)
        outcome: dict[str, Any] = {"index": index, "status": status, "ok": good}
        if not good:
            outcome["body"] = payload[:300].decode("utf-8", "replace")
        self.outcomes.append(outcome)


def main() -> None:
    plan_path, result_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as f:
        plan = json.load(f)
    result = asyncio.run(run(plan))
    with open(result_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
