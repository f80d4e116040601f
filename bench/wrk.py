"""Drive a scenario with `wrk` (C, one thread) and a generated Lua script.

`wrk` costs far less CPU per request than any Python client, which matters on
a 2-core machine shared with the servers. The script picks a pre-built request
(its own token per user) round-robin from a random start per connection,
counts non-200 answers and GraphQL `errors` as errors, and prints one JSON line
with wrk's exact latency percentiles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

LUA = r"""
local reqs = dofile("%(data)s")
local idx = 0
bad = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  idx = math.random(#reqs)
end

function request()
  idx = idx %% #reqs + 1
  local r = reqs[idx]
  return wrk.format("POST", r[1], {["Authorization"] = "Bearer " .. r[2],
                                     ["Content-Type"] = "application/json"}, r[3])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p95_us":%%d,"p99_us":%%d,"max_us":%%d,' ..
    '"socket_errors":%%d,"bad_answers":%%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, b + e.status))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII


def write_script(workdir: Path, name: str, requests: list[tuple[str, str, str]]) -> Path:
    """`requests`: (path, token, body) triples."""
    data = workdir / f"{name}.data.lua"
    rows = ",\n".join(f"{{{lua_string(p)}, {lua_string(t)}, {lua_string(b)}}}" for p, t, b in requests)
    data.write_text("return {\n" + rows + "\n}\n")
    script = workdir / f"{name}.lua"
    script.write_text(LUA % {"data": str(data)})
    return script


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, script: Path, seconds: float, connections: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCHJSON "))
    raw = json.loads(line.removeprefix("BENCHJSON "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": seconds_run,
        "rps": raw["requests"] / seconds_run if seconds_run else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": raw["socket_errors"] + raw["bad_answers"],
    }
