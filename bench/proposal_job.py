"""What a batch proposal costs on the demo county: the background job (assignment, distances) and the review.

Needs a database with the demo county and its logins (`flask demo load`, `flask demo users`); uses the app's
configured database (JOBMATCH_INSTANCE / DATABASE_URL). Runs the job in Huey's immediate mode as the demo
bureau officer for the county and for its first township, then draws the review table as the page does; the
job rows it writes are left for the admin's home to show.

Run: PYTHONPATH=. .venv/bin/python bench/proposal_job.py
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.accounts.models import User
from jobmatch.accounts.scope import set_current_user
from jobmatch.extensions import db
from jobmatch.jobs.models import Job
from jobmatch.people.models import Region
from jobmatch.proposals import service
from jobmatch.vocab import RegionLevel


def main() -> None:
    app = create_app({"JOBS_QUEUE": "immediate", "JOBS_CONSUMER": False, "ALERT_SCHEDULE": False})
    with app.test_request_context():
        set_current_user(db.session.execute(sa.select(User).where(User.name == "demo-bureau")).scalar_one())
        county = db.session.scalars(sa.select(Region).where(Region.level == RegionLevel.county)).first()
        township = db.session.scalars(
            sa.select(Region).where(Region.level == RegionLevel.township, Region.parent_id == county.id)
        ).first()
        for region in (county, township):
            started = time.perf_counter()
            job = db.session.get(Job, service.start(region.code).id)
            ran = time.perf_counter() - started
            started = time.perf_counter()
            lines = service.review(job)
            reviewed = time.perf_counter() - started
            summary = job.result["summary"]
            print(
                f"{region.name}: job {job.state} in {ran:.1f} s for {summary['laborers']} laborers "
                f"({len(lines)} lines, {summary['expected_hires']} expected lasting hires); "
                f"review read in {reviewed:.2f} s"
            )


if __name__ == "__main__":
    main()
