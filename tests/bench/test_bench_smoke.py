"""The benchmark harness cannot rot: a tiny-data run of `python -m bench run --smoke`.

It runs the real harness end to end (seeding, `serve` with 2 workers, the
ceiling, wrk, the webhook and checkout load generators, the checks) in a
subprocess, on a database of its own created next to the test database and
dropped afterwards, so the suite's database is never touched. Figures are not
asserted (a few seconds on a shared machine say nothing); correctness is: the
ceiling answers byte-identically, no request failed, every webhook had exactly
one effect, and a page costs the same statements whatever its size.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.seed import drop_database, server_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.timeout(240),
    # CI installs wrk (scripts/bootstrap) and must run this; elsewhere a missing wrk skips it.
    pytest.mark.skipif(
        shutil.which("wrk") is None and os.environ.get("CI") != "true",
        reason="wrk is not installed (apt-get install -y wrk)",
    ),
]


@pytest.fixture
def smoke_database_url(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/") + "_bench_smoke"
    url = server_url(database_url.split("?")[0], name)
    asyncio.run(drop_database(url))
    yield url
    asyncio.run(drop_database(url))


def test_a_tiny_benchmark_run_measures_every_scenario_correctly(
    smoke_database_url: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            "--smoke",
            "--database-url",
            smoke_database_url,
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=220,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [result_file] = tmp_path.glob("bench-*.json")
    result = json.loads(result_file.read_text())

    assert result["rows"]["payments"] == 2_000
    assert result["differential"]["compared"] > 0
    assert result["differential"]["identical"] == result["differential"]["compared"], result["differential"]

    runs = {(r["scenario"], r["target"]) for r in result["runs"]}
    assert runs == {(s, t) for s in ("S1", "S2", "S3") for t in ("gateway", "ceiling")} | {
        ("S4", "gateway"),
        ("S5", "gateway"),
    }
    for run in result["runs"]:
        assert run["requests"] > 0, run
        assert run["errors"] == 0, run

    s4 = next(r for r in result["runs"] if r["scenario"] == "S4")
    assert s4["distinct_events"] == 6
    assert s4["verification"] == {
        "events_processed": 6,
        "events_not_processed": 0,
        "lost": 0,
        "doubled": 0,
        "renewal_payments": 6,
    }

    statements = result["statements_per_request"]
    assert statements["S1 first=5 gateway"] == statements["S1 first=100 gateway"]
    assert len(result["ready_seconds_samples"]) == 3 and result["ready_seconds"]["gateway"] > 0
    assert result["summary"]["checks"]["peak RSS per worker MB"]["value"] > 0
    assert result["summary"]["checks"]["S1 ratio to ceiling (paired)"]["value"] > 0
    leak = result["leak"]  # the leak check served its requests and sampled RSS at half and end
    assert leak["requests"] >= 200 and len(leak["rss_mb_at_end"]) == 2, leak
    growth = result["summary"]["checks"]["RSS growth, first vs last half of the leak check"]
    assert growth["value"] is not None, growth


@pytest.fixture
def burst_database_url(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/") + "_bench_burst"
    url = server_url(database_url.split("?")[0], name)
    yield url
    asyncio.run(drop_database(url))


@pytest.mark.parametrize("replicas", [1, 2])
def test_a_tiny_purchase_burst_makes_every_buyer_premium_once(
    burst_database_url: str, tmp_path: Path, replicas: int
) -> None:
    """S6 with 6 purchases at Stripe's latency and limits: everyone premium, nothing lost or doubled;
    with two replicas behind the bench's balancer too."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "burst", "--purchases", "6", "--replicas", str(replicas),
         "--database-url", burst_database_url, "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=220,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [result_file] = tmp_path.glob("S6-*.json")
    result = json.loads(result_file.read_text())
    assert (result["purchases"], result["lost"], result["doubled"], result["events_failed"]) == (6, 0, 0, 0)
    assert result["events"] >= 6 * 5  # Stripe's events of each purchase all arrived
    assert 0 < result["stripe_calls_per_purchase"] <= 6, result["stripe_calls_by_operation"]
    if replicas > 1:  # Stripe's deliveries reached both replicas through the balancer
        assert all(n > 0 for n in result["connections_per_replica"]), result["connections_per_replica"]
