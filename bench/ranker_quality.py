"""Quality of the ranker on the demo county's history: AUC and NDCG@10 on a time-split hold-out.

Loads the demo county into a fresh SQLite database in a temporary folder, trains with
`flask ranker train`, and prints the model against the baselines (distance only, skill only,
the prior). Run: PYTHONPATH=. .venv/bin/python bench/ranker_quality.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from jobmatch import create_app
from jobmatch.crypto import new_key
from jobmatch.extensions import db


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="jobmatch-quality-"))
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
            "DATA_KEY": new_key(),
            "MODELS_DIR": str(folder / "models"),
        }
    )
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        loaded = runner.invoke(args=["demo", "load"])
        print(loaded.stdout.strip().splitlines()[-1], f"({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        trained = runner.invoke(args=["ranker", "train"])
        print(trained.stdout.strip())
        print(f"(trained in {time.perf_counter() - started:.1f} s; files in {folder / 'models'})")
        db.engine.dispose()


if __name__ == "__main__":
    main()
