"""`python -m bench run [--quick] [--database-url URL]`: see bench/run.py."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from bench import run, wrk
from bench.spec import FULL, QUICK, SMOKE

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_data"
DEFAULT_BURST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_burst"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="The gateway's benchmark harness.")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="seed (once), start everything, run S1-S5, print and write results")
    run_p.add_argument("--quick", action="store_true", help="shorter runs, one repetition, fewer S4 events")
    run_p.add_argument(
        "--smoke", action="store_true", help="tiny data, about a second per scenario (the test suite's run)"
    )
    run_p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database of the benchmark (created and seeded if needed; never the test DB)",
    )
    run_p.add_argument("--out", type=Path, default=run.RESULTS)
    burst_p = sub.add_parser(
        "burst", help="S6 (all purchases at once) or S7 (--rate): time from paid to Premium at Stripe's pace"
    )
    burst_p.add_argument("--purchases", type=int, default=200, help="S6: purchases paid at once")
    burst_p.add_argument("--rate", type=float, help="S7: purchases paid per second (with --seconds)")
    burst_p.add_argument("--seconds", type=float, default=60.0, help="S7: for this long")
    burst_p.add_argument("--latency-ms", type=int, default=150)
    burst_p.add_argument("--pace", type=int, default=45, help="STRIPE_MAX_REQUESTS_PER_SECOND per worker")
    burst_p.add_argument("--replicas", type=int, default=1, help="`serve` replicas behind a balancer")
    burst_p.add_argument(
        "--deliveries", type=int, default=8, help="webhook deliveries the sandbox keeps in flight at once"
    )
    burst_p.add_argument(
        "--pool", type=int, default=10, help="DB_POOL_MAX per worker (also its webhook handler slots)"
    )
    burst_p.add_argument(
        "--kill-worker-after", type=float, help="SIGKILL one gateway worker this many seconds into the paying"
    )
    burst_p.add_argument(
        "--endpoint-pace", type=int, default=20, help="STRIPE_MAX_REQUESTS_PER_ENDPOINT_PER_SECOND per worker"
    )
    burst_p.add_argument(
        "--database-url", default=os.environ.get("BENCH_BURST_DATABASE_URL", DEFAULT_BURST_DATABASE_URL),
        help="PostgreSQL database dropped and made afresh for the run (never the test or bench_data DB)",
    )  # fmt: skip
    burst_p.add_argument("--out", type=Path, default=run.RESULTS)
    prof_p = sub.add_parser("profile", help="py-spy one gateway worker while a scenario runs")
    prof_p.add_argument("scenario", choices=["S1", "S2", "S3", "S4"])
    prof_p.add_argument("--seconds", type=float, default=10.0)
    prof_p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args()
    if args.command != "burst" and not wrk.available():
        parser.error("wrk is not installed: apt-get install -y wrk")
    if not args.database_url.startswith("postgres"):
        parser.error("the benchmark runs on PostgreSQL: --database-url postgres://…")
    if args.command == "burst":
        from bench import burst

        purchases = round(args.rate * args.seconds) if args.rate else args.purchases
        spec = burst.BurstSpec(
            purchases=purchases,
            rate=args.rate,
            latency_ms=args.latency_ms,
            pace_per_process=args.pace,
            endpoint_pace_per_process=args.endpoint_pace,
            replicas=args.replicas,
            deliveries=args.deliveries,
            pool=args.pool,
            kill_worker_after_s=args.kill_worker_after,
        )
        result = asyncio.run(burst.run(spec, args.database_url))
        print(f"written to {burst.write(result, args.out)}")
        return
    if args.command == "profile":
        from bench.profile import profile

        asyncio.run(profile(FULL, args.database_url, args.scenario, args.seconds))
        return
    spec = SMOKE if args.smoke else QUICK if args.quick else FULL
    asyncio.run(run.main(spec, args.database_url, args.out))


if __name__ == "__main__":
    main()
