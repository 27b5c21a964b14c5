"""What a list page costs at any depth on a province database: first page, 50 pages in, near the end, page 500.

For a bureau officer of one county, a village cadre (the three villages of that county with the most
laborers) and an admin, every paged list of the API (bearer token) and of the pages (login session) is asked
for, through the app's test client (no network, no browser):

- `p1`: the first page;
- `c50`: the page reached by following `next_cursor` (the pages' 下一页 link) 50 times;
- `end`: the page after a cursor a little before the end of the list (the sort keys of the 25th row from the
  end, built from the list's own statement in the user's scope, as crud.encode_cursor writes them);
- `n500`: the API's numbered page 500 (`?page=500`; the pages number their keyset pages only as labels).

Each request is timed `--repeat` times after one warm-up: the median wall time, the median CPU of this process
(process_time: the app in Python) and PostgreSQL's CPU per request (the backend's utime + stime from /proc, in
clock ticks, so averaged over the repeats; a parallel query's workers are not in it, so such a request shows a
wall time well above the two CPU figures). The machine is shared: CPU is the figure to trust, wall time shows the
load. The accounts `depth-bureau`, `depth-cadre` and `depth-admin` are created (or updated) with a fresh token.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/jm_province \\
        PYTHONPATH=. .venv/bin/python bench/list_depth.py [--repeat 5] [--only laborers] [--roles bureau]
        [--county 361125000000] [--json bench/output/list_depth.json]
    PYTHONPATH=. .venv/bin/python bench/list_depth.py --compare BEFORE.json AFTER.json   (two runs side by side)

Build the database first with bench/province.py (and ANALYZE it).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from flask import g

from jobmatch import create_app, crud
from jobmatch.accounts import service, tokens
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.vocab import RegionLevel

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
LABEL = "depth"
FOLLOW = 50
FROM_END = 25
API = (
    "laborers",
    "households",
    "openings",
    "employers",
    "workshops",
    "referrals",
    "employments",
    "alerts",
    "subsidy-claims",
    "subsidy-claims/due",
    "regions",
    "employment-interruptions",
    "audit-events",
)
PAGES = (
    "/laborers",
    "/households",
    "/villages",
    "/openings",
    "/workshops",
    "/employers",
    "/monitoring/alerts",
    "/subsidies",
    "/subsidies?tab=lapsing",
    "/subsidies?tab=claimed",
    "/bureau",
    "/admin/audit",
)
NEXT_LINK = re.compile(r'<a href="\?([^"]*)" rel="next">')


def _backend_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


class Backends:
    """The CPU of the database's other server processes (this app's pool: nothing else uses the database)."""

    def __init__(self, url: str | None) -> None:
        import psycopg

        self.conn = (
            psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) if url else None
        )

    def cpu(self) -> dict[int, float]:
        if self.conn is None:
            return {}
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return {pid: _backend_cpu_seconds(pid) for (pid,) in rows}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds between two readings; a connection opened meanwhile counts whole, one closed is lost."""
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# --- the accounts ----------------------------------------------------------------------------------------


def _account(name: str, data: dict) -> dict:
    user = service.save_user(
        {"name": name, "password": "depth-bench-Pw-1", "active": True} | data, service.user_by_name(name)
    )
    tokens.revoke_labelled(user, LABEL)
    token = tokens.issue_token(user, LABEL)
    session_id = service.start_session(user, "127.0.0.1").get_id()
    return {"name": name, "token": token, "session": session_id}


def _cadre_villages(county: str) -> list[str]:
    counts = (
        sa.select(Region.code, sa.func.count(Laborer.id))
        .join(Household, Household.village_id == Region.id)
        .join(Laborer, Laborer.household_id == Household.id)
        .where(Region.level == RegionLevel.village, Region.code.startswith(county[:6]))
        .group_by(Region.code)
        .order_by(sa.func.count(Laborer.id).desc(), Region.code)
        .limit(3)
    )
    return [code for code, _ in db.session.execute(counts)]


def accounts(county: str, prefix: str = "depth") -> dict[str, dict]:
    g.actor_id = None
    villages = _cadre_villages(county)
    out = {
        "bureau": _account(f"{prefix}-bureau", {"role": "bureau", "region_codes": [county]}),
        "cadre": _account(f"{prefix}-cadre", {"role": "cadre", "region_codes": villages}),
        "admin": _account(f"{prefix}-admin", {"role": "admin", "region_codes": []}),
    }
    db.session.commit()
    return out


# --- a cursor near the end: caught from the list's own statement ---------------------------------------

_original_ordered = crud._ordered
_catch: dict = {}


def _catching_ordered(query, keys):
    """crud._ordered, which also notes the keys of the FROM_END-th row from the end of the list (once)."""
    if _catch.get("armed"):
        _catch["armed"] = False
        reverse = [(e, not d) for e, d in keys]
        tail = _original_ordered(query, reverse).add_columns(*[e.label(f"_end{i}") for i, (e, _) in enumerate(keys)])
        result = db.session.execute(tail.offset(FROM_END).limit(1))
        try:
            rows = result.unique().all()
        except (TypeError, sa.exc.InvalidRequestError):
            rows = db.session.execute(tail.offset(FROM_END).limit(1)).all()
        _catch["cursor"] = crud.encode_cursor(list(rows[0][-len(keys) :])) if rows else None
    return _original_ordered(query, keys)


crud._ordered = _catching_ordered


def end_cursor(get) -> str | None:
    _catch.update(armed=True, cursor=None)
    get()
    _catch["armed"] = False
    return _catch["cursor"]


# --- timing ------------------------------------------------------------------------------------------------


def timed(get, repeat: int, backends: Backends) -> dict:
    response = get()
    walls, cpus, server = [], [], 0.0
    for _ in range(repeat):
        before = backends.cpu()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = get()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - started_cpu) * 1000)
        server += backends.spent(before, backends.cpu())
    return {
        "status": response.status_code,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "pg": server * 1000 / repeat,
        "response": response,
    }


def api_runs(client, token: str, name: str, repeat: int, backends: Backends) -> list[tuple[str, dict]]:
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/{name}"

    def get(query: str = ""):
        return lambda: client.get(path + query, headers=headers)

    first = timed(get(), repeat, backends)
    if first["status"] != 200:
        return [("p1", first)]
    body = first["response"].get_json()
    first["total"] = body["pagination"].get("total")
    out = [("p1", first)]
    cursor, depth = body["pagination"].get("next_cursor"), 0
    while cursor and depth < FOLLOW - 1:
        response = client.get(f"{path}?cursor={cursor}", headers=headers)
        if response.status_code != 200:
            print(
                f"  {path}: page {depth + 2} answered {response.status_code}: {response.get_data(as_text=True)[:300]}"
            )
            return out
        cursor = response.get_json()["pagination"]["next_cursor"]
        depth += 1
    if cursor:
        out.append(("c50", timed(get(f"?cursor={cursor}"), repeat, backends)))
    cursor = end_cursor(get())
    if cursor:
        out.append(("end", timed(get(f"?cursor={cursor}"), repeat, backends)))
    out.append(("n500", timed(get("?page=500"), repeat, backends)))
    return out


def page_runs(client, path: str, repeat: int, backends: Backends) -> list[tuple[str, dict]]:
    joiner = "&" if "?" in path else "?"

    def get(query: str = ""):
        return lambda: client.get(path + (joiner + query if query else ""))

    def next_query(response) -> str | None:
        found = NEXT_LINK.search(response.get_data(as_text=True))
        if not found:
            return None
        # The link carries the page's own filters (the tab) again: keep the place arguments only.
        args = [a for a in html.unescape(found.group(1)).split("&") if a.split("=")[0] in ("cursor", "page")]
        return "&".join(args)

    first = timed(get(), repeat, backends)
    if first["status"] != 200:
        return [("p1", first)]
    out = [("p1", first)]
    query, depth = next_query(first["response"]), 0
    while query and depth < FOLLOW - 1:
        query = next_query(client.get(path + joiner + query))
        depth += 1
    if query:
        out.append(("c50", timed(get(query), repeat, backends)))
    cursor = end_cursor(get())
    if cursor:
        out.append(("end", timed(get(f"cursor={cursor}"), repeat, backends)))
    return out


def compare(before_path: Path, after_path: Path) -> None:
    """Two runs' figures side by side (their --json files): wall, app CPU and PostgreSQL CPU in ms."""
    before = {(f["role"], f["list"], f["depth"]): f for f in json.loads(before_path.read_text())}
    print(f"{'role':7s} {'list':38s} {'depth':5s} {'before: wall / app / PG':>25s}   {'after: wall / app / PG':>24s}")
    for figure in json.loads(after_path.read_text()):
        if figure["status"] != 200:
            continue
        old = before.get((figure["role"], figure["list"], figure["depth"]))
        was = f"{old['wall']:7.0f} / {old['cpu']:4.0f} / {old['pg']:4.0f}" if old and old["status"] == 200 else "—"
        now = f"{figure['wall']:7.0f} / {figure['cpu']:4.0f} / {figure['pg']:4.0f}"
        print(f"{figure['role']:7s} {figure['list']:38s} {figure['depth']:5s} {was:>25s}   {now:>24s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--county", default="361125000000", help="the bureau officer's county (the cadre's too)")
    parser.add_argument("--roles", nargs="*", default=["bureau", "cadre", "admin"])
    parser.add_argument("--only", nargs="*", help="these lists only (API names or page paths, e.g. laborers)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"), help="print two --json runs")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        users = accounts(args.county)
        url = db.engine.url.render_as_string(hide_password=False)
        postgres = db.engine.dialect.name == "postgresql"
        database = db.engine.url.database
    wanted = lambda name: not args.only or any(o.strip("/") == name.strip("/").split("?")[0] for o in args.only)  # noqa: E731
    load = os.getloadavg()
    print(f"database: {database}; {args.repeat} requests each (median; PG CPU mean)")
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'role':7s} {'list':38s} {'depth':5s} {'status':>6s} {'wall ms':>8s} {'app CPU':>8s} {'PG CPU':>7s}")
    figures = []
    backends = Backends(url if postgres else None)
    for role in args.roles:
        account = users[role]
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = account["session"]
            session["_fresh"] = True
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {account['token']}"})
        runs = [(f"GET /api/v1/{name}", api_runs, (account["token"], name)) for name in API if wanted(name)]
        runs += [(f"page {path}", page_runs, (path,)) for path in PAGES if wanted(path)]
        for label, run, run_args in runs:
            for depth, figure in run(client, *run_args, args.repeat, backends):
                total = f"  ({figure['total']} rows)" if figure.get("total") is not None else ""
                print(
                    f"{role:7s} {label:38s} {depth:5s} {figure['status']:6d} {figure['wall']:8.1f} "
                    f"{figure['cpu']:8.1f} {figure['pg']:7.1f}{total}",
                    flush=True,
                )
                figures.append(
                    {"role": role, "list": label, "depth": depth} | {k: v for k, v in figure.items() if k != "response"}
                )
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
