"""gunicorn settings read from this directory (`gunicorn wsgi:app` picks this file up by itself).

- The app is loaded once in the master (`preload_app`) and the matching index built there before the
  workers fork: they share its arrays copy-on-write, so a new worker (or one restarted after a crash)
  answers its first match at once instead of reading the whole database again, and each adds only the
  pages it changes. `gc.freeze()` keeps the collector from touching (and so copying) those pages.
- No control socket: the service is run and stopped by its supervisor's signals, and a socket under
  the user's home would be shared by every instance started by that user on the machine.
- Prometheus multiprocess metrics (PROMETHEUS_MULTIPROC_DIR): the directory starts empty, and a worker
  that exits stops counting as live.
"""

import gc
import logging
import os
import time
from pathlib import Path

preload_app = True
control_socket_disable = True


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def when_ready(server):
    """Build the matching index in the master and bring the subsidy candidates up to date (so that the first
    list of due subsidies after a start does not work them all out), then close the master's connections
    before the workers fork."""
    from jobmatch.extensions import db
    from jobmatch.matches.index import index
    from jobmatch.placements import duetable
    from jobmatch.placements.service import subsidy_rules

    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # another app served with these settings (bench/baseline_app.py): no index to build
    started = time.perf_counter()
    with app.app_context():
        try:
            index().build_shared()
        except Exception:  # a database not ready yet: each worker builds its own at its first match
            logging.getLogger("jobmatch").exception("matching index not built before fork")
            app.extensions.pop("match_index", None)
        built = time.perf_counter()
        try:
            duetable.refresh(list(subsidy_rules().values()))
        except Exception:  # the first list of due subsidies does it instead
            logging.getLogger("jobmatch").exception("subsidy candidates not brought up to date before fork")
            db.session.rollback()
        finally:
            db.session.remove()
            db.engine.dispose()
    server.log.info("matching index built in %.1f s, shared by the workers", built - started)
    server.log.info("subsidy candidates up to date in %.1f s", time.perf_counter() - built)
    gc.freeze()


def child_exit(server, worker):
    from jobmatch.ops.metrics import child_exit as mark_dead

    mark_dead(server, worker)
