"""How soon a gunicorn worker answers its first match, and what each worker adds in memory.

    python bench/index_share.py postgresql://postgres@127.0.0.1:5432/province [--port 8765]

Run against the province database of bench/province.py. Starts gunicorn (this directory's
gunicorn.conf.py: the app preloaded and the matching index built in the master) with one worker,
then:
1. the time from start until the master has built the index, and until the first match is answered;
2. a second worker added (SIGTTIN), the first killed: the time from the new worker's start to its
   first match, which must not read the whole database again;
3. each worker's memory: resident, proportional (PSS) and private (what it alone holds), from /proc.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _token(env: dict) -> str:
    """A bureau token of the demo county (its users made first, as `make run` does)."""
    flask = str(ROOT / ".venv/bin/flask")
    subprocess.run([flask, "demo", "users"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [
            str(ROOT / ".venv/bin/flask"),
            "users",
            "create-token",
            "demo-bureau",
            "--role",
            "bureau",
            "--label",
            "index-bench",
            "--replace",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _memory(pid: int) -> dict[str, float]:
    """kB → MB of Rss, Pss and Private (clean + dirty) from smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "private": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
    }


def _match(base: str, token: str, laborer_id: int, timeout: float = 300) -> float:
    request = urllib.request.Request(
        f"{base}/api/v1/laborers/{laborer_id}/matches?limit=10", headers={"Authorization": f"Bearer {token}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        answer.read()
    return time.perf_counter() - started


def _wait_listening(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    env = dict(os.environ, DATABASE_URL=args.url, FLASK_APP="wsgi")
    token = _token(env)
    base = f"http://127.0.0.1:{args.port}"

    started = time.monotonic()
    master = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{args.port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_listening(base, started + 900)
        ready = time.monotonic() - started
        first = _match(base, token, 1)
        print(f"start → workers serving (index built in the master): {ready:.1f} s")
        print(f"first match of the first worker: {first * 1000:.0f} ms")
        for laborer_id in (2, 3, 4):
            _match(base, token, laborer_id)
        (old,) = _children(master.pid)
        memory_old = _memory(old)
        master_memory = _memory(master.pid)

        master.send_signal(signal.SIGTTIN)
        deadline = time.monotonic() + 60
        while len(_children(master.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        new = next(pid for pid in _children(master.pid) if pid != old)
        forked = time.monotonic()
        os.kill(old, signal.SIGKILL)
        # The master respawns for the killed one only down to --workers 1 … 2 now (TTIN): stop it at one.
        master.send_signal(signal.SIGTTOU)
        latency = _match(base, token, 5)
        print(
            f"new worker: first match {time.monotonic() - forked:.2f} s after it was forked ({latency * 1000:.0f} ms)"
        )
        for laborer_id in range(6, 26):
            _match(base, token, laborer_id)
        memory_new = _memory(new)
        print("memory MB (rss / pss / private): master {rss:.0f} / {pss:.0f} / {private:.0f}".format(**master_memory))
        print("  first worker after 4 matches  {rss:.0f} / {pss:.0f} / {private:.0f}".format(**memory_old))
        print("  new worker after 21 matches   {rss:.0f} / {pss:.0f} / {private:.0f}".format(**memory_new))
    finally:
        master.terminate()
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()


if __name__ == "__main__":
    main()
