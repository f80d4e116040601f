"""`/readyz` turns 503 when PostgreSQL becomes unreachable and 200 again by itself when it returns.

A real `serve` process reaches PostgreSQL through a TCP proxy the test
controls; the outage is made there (the shared server cannot be stopped).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from ops_serve import ServeProcess, free_port, serve_env
from tcp_proxy import CuttableProxy

pytestmark = pytest.mark.postgres_only

OUTAGE_SEEN_WITHIN = 5.0  # seconds; readyz itself gives up on the database after 2 s
RECOVERED_WITHIN = 15.0


def through(proxy: CuttableProxy, database_url: str) -> str:
    parts = urlsplit(database_url)
    netloc = parts.netloc.rsplit("@", 1)
    auth = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit((parts.scheme, f"{auth}127.0.0.1:{proxy.port}", parts.path, parts.query, ""))


@pytest.fixture
def proxied(migrated_db: str) -> Iterator[tuple[CuttableProxy, ServeProcess]]:
    target = urlsplit(migrated_db)
    proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    nobody = f"http://127.0.0.1:{free_port()}"
    server = ServeProcess(serve_env(through(proxy, migrated_db), nobody, LOG_LEVEL="WARNING"))
    try:
        server.start()
        yield proxy, server
    finally:
        server.close()
        proxy.close()


def wait_for(http: httpx.Client, status: int, within: float) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    while True:
        response = http.get("/readyz")
        if response.status_code == status:
            return time.perf_counter() - started, response
        assert time.perf_counter() - started < within, (status, response.status_code, response.text)
        time.sleep(0.1)


def outage_and_recovery(http: httpx.Client, proxy: CuttableProxy, server: ServeProcess, how: str) -> None:
    pid = server.proc.pid if server.proc else None
    assert http.get("/readyz").status_code == 200
    getattr(proxy, how)()
    took, response = wait_for(http, 503, OUTAGE_SEEN_WITHIN)
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert response.elapsed.total_seconds() < 3.0  # the probe answers, it does not hang
    assert http.get("/healthz").status_code == 200  # the process is up; only readiness fails
    proxy.restore()
    recovered, _ = wait_for(http, 200, RECOVERED_WITHIN)
    # Nothing restarted: same process, and the database answers real queries again.
    assert server.proc is not None and server.proc.pid == pid
    answer = http.post("/graphql", json={"query": "{ prices { lookupKey } }"})
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    print(f"readyz {how}: 503 after {took:.2f} s, 200 again {recovered:.2f} s after restore")


def test_readyz_follows_a_database_that_goes_away_and_comes_back(
    db: str, proxied: tuple[CuttableProxy, ServeProcess]
) -> None:
    proxy, server = proxied
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        outage_and_recovery(http, proxy, server, "cut")  # connections reset, new ones refused
        outage_and_recovery(http, proxy, server, "stall")  # a partition: nothing answers at all
