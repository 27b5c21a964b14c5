"""gunicorn settings read from this directory (`gunicorn wsgi:app` picks this file up by itself).

Only the hooks that Prometheus multiprocess metrics need (PROMETHEUS_MULTIPROC_DIR):
the directory starts empty, and a worker that exits stops counting as live.
"""

import os
from pathlib import Path


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    from jobmatch.ops.metrics import child_exit as mark_dead

    mark_dead(server, worker)
