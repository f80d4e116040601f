"""S6 "purchase burst" and S7 "steady" (issue 19): paid means Premium, how fast, at Stripe's pace.

Stripe's side is the sandbox with production's latency (150 ms, jittered) and rate limits
(100 requests/s per account, 25/s per endpoint); the gateway is one `serve` replica with two
workers on PostgreSQL, paced as README "Stripe's rate limits" sizes it. Every user first opens a
subscription checkout (limits off: set-up), then the checkouts are paid, all within a few
seconds (S6) or at a steady rate (S7), and Stripe sends each purchase's events to the gateway,
several deliveries in flight at once (`deliveries`), as Stripe does.

Measured: time from a checkout being paid to the user's Premium being active (p50, p99, max),
webhook events acknowledged and handled per second (inbox timestamps), Stripe calls per purchase
and the 429s among them (the gateway's own /metrics), and what went wrong: users left without
Premium (lost), a second subscription or payment for one purchase (doubled), events FAILED.

    python -m bench burst --purchases 1000                 # S6
    python -m bench burst --rate 20 --seconds 60           # S7
    python -m bench burst --purchases 1000 --kill-worker-after 5   # S6, kill -9 a worker mid-burst
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import procs, queries, seed
from bench.balancer import Balancer
from bench.stripe_side import SandboxAPI
from gateway.auth import mint_token

STRIPE_KEY = "sk_test_bench_" + "0" * 24
ORIGIN = "http://localhost:3000"
RESULTS = Path(__file__).resolve().parent / "results"
_METRIC = re.compile(r"^billing_stripe_requests_total\{(.*)\} ([0-9.e+]+)$", re.M)  # labels hold {id}


@dataclass(frozen=True)
class BurstSpec:
    purchases: int = 200
    rate: float | None = None  # purchases paid per second (S7); None: all at once (S6)
    latency_ms: int = 150
    jitter_ms: int = 50
    account_rps: int = 100
    endpoint_rps: int = 25
    pace_per_process: int = 45  # STRIPE_MAX_REQUESTS_PER_SECOND: 2 workers x 45 < 100 (README sizing)
    # STRIPE_MAX_REQUESTS_PER_ENDPOINT_PER_SECOND, the default. Not Stripe's 25 split strictly among
    # the workers: deliveries do not spread evenly over them (the kernel hands out connections), so
    # a strict share starves the busiest worker; a 429's cut evens them out (README, S6/S7 figures).
    endpoint_pace_per_process: int = 20
    workers: int = 2
    replicas: int = 1  # more: each a `serve` with `workers`, behind a connection balancer
    # Deliveries in flight at once (the sandbox's /_sandbox/webhooks/concurrency): Stripe sends an
    # endpoint's events without waiting for each answer, so every worker of every replica gets some.
    deliveries: int = 8
    pool: int = 10  # DB_POOL_MAX per worker: also its webhook handler slots (half while answering)
    # SIGKILL one worker of the first replica this many seconds after the paying began (None: no
    # kill): what it held is retaken by the others once its lease (2 min) runs out; nothing is lost.
    kill_worker_after_s: float | None = None
    timeout_s: float = 600.0

    @property
    def scenario(self) -> str:
        return "S7" if self.rate else "S6"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


async def _fresh_database(database_url: str) -> None:
    """Drop and create the benchmark's burst database, then migrate it (nothing left of a last run)."""
    dsn = seed.asyncpg_dsn(database_url)
    name = dsn.rsplit("/", 1)[1]
    conn = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    seed.migrate(database_url)


async def _metrics(gateways: list[procs.Server]) -> str:
    """Every replica's /metrics (each sums its own workers), one after the other."""
    async with httpx.AsyncClient(timeout=30) as http:
        return "\n".join([(await http.get(g.base_url + "/metrics")).text for g in gateways])


def _stripe_calls(text: str) -> tuple[int, int, dict[str, int]]:
    """(Stripe requests, of which 429, per operation) the gateway's workers made, from /metrics."""
    total = limited = 0
    by_operation: dict[str, int] = {}
    for labels, value in _METRIC.findall(text):
        count = int(float(value))
        total += count
        if 'status="429"' in labels:
            limited += count
        operation = re.search(r'operation="([^"]*)"', labels)
        if operation:
            by_operation[operation.group(1)] = by_operation.get(operation.group(1), 0) + count
    return total, limited, by_operation


_SUM_COUNT = re.compile(r'^(\w+)_(sum|count)\{(\w+)="([^"]*)"\} ([0-9.e+-]+)$', re.M)
_PACE_WAIT = re.compile(r"^billing_stripe_pace_wait_seconds_(sum|count) ([0-9.e+-]+)$", re.M)
_RETRIES = re.compile(r'^billing_stripe_retries_total\{reason="([^"]*)"\} ([0-9.e+-]+)$', re.M)
_TIMED = {
    "billing_webhook_processing_duration_seconds": "handling",
    "billing_stripe_request_duration_seconds": "stripe",
}


def _sums(text: str) -> dict[tuple[str, str, str], float]:
    sums: dict[tuple[str, str, str], float] = {}
    for name, kind, _, label, value in _SUM_COUNT.findall(text):
        sums[(name, label, kind)] = sums.get((name, label, kind), 0.0) + float(value)
    return sums


def _totals(pattern: re.Pattern[str], text: str) -> dict[str, float]:
    """`pattern`'s (key, value) matches, summed by key (over replicas)."""
    totals: dict[str, float] = {}
    for key, value in pattern.findall(text):
        totals[key] = totals.get(key, 0.0) + float(value)
    return totals


def _timings(before: str, after: str) -> dict[str, float]:
    """Mean time per event type (claim, handle, record) and per Stripe operation during the run, from
    the gateway's histograms; the mean wait for the pace per Stripe request; and how many Stripe
    requests were retried, by reason (a 429 met and retried is not in `stripe_429s`)."""
    b, a = _sums(before), _sums(after)
    out: dict[str, float] = {}
    for (name, label, kind), total in sorted(a.items()):
        if kind != "sum" or name not in _TIMED:
            continue
        count = a.get((name, label, "count"), 0) - b.get((name, label, "count"), 0)
        if count > 0:
            out[f"{_TIMED[name]} {label}"] = round((total - b.get((name, label, "sum"), 0)) / count * 1000, 1)
    retried_b, retried_a = _totals(_RETRIES, before), _totals(_RETRIES, after)
    for reason, n in retried_a.items():
        if n > retried_b.get(reason, 0):
            out[f"retries {reason} (count)"] = n - retried_b.get(reason, 0)
    pace_b, pace_a = _totals(_PACE_WAIT, before), _totals(_PACE_WAIT, after)
    count = pace_a.get("count", 0) - pace_b.get("count", 0)
    if count > 0:
        out["pace wait"] = round((pace_a.get("sum", 0) - pace_b.get("sum", 0)) / count * 1000, 1)
    return out


async def run(spec: BurstSpec, database_url: str, log: Any = print) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    _bench_reads[0] = 0
    jwt_secret = "bench-" + secrets.token_hex(24)
    await _fresh_database(database_url)
    sandbox = procs.sandbox_server()
    sandbox.start(workdir)
    stripe = SandboxAPI(sandbox.base_url, STRIPE_KEY)
    gateways: list[procs.Server] = []
    balancer: Balancer | None = None
    try:
        port = procs.free_port()  # where Stripe sends: the one replica, or the balancer
        endpoint = await stripe.create_endpoint(f"http://127.0.0.1:{port}/webhooks/stripe")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": STRIPE_KEY,
            "STRIPE_API_BASE": sandbox.base_url,
            "STRIPE_WEBHOOK_SECRET": endpoint["secret"],
            "STRIPE_MAX_REQUESTS_PER_SECOND": str(spec.pace_per_process),
            "STRIPE_MAX_REQUESTS_PER_ENDPOINT_PER_SECOND": str(spec.endpoint_pace_per_process),
            "STRIPE_TIMEOUT_SECONDS": "10",
            "AUTH_JWT_SECRET": jwt_secret,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "REDIRECT_ALLOWED_ORIGINS": ORIGIN,
            "CLOCK": "system",
            "LOG_LEVEL": "WARNING",
            "USER_STRIPE_CALL_LIMIT": "1000/3600s",
            "DB_POOL_MAX": str(spec.pool),
        }
        subprocess.run(  # noqa: ASYNC221 - set-up, nothing else runs on this loop yet
            [sys.executable, "-m", "gateway.cli", "catalog", "sync"],
            cwd=procs.ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        for n in range(spec.replicas):
            gateway = procs.gateway_server(env, workers=spec.workers)
            gateway.name = f"gateway-{n}"
            if spec.replicas == 1:
                gateway.port = port
            gateway.start(workdir)
            gateways.append(gateway)
        if spec.replicas > 1:
            balancer = Balancer([g.port for g in gateways])
            await balancer.start(port)
        base_url = f"http://127.0.0.1:{port}"
        users = [f"burst-{n}" for n in range(spec.purchases)]
        sessions = await _open_checkouts(base_url, jwt_secret, users)
        stripe_is = (
            f"{spec.latency_ms}±{spec.jitter_ms} ms, {spec.account_rps}/s per account, "
            f"{spec.endpoint_rps}/s per endpoint"
        )
        log(f"{spec.scenario}: {len(sessions)} checkouts open; Stripe at {stripe_is}")
        metrics_before = await _metrics(gateways)
        await stripe.control(
            "/_sandbox/limits",
            {
                "requests_per_second": spec.account_rps,
                "per_endpoint_per_second": spec.endpoint_rps,
                "latency_ms": spec.latency_ms,
                "latency_jitter_ms": spec.jitter_ms,
            },
        )
        await stripe.control("/_sandbox/webhooks/concurrency", {"concurrency": spec.deliveries})
        # Watched while paying: in S7 the paying lasts the whole run (a watcher started after it
        # saw everyone's Premium at its end, and reported the paying time as the wait).
        killed: list[int] = []
        commits_before = await _commits(database_url)
        cpu_before = _cpu(sandbox, gateways)
        paid_at, premium_at, _ = await asyncio.gather(
            _pay(stripe, sessions, spec.rate),
            _watch_premium(database_url, users, spec.timeout_s),
            _kill_a_worker(gateways[0], spec.kill_worker_after_s, killed, log),
        )
        settled = await _settle(database_url, spec.timeout_s)
        cpu_after = _cpu(sandbox, gateways)
        # The watcher's and settler's own reads count too: each is one transaction.
        settled["commits"] = await _commits(database_url) - commits_before - _bench_reads[0] - 1
        metrics_after = await _metrics(gateways)
        calls_before, calls_after = _stripe_calls(metrics_before), _stripe_calls(metrics_after)
        timings = _timings(metrics_before, metrics_after)
        result = _report(spec, users, paid_at, premium_at, settled, calls_before, calls_after, log)
        result["mean_ms"] = timings
        result["killed_worker"] = killed[0] if killed else None
        result["cpu"] = _cpu_use(cpu_before, cpu_after, result["events"])
        log(f"{spec.scenario}: CPU while paying and handling: {result['cpu']}")
        log(f"{spec.scenario}: where the time went (mean ms): {timings}")
        if balancer is not None:
            result["connections_per_replica"] = list(balancer.connections.values())
            log(f"{spec.scenario}: connections per replica {result['connections_per_replica']}")
        return result
    finally:
        if balancer is not None:
            await balancer.stop()
        for gateway in gateways:
            gateway.stop()
        await stripe.aclose()
        sandbox.stop()


async def _open_checkouts(base_url: str, jwt_secret: str, users: list[str]) -> dict[str, str]:
    sem = asyncio.Semaphore(8)
    sessions: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:

        async def one(user: str) -> None:
            body = {
                "query": queries.CREATE_CHECKOUT,
                "variables": {"input": {"productType": "PREMIUM_MONTHLY", "currency": "USD",
                                        "successUrl": f"{ORIGIN}/ok", "cancelUrl": f"{ORIGIN}/cancel"}},
            }  # fmt: skip
            headers = {"Authorization": f"Bearer {mint_token(jwt_secret, user, ttl=timedelta(hours=2))}"}
            async with sem:
                answer = (await http.post("/graphql", json=body, headers=headers)).json()
            session = (answer.get("data") or {}).get("createCheckout", {}).get("sessionId")
            if session is None:
                raise RuntimeError(f"checkout for {user} failed: {answer}")
            sessions[user] = session

        await asyncio.gather(*(one(u) for u in users))
    return sessions


async def _pay(stripe: SandboxAPI, sessions: dict[str, str], rate: float | None) -> dict[str, float]:
    """Pay every checkout (the customer pressing Pay): all at once, or `rate` per second."""
    paid_at: dict[str, float] = {}
    began = time.monotonic()

    async def one(n: int, user: str) -> None:
        if rate:
            await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
        await stripe.control(f"/_sandbox/checkout/sessions/{sessions[user]}/complete", {"outcome": "paid"})
        paid_at[user] = time.monotonic()

    await asyncio.gather(*(one(n, u) for n, u in enumerate(sessions)))
    return paid_at


def _cpu(sandbox: procs.Server, gateways: list[procs.Server]) -> dict[str, float]:
    busy, total = procs.machine_cpu_seconds()
    return {
        "machine_busy": busy,
        "machine_total": total,
        "gateway": sum(procs.group_cpu_seconds(g) for g in gateways),
        "sandbox": procs.group_cpu_seconds(sandbox),
        "wall": time.monotonic(),
    }


def _cpu_use(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    """How busy the machine was (1.0: every core all the time), and the gateway's CPU per event.

    A worker killed mid-run takes its CPU time with it, so the gateway's figure is then low.
    """
    total = after["machine_total"] - before["machine_total"]
    gateway = after["gateway"] - before["gateway"]
    return {
        "machine_busy": round((after["machine_busy"] - before["machine_busy"]) / total, 2) if total else 0.0,
        "gateway_cores": round(gateway / (after["wall"] - before["wall"]), 2),
        "sandbox_cores": round((after["sandbox"] - before["sandbox"]) / (after["wall"] - before["wall"]), 2),
        "gateway_ms_per_event": round(gateway / events * 1000, 2) if events else 0.0,
    }


async def _kill_a_worker(gateway: procs.Server, after_s: float | None, killed: list[int], log: Any) -> None:
    """kill -9 one worker mid-burst (uvicorn's supervisor starts a new one in its place)."""
    if after_s is None:
        return
    await asyncio.sleep(after_s)
    pid = gateway.workers()[0]
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)
    log(f"killed worker {pid} with SIGKILL {after_s} s after the paying began")


# Read-only statements this harness sent to the burst database (subtracted from the commit count).
_bench_reads = [0]
STATS_FLUSH_S = 11.0


async def _commits(database_url: str) -> int:
    """Transactions committed in the burst database so far (PostgreSQL's own counter).

    Every statement outside an explicit transaction is one, so this counts the gateway's
    round trips that end in a commit: the figure "fewer statements and commits per event" is about.
    """
    await asyncio.sleep(STATS_FLUSH_S)  # an idle backend reports its counts within 10 s
    dsn = seed.asyncpg_dsn(database_url)
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        )
    finally:
        await conn.close()


async def _watch_premium(database_url: str, users: list[str], timeout: float) -> dict[str, float]:
    """When each user's subscription row first gave access (what `premium` answers from)."""
    seen: dict[str, float] = {}
    conn = await asyncpg.connect(seed.asyncpg_dsn(database_url))
    deadline = time.monotonic() + timeout
    try:
        while len(seen) < len(users) and time.monotonic() < deadline:
            rows = await conn.fetch(
                "SELECT user_id FROM subscriptions WHERE status IN ('ACTIVE','TRIALING') "
                "AND current_period_end > now() AND user_id = ANY($1::text[])",
                [u for u in users if u not in seen],
            )
            _bench_reads[0] += 1
            now = time.monotonic()
            for row in rows:
                seen.setdefault(row["user_id"], now)
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return seen


async def _settle(database_url: str, timeout: float) -> dict[str, Any]:
    """Wait until the inbox is idle, then read what happened to every event and purchase."""
    conn = await asyncpg.connect(seed.asyncpg_dsn(database_url))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            waiting = await conn.fetchval("SELECT count(*) FROM webhook_events WHERE status = 'RECEIVED'")
            _bench_reads[0] += 1
            if waiting == 0:
                break
            await asyncio.sleep(0.2)
        by_status = dict(await conn.fetch("SELECT status, count(*) FROM webhook_events GROUP BY status"))
        span = await conn.fetchrow(
            "SELECT min(received_at) AS first, max(received_at) AS last_received, "
            "max(processed_at) AS last_processed, count(*) AS events FROM webhook_events"
        )
        lag = await conn.fetchrow(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50, "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY s) AS p99 FROM ("
            "SELECT extract(epoch FROM processed_at - received_at) AS s FROM webhook_events "
            "WHERE processed_at IS NOT NULL) t"
        )
        doubled = await conn.fetchval(
            "SELECT count(*) FROM (SELECT user_id FROM subscriptions GROUP BY user_id HAVING count(*) > 1) s"
        ) + await conn.fetchval(
            "SELECT count(*) FROM (SELECT user_id FROM payments WHERE status = 'COMPLETED' "
            "GROUP BY user_id HAVING count(*) > 1) p"
        )
    finally:
        await conn.close()
    return {"by_status": by_status, "span": dict(span), "doubled": doubled, "lag": dict(lag)}


def _report(
    spec: BurstSpec,
    users: list[str],
    paid_at: dict[str, float],
    premium_at: dict[str, float],
    settled: dict[str, Any],
    calls_before: tuple[int, int, dict[str, int]],
    calls_after: tuple[int, int, dict[str, int]],
    log: Any,
) -> dict[str, Any]:
    waits = [premium_at[u] - paid_at[u] for u in users if u in premium_at and u in paid_at]
    span = settled["span"]
    events = span["events"] or 0
    ack_s = (span["last_received"] - span["first"]).total_seconds() if events else float("nan")
    handled_s = (
        (span["last_processed"] - span["first"]).total_seconds() if span["last_processed"] else float("nan")
    )
    calls, limited = calls_after[0] - calls_before[0], calls_after[1] - calls_before[1]
    last_paid = max(paid_at.values()) if paid_at else float("nan")
    result = {
        "scenario": spec.scenario,
        "spec": asdict(spec),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "purchases": len(users),
        "paying_seconds": round(last_paid - min(paid_at.values()), 2) if paid_at else None,
        "premium_p50_s": round(_pct(waits, 0.50), 2),
        "premium_p99_s": round(_pct(waits, 0.99), 2),
        "premium_max_s": round(max(waits), 2) if waits else None,
        "all_premium_after_last_paid_s": round(max(premium_at.values()) - last_paid, 2)
        if premium_at
        else None,
        "events": events,
        "acknowledged_per_s": round(events / ack_s, 1) if ack_s and ack_s > 0 else None,
        "handled_per_s": round(events / handled_s, 1) if handled_s and handled_s > 0 else None,
        # From an event's arrival to its handler's end, every event (Premium is one of them).
        "handled_after_p50_s": round(float(settled["lag"]["p50"] or 0), 2),
        "handled_after_p99_s": round(float(settled["lag"]["p99"] or 0), 2),
        "stripe_calls": calls,
        "stripe_calls_per_purchase": round(calls / len(users), 2),
        "stripe_429s": limited,
        "stripe_calls_by_operation": {
            op: n - calls_before[2].get(op, 0)
            for op, n in sorted(calls_after[2].items())
            if n > calls_before[2].get(op, 0)
        },
        "lost": len(users) - len(premium_at),
        "doubled": settled["doubled"],
        "events_failed": settled["by_status"].get("FAILED", 0),
        "commits_per_event": round(settled["commits"] / events, 2) if events else None,
        "events_by_status": settled["by_status"],
    }
    log(
        f"{spec.scenario}: {len(users)} purchases paid in {result['paying_seconds']} s; premium after "
        f"p50 {result['premium_p50_s']} s, p99 {result['premium_p99_s']} s, max {result['premium_max_s']} s; "
        f"events {events}: acknowledged {result['acknowledged_per_s']}/s, "
        f"handled {result['handled_per_s']}/s, each after p50 {result['handled_after_p50_s']} s, "
        f"p99 {result['handled_after_p99_s']} s; "
        f"Stripe calls {calls} ({result['stripe_calls_per_purchase']}/purchase, 429s {limited}); "
        f"lost {result['lost']}, doubled {result['doubled']}, events FAILED {result['events_failed']}; "
        f"database commits {result['commits_per_event']}/event"
    )
    return result


def write(result: dict[str, Any], out_dir: Path = RESULTS) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{result['scenario']}-{result['at'].replace(':', '')}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def median(values: list[float]) -> float:
    return statistics.median(values)
