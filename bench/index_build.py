"""CPU, time and memory of building one worker's matching index from the database.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/province .venv/bin/python bench/index_build.py

Run against the province database of bench/province.py (or any). Prints wall time, CPU time of this
process (the database's own work is not in it) and the resident memory the index added.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobmatch import create_app  # noqa: E402
from jobmatch.matches.index import index  # noqa: E402


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    app = create_app()
    with app.app_context():
        before, started, cpu = _rss_mb(), time.perf_counter(), time.process_time()
        catalogue = index().current()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"index of {catalogue.laborers.table.size:,} laborers and {catalogue.openings.table.size:,} openings: "
            f"{wall:.1f} s wall, {cpu:.1f} s CPU, +{_rss_mb() - before:.0f} MB resident"
        )


if __name__ == "__main__":
    main()
