"""Medians per scenario, the issue's targets checked, and the printed table."""

from __future__ import annotations

import statistics
from typing import Any

FIELDS = ("rps", "p50_ms", "p95_ms", "p99_ms", "cpu_ms_per_request")


def aggregate(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Medians over the kept repetitions of each (scenario, target)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in result["runs"]:
        groups.setdefault((run["scenario"], run["target"]), []).append(run)
    out = {}
    for key, runs in groups.items():
        row: dict[str, Any] = {"runs": len(runs)}
        for name in FIELDS:
            values = [r[name] for r in runs if r.get(name) is not None]
            row[name] = statistics.median(values) if values else None
        row["errors"] = sum(r["errors"] for r in runs)
        row["requests"] = sum(r["requests"] for r in runs)
        row["one_worker_runs"] = sum(1 for r in runs if r.get("one_worker"))
        row["peak_rss_mb"] = max((max(r["rss_mb"]) for r in runs if r.get("rss_mb")), default=None)
        out[key] = row
    return out


def _check(value: float | None, ok: bool, target: str) -> dict[str, Any]:
    return {"value": value, "target": target, "met": bool(ok) if value is not None else False}


def targets(result: dict[str, Any]) -> dict[str, Any]:
    agg = aggregate(result)
    g = lambda s: agg.get((s, "gateway"), {})  # noqa: E731
    c = lambda s: agg.get((s, "ceiling"), {})  # noqa: E731
    ratio = lambda s: (g(s)["rps"] / c(s)["rps"]) if g(s).get("rps") and c(s).get("rps") else None  # noqa: E731
    stm = result.get("statements_per_request", {})
    timeline = result.get("rss_timeline", [])
    peak_rss = max((max(t["rss_mb"]) for t in timeline if t["rss_mb"]), default=None)
    # Leak check: RSS after the first half of the leak phase's requests against its end.
    leak = result.get("leak") or {}
    growth = leak.get("growth")
    s4 = next((r for r in result["runs"] if r["scenario"] == "S4"), None)

    def paired_ratio(s: str) -> float | None:
        """Median over repetitions of gateway/ceiling req/s measured back to back (the alternating design)."""
        per_rep: dict[int, dict[str, float]] = {}
        for run in result["runs"]:
            if run["scenario"] == s and "repetition" in run:
                per_rep.setdefault(run["repetition"], {})[run["target"]] = run["rps"]
        ratios = [
            r["gateway"] / r["ceiling"] for r in per_rep.values() if r.get("gateway") and r.get("ceiling")
        ]
        return statistics.median(ratios) if ratios else None

    def cpu_ratio(s: str) -> float | None:
        """Ceiling CPU per request / gateway CPU per request: the ratio machine contention moves least."""
        gc, cc = g(s).get("cpu_ms_per_request"), c(s).get("cpu_ms_per_request")
        return cc / gc if gc and cc else None

    checks = {
        "S1 ratio to ceiling (paired)": _check(
            paired_ratio("S1"), (paired_ratio("S1") or 0) >= 0.5, ">= 0.5"
        ),
        "S1 p99 ms": _check(g("S1").get("p99_ms"), (g("S1").get("p99_ms") or 1e9) <= 50, "<= 50"),
        "S2 p50 / S1 p50": _check(
            g("S2")["p50_ms"] / g("S1")["p50_ms"]
            if g("S2").get("p50_ms") and g("S1").get("p50_ms")
            else None,
            g("S2").get("p50_ms", 1e9) <= 1.2 * g("S1").get("p50_ms", 0),
            "<= 1.2",
        ),
        "statements first=5 vs first=100": _check(
            stm.get("S1 first=100 gateway"),
            stm.get("S1 first=5 gateway") == stm.get("S1 first=100 gateway"),
            f"identical (first=5: {stm.get('S1 first=5 gateway')})",
        ),
        "S3 ratio to ceiling (paired)": _check(
            paired_ratio("S3"), (paired_ratio("S3") or 0) >= 0.6, ">= 0.6"
        ),
        "S4 events/s": _check(s4 and s4["rps"], bool(s4) and s4["rps"] >= 300, ">= 300"),
        "S4 p99 ack ms": _check(s4 and s4["p99_ms"], bool(s4) and s4["p99_ms"] <= 100, "<= 100"),
        "S4 lost + doubled": _check(
            s4 and s4["verification"]["lost"] + s4["verification"]["doubled"],
            bool(s4)
            and s4["verification"]["lost"] + s4["verification"]["doubled"] == 0
            and s4["errors"] == 0,
            "0",
        ),
        "peak RSS per worker MB": _check(peak_rss, (peak_rss or 1e9) <= 150, "<= 150"),
        "RSS growth, first vs last half of the leak check": _check(
            growth, growth is not None and growth < 0.10, f"< 10 % ({leak.get('requests', 0)} requests)"
        ),
        "serve ready s": _check(
            result.get("ready_seconds", {}).get("gateway"),
            result.get("ready_seconds", {}).get("gateway", 99) <= 2,
            "<= 2",
        ),
    }

    return {
        "medians": {f"{s} {t}": row for (s, t), row in agg.items()},
        "ratios": {s: ratio(s) for s in ("S1", "S2", "S3")},
        "paired_ratios": {s: paired_ratio(s) for s in ("S1", "S2", "S3")},
        "cpu_ratios": {s: cpu_ratio(s) for s in ("S1", "S2", "S3")},
        "checks": checks,
        "gateway_requests_served": result["rss_timeline"][-1]["gateway_requests"] if timeline else 0,
    }


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(result: dict[str, Any]) -> None:
    summary = result["summary"]
    stm = result.get("statements_per_request", {})
    print(
        "\nscenario  target    runs   req/s   p50 ms  p95 ms  p99 ms  errors  cpu ms/req  SQL/req"
        "  peak RSS MB"
    )
    for key, row in summary["medians"].items():
        scenario, target = key.split(" ", 1)
        sql = stm.get(f"{scenario} {target}")
        print(
            f"{scenario:9s} {target:8s} {row['runs']:4d} {_fmt(row['rps']):>8s} {_fmt(row['p50_ms']):>8s}"
            f" {_fmt(row['p95_ms']):>7s} {_fmt(row['p99_ms']):>7s} {row['errors']:7d}"
            f" {_fmt(row['cpu_ms_per_request'], 2):>11s} {_fmt(sql):>8s} {_fmt(row['peak_rss_mb']):>12s}"
            + ("  one worker did it all" if row["one_worker_runs"] else "")
        )
    ratios = summary["ratios"]
    print(
        "\ngateway/ceiling req/s (of medians): " + ", ".join(f"{s} {_fmt(r, 2)}x" for s, r in ratios.items())
    )
    paired = summary.get("paired_ratios", {})
    print("gateway/ceiling req/s (median of back-to-back pairs): "
          + ", ".join(f"{s} {_fmt(r, 2)}x" for s, r in paired.items()))  # fmt: skip
    cpu = summary.get("cpu_ratios", {})
    print("ceiling/gateway CPU per request: " + ", ".join(f"{s} {_fmt(r, 2)}x" for s, r in cpu.items()))
    keyset = result.get("keyset_sql")
    if keyset:
        print(f"keyset SQL server time: first page {keyset['first_page_ms']:.3f} ms, "
              f"deep page {keyset['deep_page_ms']:.3f} ms")  # fmt: skip
    loads = [x for r in result["runs"] for x in r.get("load_average_1m", [])]
    if loads:
        print(f"machine load average (1 min) during runs: {min(loads):.1f} to {max(loads):.1f} on "
              f"{result.get('machine', {}).get('cpus')} CPUs")  # fmt: skip
    print(f"gateway requests served in the run: {summary.get('gateway_requests_served')}")
    leak = result.get("leak")
    if leak:
        print(f"leak check: {leak['requests']} S1 requests in {leak['seconds']} s; RSS per worker "
              f"{leak['rss_mb_after_first_half']} MB after the first half, {leak['rss_mb_at_end']} MB "
              f"at the end")  # fmt: skip
    samples = ", ".join(_fmt(x, 2) for x in result.get("ready_seconds_samples", []))
    print(f"serve ready: {_fmt(result.get('ready_seconds', {}).get('gateway'), 2)} s (median of {samples}); "
          f"differential: {result.get('differential', {}).get('identical')}/"
          f"{result.get('differential', {}).get('compared')} identical; "
          f"discarded one-worker runs: {len(result.get('discarded_runs', []))}")  # fmt: skip
    print(f"\n{'target':50s}      value        target       met")
    for name, check in summary["checks"].items():
        value = check["value"]
        shown = f"{value:.3g}" if isinstance(value, float) else _fmt(value)
        print(f"{name:50s} {shown:>10s}   {check['target']:>12s}   {'yes' if check['met'] else 'NO'}")
