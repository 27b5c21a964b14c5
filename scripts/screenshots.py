"""Screenshots of the pages on the demo county, at desktop and phone widths, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--seed 2026]

Builds the demo county (`flask demo load`) in a temporary SQLite database, trains nothing (the prior
ranker serves), serves the app on a free port of 127.0.0.1 and drives Debian's Chromium with Playwright
(the browser tests' setup): the bureau's dashboard and today's tasks, and the cadre's matches
page where that page exists.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

# Above this a screenshot is too heavy for the repository; the script says so.
MAX_PNG_BYTES = 500_000
# ECharts animates for about a second after drawing.
SETTLE_MS = 1500
MATCHES_ENDPOINT = "cadre_pages.matches"


def build_demo(workdir: Path, seed: int):
    """The app on a fresh SQLite database holding the demo county; returns (app, {login: password})."""
    os.environ.update(
        JOBMATCH_ENV="development",
        JOBMATCH_INSTANCE=str(workdir),
        DATABASE_URL=f"sqlite:///{workdir / 'demo.sqlite3'}",
        JOBMATCH_MODELS_DIR=str(workdir / "models"),
    )
    os.environ.pop("JOBMATCH_DATA_KEY", None)
    from flask_migrate import upgrade

    from jobmatch import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    runner = app.test_cli_runner()
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        loaded = runner.invoke(args=["demo", "load", "--seed", str(seed)])
    if loaded.exception is not None and not isinstance(loaded.exception, SystemExit):
        raise loaded.exception
    if loaded.exit_code != 0:
        raise SystemExit(f"demo load failed:\n{loaded.output}") from loaded.exception
    print(f"demo county loaded in {time.perf_counter() - started:.0f} s")
    with app.app_context():
        users = runner.invoke(args=["demo", "users"])
    if users.exit_code != 0:
        raise SystemExit(f"demo users failed:\n{users.output}")
    # Lines of `flask demo users`: "  <label>  <login>  <password>".
    logins = {m.group(1): m.group(2) for m in re.finditer(r"(demo-\w+)\s+(\S+)\s*$", users.output, re.MULTILINE)}
    return app, logins


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def log_in(page, name: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/login" in page.url:
        raise SystemExit(f"could not log in as {name}")


def save(page, path: Path) -> None:
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=str(path), full_page=True)
    size = path.stat().st_size
    note = "" if size <= MAX_PNG_BYTES else f"  (over {MAX_PNG_BYTES // 1000} KB: too big to commit)"
    print(f"  {path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else path}  {size // 1000} KB{note}")


def shoot(browser, base_url: str, out: Path, login: tuple[str, str], pages: list[tuple[str, str, str]]) -> None:
    """For each (name, url, selector to wait for): a desktop and a phone screenshot."""
    from tests.browser.conftest import DESKTOP, PHONE

    for width_name, viewport, mobile in (("desktop", DESKTOP, False), ("phone", PHONE, True)):
        context = browser.new_context(
            base_url=base_url, viewport=viewport, is_mobile=mobile, has_touch=mobile, locale="zh-CN"
        )
        context.set_default_timeout(60_000)
        page = context.new_page()
        log_in(page, *login)
        for name, url, ready in pages:
            page.goto(url)
            page.wait_for_selector(ready)
            save(page, out / f"{name}-{width_name}.png")
        context.close()


def cadre_laborer(app) -> int | None:
    """A willing laborer without work in the demo cadre's villages (whose matches are worth showing)."""
    import sqlalchemy as sa

    from jobmatch.accounts import service
    from jobmatch.extensions import db
    from jobmatch.people.models import Household, Laborer
    from jobmatch.vocab import EmploymentStatus, Willingness

    with app.app_context():
        cadre = service.user_by_name("demo-cadre")
        villages = [r.id for r in cadre.regions]
        return db.session.execute(
            sa.select(Laborer.id)
            .join(Household, Household.id == Laborer.household_id)
            .where(
                Household.village_id.in_(villages),
                Laborer.willingness != Willingness.none,
                Laborer.employment_status == EmploymentStatus.unemployed,
            )
            .order_by(Laborer.id)
            .limit(1)
        ).scalar()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "screenshots")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with tempfile.TemporaryDirectory(prefix="jobmatch-screens-") as workdir:
        app, logins = build_demo(Path(workdir), args.seed)
        base_url, server = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                print("dashboard (demo-bureau):")
                shoot(
                    browser,
                    base_url,
                    args.out,
                    ("demo-bureau", logins["demo-bureau"]),
                    [
                        ("dashboard", "/dashboard", ".chart-canvas.ready canvas"),
                        ("bureau-today", "/bureau", ".tasks"),
                    ],
                )
                if MATCHES_ENDPOINT not in app.view_functions:
                    print(f"matches page skipped: this build has no {MATCHES_ENDPOINT} (/laborers/<id>/matches)")
                else:
                    laborer_id = cadre_laborer(app)
                    print(f"matches of laborer {laborer_id} (demo-cadre):")
                    shoot(
                        browser,
                        base_url,
                        args.out,
                        ("demo-cadre", logins["demo-cadre"]),
                        [("matches", f"/laborers/{laborer_id}/matches", "main")],
                    )
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
