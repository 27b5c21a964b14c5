"""What a workshop manager's day-sheet save and a login cost in the app's CPU, on PostgreSQL, in-process.

Prepares PostgreSQL database `jm_sheet` (bench/harness.py `prepare()`: migrate, demo county), gives the
workshop with the most workers today a manager account and an API token (as bench/load/fixture.py does),
then through the WSGI test client (no HTTP server or load generator in the way, as bench/hot_profile.py):

- saves the workshop's day sheet (POST /api/v1/workshops/{id}/attendance) --saves times, every worker's mark
  flipping between present and absent from one save to the next (half the workers absent each time), so every
  save changes every row; prints the median and mean CPU ms per save (time.process_time) and the SQL
  statements per save, counted by a `before_cursor_execute` listener: the whole request's, and those of
  `save_workshop_sheet` alone (the request adds its token and workshop look-ups);
- verifies the manager's password as the login does (`passwords.verify_password`, Argon2id) and posts the
  login form (POST /login, CSRF off): the median CPU ms of each.

    .venv/bin/python bench/sheet_and_login.py                  # 300 saves, 20 logins
    .venv/bin/python bench/sheet_and_login.py --saves 500 --profile --top 40
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUTPUT, ROOT, prepare  # noqa: E402

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/jm_sheet"
WARM_UP_SAVES = 20


def _manager(workshop_id: int, laborer_ids: list[int]) -> dict:
    """The workshop's bench manager, with a new password and a new token (bench/load/fixture.py's account())."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))
    from fixture import account

    name = f"sheet-manager-{workshop_id:03d}"
    return account(name, {"role": "manager", "workshop_ids": [workshop_id]}) | {
        "workshop_id": workshop_id,
        "laborer_ids": laborer_ids,
    }


def _busiest_workshop() -> tuple[int, list[int]]:
    """The workshop with the most workers today, and their laborer ids."""
    import sqlalchemy as sa

    from jobmatch.extensions import db
    from workshops import attendance, settings
    from workshops.models import Workshop

    today = settings.today()
    best: tuple[int, list[int]] = (0, [])
    for workshop_id in db.session.scalars(sa.select(Workshop.id).order_by(Workshop.id)):
        workers = sorted(attendance.workshop_employments(workshop_id, today))
        if len(workers) > len(best[1]):
            best = (workshop_id, workers)
    return best


def _body(laborer_ids: list[int], turn: int) -> dict:
    """Every worker flips between present and absent from one turn to the next; half are absent each turn."""
    return {
        "entries": [
            {"laborer_id": lid, "status": "absent" if (i + turn) % 2 else "present"}
            for i, lid in enumerate(laborer_ids)
        ]
    }


def _print_profile(profile: cProfile.Profile, sort: str, top: int, callees: list[str]) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(sort)
    stats.print_stats(top)
    for name in callees:
        stats.print_callees(name)
    print("\n".join(out.getvalue().splitlines()[6:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions of the saves")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", help="tottime or cumulative")
    parser.add_argument("--callees", action="append", help="with --profile: what these functions call (a regex)")
    parser.add_argument("--statements", action="store_true", help="also print the statements of the last save")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    env = prepare(args.database_url, args.output / f"instance-{args.database_url.rsplit('/', 1)[-1]}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import sqlalchemy as sa
    from flask import g

    from jobmatch import create_app
    from jobmatch.accounts import passwords, service
    from jobmatch.extensions import db
    from workshops import attendance

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        g.actor_id = None
        workshop_id, laborer_ids = _busiest_workshop()
        manager = _manager(workshop_id, laborer_ids)
        stored_hash = service.user_by_name(manager["name"]).password_hash
        engine = db.engine

    counted = {"request": 0, "save": 0}
    inside_save = [False]
    last_request: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        counted["request"] += 1
        last_request.append(("  in the save: " if inside_save[0] else "  ") + " ".join(statement.split())[:150])
        if inside_save[0]:
            counted["save"] += 1

    save_workshop_sheet = attendance.save_workshop_sheet

    def counting_save(*a, **k):
        inside_save[0] = True
        try:
            return save_workshop_sheet(*a, **k)
        finally:
            inside_save[0] = False

    attendance.save_workshop_sheet = counting_save
    sa.event.listen(engine, "before_cursor_execute", count)

    client = app.test_client()
    headers = {"Authorization": f"Bearer {manager['token']}"}
    url = f"/api/v1/workshops/{workshop_id}/attendance"
    print(f"== workshop {workshop_id}: {len(laborer_ids)} workers today; {args.saves} saves (uptime: {_load()})")
    for turn in range(WARM_UP_SAVES):
        response = client.post(url, json=_body(laborer_ids, turn), headers=headers)
        assert response.status_code == 200, response.get_json()
    cpu_ms, request_statements, save_statements = [], [], []
    # CPU time, not wall time: waits on the database and a busy machine stay out of the profile.
    profile = cProfile.Profile(time.process_time) if args.profile else None
    for turn in range(WARM_UP_SAVES, WARM_UP_SAVES + args.saves):
        body = _body(laborer_ids, turn)
        counted["request"] = counted["save"] = 0
        last_request.clear()
        if profile:
            profile.enable()
        started = time.process_time()
        response = client.post(url, json=body, headers=headers)
        used = time.process_time() - started
        if profile:
            profile.disable()
        assert response.status_code == 200, response.get_json()
        assert response.json["updated"] == len(laborer_ids), response.json
        cpu_ms.append(used * 1000)
        request_statements.append(counted["request"])
        save_statements.append(counted["save"])
    sa.event.remove(engine, "before_cursor_execute", count)
    attendance.save_workshop_sheet = save_workshop_sheet
    print(
        f"save: median {statistics.median(cpu_ms):.2f} ms CPU, mean {statistics.mean(cpu_ms):.2f} ms"
        f"{' (profiled)' if profile else ''}; statements per save: {max(save_statements)} in save_workshop_sheet, "
        f"{max(request_statements)} in the request"
    )

    verify_ms = []
    for _ in range(args.logins):
        started = time.process_time()
        assert passwords.verify_password(stored_hash, manager["password"])
        verify_ms.append((time.process_time() - started) * 1000)
    login_ms = []
    for _ in range(args.logins):
        browser = app.test_client()
        started = time.process_time()
        response = browser.post("/login", data={"name": manager["name"], "password": manager["password"]})
        login_ms.append((time.process_time() - started) * 1000)
        assert response.status_code == 302, response.status_code
    print(
        f"login: password check median {statistics.median(verify_ms):.2f} ms CPU; "
        f"POST /login median {statistics.median(login_ms):.2f} ms CPU"
    )
    if args.statements:
        print("statements of the last save's request:", *last_request, sep="\n")
    if profile:
        _print_profile(profile, args.sort, args.top, args.callees or [])
    return 0


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
