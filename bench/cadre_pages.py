"""What the cadre's pages cost on the demo county: median page time through the app (no network, no browser).

Needs a database with the demo county and its logins (`flask demo load`, `flask demo users`); uses the app's
configured database (JOBMATCH_INSTANCE / DATABASE_URL). Reads only: signs the demo cadre and bureau officer in by
their session, without passwords.

Run: PYTHONPATH=. .venv/bin/python bench/cadre_pages.py [--repeat 5]
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

LOGINS = {"cadre": "demo-cadre", "bureau": "demo-bureau"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (after one warm-up)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        # A login session per role, as the login page starts one.
        sessions = {
            role: service.start_session(
                db.session.execute(sa.select(User).where(User.name == name)).scalar_one(), "127.0.0.1"
            ).get_id()
            for role, name in LOGINS.items()
        }
    for role, session_id in sessions.items():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        listing = client.get("/laborers").get_data(as_text=True)
        laborer = re.search(r'href="/laborers/(\d+)"', listing).group(1)
        for path in (
            "/today",
            "/monitoring/alerts",
            "/villages",
            "/laborers",
            "/laborers?q=王",
            "/households",
            f"/laborers/{laborer}",
            f"/laborers/{laborer}/matches",
        ):
            client.get(path)
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (role, path, response.status_code)
            print(f"{role:7s} {path:26s} median {statistics.median(times):6.0f} ms")


if __name__ == "__main__":
    main()
