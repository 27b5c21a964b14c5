"""Accounts, tokens and the ids the load test asks for, written as JSON for the locustfile.

A busy morning in the demo county: CADRES village cadres (three villages each) with their
villages' laborers, one manager per workshop with current workers, a bureau officer with the
county's open openings. Every account gets a new random password (for the login task) and a
new API token labelled `load` (earlier `load` tokens are revoked).

    python bench/load/fixture.py OUT.json [--cadres 30]   (with DATABASE_URL etc. set, see harness.app_env)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import sqlalchemy as sa
from flask import g

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jobmatch import create_app  # noqa: E402
from jobmatch.accounts import passwords, service, tokens  # noqa: E402
from jobmatch.extensions import db  # noqa: E402
from jobmatch.people.models import Household, Laborer, Region  # noqa: E402
from jobmatch.posts.models import Opening  # noqa: E402
from jobmatch.vocab import OpeningStatus, RegionLevel, Willingness  # noqa: E402
from workshops import attendance, settings  # noqa: E402
from workshops.models import Workshop  # noqa: E402

COUNTY_CODE = "361125000000"
VILLAGES_PER_CADRE = 3
TOKEN_LABEL = "load"


def account(name: str, data: dict) -> dict:
    """Create or update the account with a new password and a new token."""
    password = passwords.random_password()
    user = service.save_user({"name": name, "password": password, "active": True} | data, service.user_by_name(name))
    tokens.revoke_labelled(user, TOKEN_LABEL)
    return {"name": name, "password": password, "token": tokens.issue_token(user, TOKEN_LABEL)}


def cadres(count: int) -> list[dict]:
    """Cadres over the villages with the most willing laborers, three villages each."""
    willing = (
        sa.select(Region.code, Laborer.id)
        .join(Household, Household.village_id == Region.id)
        .join(Laborer, Laborer.household_id == Household.id)
        .where(Region.level == RegionLevel.village, Laborer.willingness != Willingness.none)
        .order_by(Region.code, Laborer.id)
    )
    by_village: dict[str, list[int]] = {}
    for code, laborer_id in db.session.execute(willing):
        by_village.setdefault(code, []).append(laborer_id)
    villages = sorted(by_village, key=lambda code: (-len(by_village[code]), code))
    out = []
    for i in range(min(count, len(villages) // VILLAGES_PER_CADRE)):
        mine = villages[i * VILLAGES_PER_CADRE : (i + 1) * VILLAGES_PER_CADRE]
        entry = account(f"load-cadre-{i + 1:02d}", {"role": "cadre", "region_codes": mine})
        entry |= {"villages": mine, "laborer_ids": [lid for code in mine for lid in by_village[code]]}
        out.append(entry)
    return out


def managers() -> list[dict]:
    """One manager per workshop that has workers today."""
    today = settings.today()
    out = []
    for workshop in db.session.scalars(sa.select(Workshop).order_by(Workshop.id)):
        workers = sorted(attendance.workshop_employments(workshop.id, today))
        if not workers:
            continue
        entry = account(f"load-manager-{workshop.id:03d}", {"role": "manager", "workshop_ids": [workshop.id]})
        out.append(entry | {"workshop_id": workshop.id, "laborer_ids": workers})
    return out


def bureau() -> dict:
    openings = db.session.scalars(
        sa.select(Opening.id).where(Opening.status == OpeningStatus.open).order_by(Opening.id)
    ).all()
    entry = account("load-bureau", {"role": "bureau", "region_codes": [COUNTY_CODE]})
    return entry | {"county": COUNTY_CODE, "opening_ids": list(openings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cadres", type=int, default=30)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        g.actor_id = None
        fixture = {"cadres": cadres(args.cadres), "managers": managers(), "bureau": bureau()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, ensure_ascii=False))
    print(
        f"  accounts: {len(fixture['cadres'])} cadres, {len(fixture['managers'])} managers, 1 bureau officer; "
        f"{len(fixture['bureau']['opening_ids'])} open openings"
    )


if __name__ == "__main__":
    main()
