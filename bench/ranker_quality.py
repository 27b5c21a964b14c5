"""Quality of the ranker as cadres read it: NDCG@10 and top-3 precision over each laborer's list.

1. The demo county (`jobmatch/demo.py`): loaded into a fresh SQLite database in a temporary folder,
   `flask ranker train` on its history (time-split hold-out: each laborer's later referrals), the
   trained model and the prior against distance only, skill only and skill-then-nearest; then
   `flask ranker backtest` of the trained model.
2. The simulated county (bench/simulator.py): trained on some laborers' history, measured on every
   candidate post of other laborers with labels drawn from the true chance, and the ceiling (the
   true chance itself).

Run: PYTHONPATH=. .venv/bin/python bench/ranker_quality.py [--skip-demo] [--skip-simulator]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from bench import simulator
from jobmatch import create_app
from jobmatch.crypto import new_key
from jobmatch.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-simulator", action="store_true")
    args = parser.parse_args()
    if not args.skip_demo:
        demo_county()
    if not args.skip_simulator:
        for seed in (7, 11):
            simulator.report(seed)


def demo_county() -> None:
    folder = Path(tempfile.mkdtemp(prefix="jobmatch-quality-"))
    print(f"demo county in {folder}")
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
            "DATA_KEY": os.environ.get("JOBMATCH_QUALITY_DATA_KEY") or new_key(),
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
        if trained.exit_code != 0:
            raise SystemExit(f"training failed: {trained.output}") from trained.exception
        print(f"(trained in {time.perf_counter() - started:.1f} s; files in {folder / 'models'})")
        promoted = runner.invoke(args=["ranker", "promote", trained.stdout.split()[1]])
        print(promoted.output.strip())
        backtest = runner.invoke(args=["ranker", "backtest"])
        print(backtest.output.strip())
        db.engine.dispose()


if __name__ == "__main__":
    main()
