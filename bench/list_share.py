"""How much of all laborers' lists the most-shown posts take, on the demo county.

For every laborer of the demo county who wants work and can work, asks the matching service for the ten
best posts (`matches_for_laborer`, as the API does) and prints the share of all top-10 slots taken by the
10 (and 50) most-shown posts, the share of the single most-shown post, how many distinct posts were shown,
the mean chance of lasting work of the listed posts (what spreading the lists costs), how many lists held two
entries of the same employer or workshop with the same title, and how many offered a post the laborer already
holds or has an open referral for.

    PYTHONPATH=. .venv/bin/python bench/list_share.py [--db /tmp/jobmatch-demo.sqlite3] [--sample 2000]

The database is built once (migrations and `flask demo load`) and kept at --db for the next run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/jobmatch-list-share.sqlite3", help="SQLite file with the demo county")
    parser.add_argument("--sample", type=int, default=0, help="every n-th laborer only (0: all)")
    parser.add_argument("--exposure-weight", type=float, help="an engine.EXPOSURE_WEIGHT to try instead")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.db).resolve()}"
    os.environ.setdefault("JOBMATCH_ENV", "development")

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from jobmatch import create_app, demo
    from jobmatch.extensions import db
    from jobmatch.matches import service
    from jobmatch.people.models import Laborer
    from jobmatch.placements.models import Employment, Referral
    from jobmatch.vocab import LaborCapacity, ReferralState, Willingness

    if args.exposure_weight is not None:
        from jobmatch.matching import engine

        engine.EXPOSURE_WEIGHT = args.exposure_weight
    app = create_app()
    with app.app_context():
        upgrade()
        if not demo.already_loaded():
            started = time.perf_counter()
            demo.load()
            print(f"demo county loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        laborers = db.session.scalars(
            sa.select(Laborer)
            .where(Laborer.willingness != Willingness.none, Laborer.labor_capacity != LaborCapacity.none)
            .order_by(Laborer.id)
        ).all()
        if args.sample > 1:
            laborers = laborers[:: args.sample]
        open_states = (ReferralState.recommended, ReferralState.referred, ReferralState.interviewed)
        referred = set(
            db.session.execute(
                sa.select(Referral.laborer_id, Referral.opening_id).where(Referral.state.in_(open_states))
            ).all()
        )
        held = set(
            db.session.execute(
                sa.select(Employment.laborer_id, Employment.opening_id).where(
                    Employment.end_date.is_(None), Employment.opening_id.is_not(None)
                )
            ).all()
        )
        shown: Counter[int] = Counter()
        slots = lists = duplicates = offered_again = 0
        chances: list[float] = []
        started = time.perf_counter()
        for laborer in laborers:
            items = service.matches_for_laborer(laborer, 10)["items"]
            ids = [item["opening"].id for item in items]
            shown.update(ids)
            chances.extend(item["score"] for item in items)
            slots += len(ids)
            lists += bool(ids)
            keys = [(item["opening"].employer_id, item["opening"].workshop_id, item["opening"].title) for item in items]
            duplicates += len(keys) != len(set(keys))
            offered_again += any((laborer.id, i) in referred or (laborer.id, i) in held for i in ids)
        elapsed = time.perf_counter() - started
    top = shown.most_common()
    share = lambda n: sum(c for _, c in top[:n]) / slots if slots else 0.0  # noqa: E731
    print(f"{len(laborers)} laborers asked, {lists} lists, {slots} top-10 slots, {len(top)} distinct posts shown")
    print(f"share of all top-10 slots taken by the 10 most-shown posts: {share(10):.1%}")
    print(f"share taken by the 50 most-shown posts: {share(50):.1%}; by the most-shown one: {share(1):.1%}")
    print(f"mean chance of lasting work over all listed posts: {sum(chances) / max(len(chances), 1):.3f}")
    print(f"lists with a near-duplicate pair (same employer or workshop, same title): {duplicates}")
    print(f"lists offering a post the laborer holds or has an open referral for: {offered_again}")
    print(f"{elapsed / max(len(laborers), 1) * 1000:.1f} ms per laborer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
