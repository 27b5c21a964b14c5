"""Run `wrk` over a list of requests and measure the CPU the server processes spent on them.

- `run(base_url, requests, seconds, connections, server_pids)`: wrk with one connection per thread (so
  each thread's Lua state pairs every response with its request), the requests taken in turn from a list
  written into the Lua script; every response's endpoint, status and latency (µs) goes to a file per
  thread, from which the figures per endpoint are computed here. CPU: utime + stime of the given
  processes from /proc/<pid>/stat, before and after, divided by the requests answered.
- `postgres_backends(url)`: the PostgreSQL server processes serving that database now (the service's
  pooled connections), to measure the database's CPU the same way.

wrk is Debian's package (`bash scripts/bench-tools.sh` installs it); it costs a fraction of Locust's CPU
per request, so on a small machine it measures the service rather than itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } jm_timespec;
int clock_gettime(int clk_id, jm_timespec *tp);
]]
local now_ts = ffi.new("jm_timespec")
local function now_us()
  ffi.C.clock_gettime(1, now_ts)
  return tonumber(now_ts.tv_sec) * 1000000 + tonumber(now_ts.tv_nsec) / 1000
end

local requests = REQUESTS_HERE
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local interval_us = INTERVAL_HERE
local index, started, current, out, next_at
function init(args)
  index = (id * 7919) % #requests
  out = io.open(OUT_DIR .. "/thread-" .. id .. ".tsv", "w")
end

-- Paced (interval_us > 0): each connection starts its requests on a grid, so the whole run asks for
-- connections / interval requests a second, whatever the answers' times (a request late on its slot
-- goes at once).
function delay()
  if interval_us <= 0 then
    return 0
  end
  local now = now_us()
  if next_at == nil then
    next_at = now + (id % 97) * interval_us / 97
  end
  local wait = next_at - now
  next_at = math.max(next_at, now) + interval_us
  if wait <= 0 then
    return 0
  end
  return wait / 1000
end

function request()
  index = index % #requests + 1
  current = requests[index]
  started = now_us()
  return wrk.format(current[2], current[3], current[4], current[5])
end

function response(status, headers, body)
  out:write(current[1], "\t", status, "\t", math.floor(now_us() - started), "\n")
  out:flush()
end
"""


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def _lua_requests(requests: list[dict]) -> str:
    """The requests as a Lua table: {name, method, path, headers, body}."""
    rows = []
    for r in requests:
        headers = (
            "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in r.get("headers", {}).items()) + "}"
        )
        body = _lua_string(r["body"]) if r.get("body") else "nil"
        rows.append(
            f"{{{_lua_string(r['name'])}, {_lua_string(r['method'])}, {_lua_string(r['path'])}, {headers}, {body}}}"
        )
    return "{\n" + ",\n".join(rows) + "\n}"


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (those that ended meanwhile count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS_PER_SECOND


def postgres_backends(database_url: str) -> list[int]:
    """The server processes of the database's open connections (visible when PostgreSQL runs on this machine)."""
    if not database_url.startswith("postgres"):
        return []
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows if Path(f"/proc/{pid}").exists()]


def percentile(values: list[int], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000


def run(
    base_url: str,
    requests: list[dict],
    seconds: float,
    connections: int,
    server_pids: list[int],
    database_pids: list[int] | None = None,
    rate: float = 0,
) -> dict:
    """Run wrk; figures per endpoint and CPU per request of the server processes and of the database.

    `rate` > 0 paces the run to about that many requests a second in all (0: as fast as answers come).
    """
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `bash scripts/bench-tools.sh` (Debian's wrk package)")
    database_pids = database_pids or []
    with tempfile.TemporaryDirectory(prefix="jobmatch-wrk-") as folder:
        script = Path(folder) / "mix.lua"
        interval_us = connections / rate * 1_000_000 if rate > 0 else 0
        lua = LUA.replace("REQUESTS_HERE", _lua_requests(requests)).replace("INTERVAL_HERE", f"{interval_us:.0f}")
        script.write_text(lua.replace("OUT_DIR", _lua_string(folder)))
        server_before, database_before = cpu_seconds(server_pids), cpu_seconds(database_pids)
        done = subprocess.run(
            [
                "wrk",
                "-t",
                str(connections),
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",  # wrk takes whole seconds
                "--timeout",
                "30s",
                "-s",
                str(script),
                base_url,
            ],
            capture_output=True,
            text=True,
        )
        server_after, database_after = cpu_seconds(server_pids), cpu_seconds(database_pids)
        if done.returncode != 0 or ".lua:" in done.stderr:
            raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
        by_endpoint: dict[str, dict] = {}
        for path in Path(folder).glob("thread-*.tsv"):
            for line in path.read_text().splitlines():
                name, status, micros = line.split("\t")
                row = by_endpoint.setdefault(name, {"latencies": [], "errors": 0})
                row["latencies"].append(int(micros))
                if not 200 <= int(status) < 400:
                    row["errors"] += 1
    elapsed = _duration(done.stdout) or seconds
    total = sum(len(r["latencies"]) for r in by_endpoint.values())
    endpoints = []
    for name in sorted(by_endpoint):
        latencies = by_endpoint[name]["latencies"]
        endpoints.append(
            {
                "endpoint": name,
                "requests": len(latencies),
                "rps": len(latencies) / elapsed,
                "p50_ms": percentile(latencies, 0.50),
                "p95_ms": percentile(latencies, 0.95),
                "p99_ms": percentile(latencies, 0.99),
                "errors": by_endpoint[name]["errors"],
            }
        )
    return {
        "requests": total,
        "rps": total / elapsed,
        "errors": sum(r["errors"] for r in endpoints),
        "server_cpu_ms_per_request": 1000 * (server_after - server_before) / max(total, 1),
        "database_cpu_ms_per_request": 1000 * (database_after - database_before) / max(total, 1),
        "endpoints": endpoints,
        "wrk": done.stdout,
        "stderr": done.stderr,
    }


def _duration(stdout: str) -> float | None:
    """wrk's own measure of the run ("N requests in 10.01s")."""
    for line in stdout.splitlines():
        if " requests in " in line:
            value = line.split(" requests in ")[1].split(",")[0].strip()
            if value.endswith("ms"):
                return float(value[:-2]) / 1000
            if value.endswith("m"):
                return float(value[:-1]) * 60
            return float(value.rstrip("s"))
    return None


def table(title: str, result: dict) -> str:
    lines = [
        f"{title}: {result['requests']} requests, {result['rps']:.0f} req/s, {result['errors']} errors; "
        f"CPU per request: server {result['server_cpu_ms_per_request']:.2f} ms, "
        f"PostgreSQL {result['database_cpu_ms_per_request']:.2f} ms",
        f"  {'endpoint':<36} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}",
    ]
    for r in result["endpoints"]:
        lines.append(
            f"  {r['endpoint']:<36} {r['requests']:>8} {r['rps']:>7.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['p99_ms']:>7.1f} {r['errors']:>6}"
        )
    return "\n".join(lines)


def dump(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "wrk"} for k, v in results.items()}, indent=2)
    )
