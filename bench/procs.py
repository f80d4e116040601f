"""The processes under test: sandbox, gateway (`billing-gateway serve`) and the raw ceiling.

Each runs in its own process group so the harness can stop exactly what it
started. Worker processes are found through /proc (uvicorn's `--workers`
starts them as children), which is also where RSS and CPU time are read:
no extra dependency, and the figures are the kernel's own.
"""

from __future__ import annotations

import fcntl
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")


# Ports this process reserved: the lock files stay open (locked) until it exits.
_RESERVED: list[IO[str]] = []
_PORT_LOCKS = Path(tempfile.gettempdir()) / "billing-bench-ports"


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port no other benchmark run (nor any client socket) will take before we bind it.

    Two runs at once (two engineers, `bench_a` and `bench_b`) must not collide.
    A port found with ``bind(0)`` comes from the kernel's ephemeral range, the
    same range every outgoing connection (wrk's, httpx's) takes its local port
    from, and it is free only until someone else binds it: the gateway's port
    is chosen seconds before the gateway starts. So ports are drawn below the
    ephemeral range (never handed out by the kernel) and reserved across
    processes with a lock file held for this process's lifetime (released by
    the kernel when it exits, however it exits).
    """
    high = _ephemeral_low() - 1
    low = max(10_000, high - 12_000)
    _PORT_LOCKS.mkdir(exist_ok=True)
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randint(low, high)
        lock = (_PORT_LOCKS / f"{port}.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another run holds it
            lock.close()
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use by something else
                lock.close()
                continue
        _RESERVED.append(lock)
        return port
    raise RuntimeError("no free port to reserve below the ephemeral range")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (fields 14 and 15 of /proc/pid/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat's first line)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / CLK_TCK, sum(fields) / CLK_TCK


def group_cpu_seconds(server: Server) -> float:
    """CPU seconds used so far by a server and its workers (those alive now)."""
    total = 0.0
    for pid in {*(server.workers()), *([server.proc.pid] if server.proc else [])}:
        try:
            total += cpu_seconds(pid)
        except OSError:
            continue
    return total


def load_average() -> float:
    """The 1-minute load average: how busy the shared machine was (2 means both cores full)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass
class Server:
    """One server process (and its uvicorn workers)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ready_path: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    ready_seconds: float | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path, timeout: float = 30.0) -> float:
        """Start and wait until `ready_path` answers 200; returns the seconds that took."""
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("wb")
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [*self.argv, "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() - began < timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
                try:
                    if client.get(self.base_url + self.ready_path).status_code == 200:
                        self.ready_seconds = time.monotonic() - began
                        return self.ready_seconds
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"{self.name} not ready in {timeout} s: {self.log_path.read_text()[-2000:]}")

    def workers(self) -> list[int]:
        """uvicorn's worker processes (the supervisor's children), or the process itself.

        Spawned workers run multiprocessing's `spawn_main`; `serve` forks its
        workers instead, and a forked child keeps the supervisor's command line.
        """
        if self.proc is None:
            return []
        own = cmdline(self.proc.pid)
        workers = [pid for pid in children(self.proc.pid) if "spawn_main" in (c := cmdline(pid)) or c == own]
        return workers or [self.proc.pid]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def sandbox_server() -> Server:
    return Server(
        "sandbox",
        [sys.executable, "-m", "stripe_sandbox.server"],
        {**os.environ},
        "/_sandbox/clock",
    )


def gateway_server(env: dict[str, str], workers: int = 2) -> Server:
    """`billing-gateway serve`, the real CLI, configured only through its environment."""
    return Server(
        "gateway",
        [sys.executable, "-m", "gateway.cli", "serve", "--workers", str(workers)],
        env,
        "/readyz",
    )


def ceiling_server(database_url: str, jwt_secret: str, workers: int = 2) -> Server:
    return Server(
        "ceiling",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.ceiling:app",
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        {
            "PATH": os.environ.get("PATH", ""),
            "BENCH_DATABASE_URL": database_url,
            "AUTH_JWT_SECRET": jwt_secret,
        },
        "/healthz",
    )


@dataclass
class WorkerSample:
    pid: int
    rss_mb: float
    cpu_s: float


def sample(server: Server) -> list[WorkerSample]:
    out = []
    for pid in server.workers():
        try:
            out.append(WorkerSample(pid, rss_mb(pid), cpu_seconds(pid)))
        except OSError:
            continue
    return out
