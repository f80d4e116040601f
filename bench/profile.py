"""Profile one scenario: `python -m bench profile S1|S2|S3|S4 [--seconds N]`.

Starts the same environment as a run (seeded database, sandbox, `serve` with 2
workers), drives the scenario with wrk (S4: the load generator, once through
S4's events, then until the inbox backlog drained; `--seconds` does not apply)
and samples ONE gateway worker with py-spy meanwhile (`pip install py-spy`). Writes the collapsed stacks and a
flame graph to bench/results/ and prints where the time goes: the share of
samples per function (inclusive) and per leaf (self), so an optimisation is
chosen by the profile, not by guesswork.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench import wrk
from bench.run import APP_START_BODY, RESULTS, Bench, payments_body
from bench.spec import RunSpec


def summarise(collapsed: Path, top: int = 30) -> str:
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for name in set(frames):
            inclusive[name] += count
        leaf[frames[-1]] += count
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in leaf.most_common(top)]
    return "\n".join(lines)


async def profile(spec: RunSpec, database_url: str, scenario: str, seconds: float) -> Path:
    # Installed into the venv by `pip install py-spy`, which need not be on PATH.
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if py_spy is None:
        raise SystemExit("py-spy is not installed: pip install py-spy")
    bench = Bench(spec, database_url)
    try:
        await bench.setup()
        if scenario == "S4":
            return await _profile_s4(bench, py_spy)
        if scenario == "S1":
            bodies = [(t, payments_body()) for _, t in bench.read_tokens]
        elif scenario == "S2":
            bodies = [(t, payments_body(after=c)) for _, t, c in bench.deep_cursors]
        else:
            bodies = [(t, APP_START_BODY) for _, t in bench.read_tokens]
        script = wrk.write_script(
            bench.workdir, f"profile-{scenario}", [("/graphql", t, b) for t, b in bodies]
        )
        url = bench.gateway.base_url + "/graphql"
        wrk.run(url, script, 2, spec.connections)
        worker = bench.gateway.workers()[0]
        collapsed = _collapsed_path(scenario)
        spy = subprocess.Popen(  # noqa: ASYNC220 - runs beside wrk, waited for below
            [py_spy, "record", "-p", str(worker), "-d", str(int(seconds)), "-r", "200",
             "--gil", "-f", "raw", "-o", str(collapsed)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        result = wrk.run(url, script, seconds + 1, spec.connections)
        spy.wait(timeout=60)
        print(f"{scenario}: {result['rps']:.1f} req/s, p99 {result['p99_ms']:.1f} ms while profiling")
        print(summarise(collapsed))
        return collapsed
    finally:
        for server in ("gateway", "ceiling", "sandbox"):
            if hasattr(bench, server):
                getattr(bench, server).stop()
        if hasattr(bench, "stripe"):
            await bench.stripe.aclose()


async def _profile_s4(bench: Bench, py_spy: str) -> Path:
    """S4's events sent once, py-spy on one worker from the first event until the backlog drained."""
    events, plan, setup_seconds = await bench.prepare_s4()
    collapsed = _collapsed_path("S4")
    worker = bench.gateway.workers()[0]
    spy = subprocess.Popen(  # noqa: ASYNC220 - runs beside the load, stopped below
        [py_spy, "record", "-p", str(worker), "-r", "200", "--gil", "-f", "raw", "-o", str(collapsed)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        cpu_before = bench._s4_cpu()
        result = bench._measured(bench.gateway, lambda: bench._loadgen(plan, "S4"))
        await bench._record_s4(result, events, plan, setup_seconds, cpu_before)
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        spy.wait(timeout=60)
    print(summarise(collapsed))
    return collapsed


def _collapsed_path(scenario: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"profile-{scenario}.txt"
