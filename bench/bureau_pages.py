"""What the bureau's own pages cost on the demo county: median page time through the app (no network, no browser).

Needs a database with the demo county and its logins (`flask demo load`, `flask demo users`); uses the app's
configured database (JOBMATCH_INSTANCE / DATABASE_URL). Reads only: signs the demo bureau officer in by their
session, without a password.

Run: PYTHONPATH=. .venv/bin/python bench/bureau_pages.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.accounts import service
from jobmatch.accounts.models import User
from jobmatch.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (after one warm-up)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.name == "demo-bureau")).scalar_one()
        session_id = service.start_session(user, "127.0.0.1").get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    listing = client.get("/workshops").get_data(as_text=True)
    workshop = re.search(r'href="/workshops/(\d+)"', listing).group(1)
    for path in (
        "/bureau",
        f"/workshops/{workshop}",
        "/employers",
        "/subsidies",
        "/subsidies?tab=lapsing",
        "/subsidies?tab=claimed",
        "/attendance/months",
        "/consistency",
    ):
        client.get(path)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data()) // 1000
        print(f"{path:26s} median {statistics.median(times):6.0f} ms  {size:4d} KB")


if __name__ == "__main__":
    main()
