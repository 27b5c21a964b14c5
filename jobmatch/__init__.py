"""jobmatch: job matching and employment monitoring for out-of-poverty rural laborers."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from flask.json.provider import DefaultJSONProvider

from jobmatch import config as config_module
from jobmatch import crypto
from jobmatch.extensions import db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
API_VERSION = "1.0.0"


class JSONProvider(DefaultJSONProvider):
    """Dates in ISO 8601 (2026-04-01) wherever a free-form answer holds one, not HTTP dates."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class App(APIFlask):
    """APIFlask, with the synchronous form of each view and hook worked out once.

    Flask asks `ensure_sync` for every hook, view and teardown on every request (18 times for a `/me`),
    each time inspecting the function's code flags; the answer never changes for a function. The
    functions asked about are the app's own, so the cache stays as small as the app (a bound is kept
    for safety all the same).
    """

    SYNC_CACHE_LIMIT = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_forms: dict[Any, Any] = {}

    def ensure_sync(self, func: Any) -> Any:
        try:
            return self._sync_forms[func]
        except KeyError:
            form = super().ensure_sync(func)
            if len(self._sync_forms) < self.SYNC_CACHE_LIMIT:
                self._sync_forms[func] = form
            return form
        except TypeError:  # a callable that cannot be a key
            return super().ensure_sync(func)


def create_app(test_config: dict | None = None) -> App:
    """Build the application: configuration, extensions, blueprints and commands."""
    app = App(
        __name__,
        title="jobmatch API · 就业帮扶匹配",
        version=API_VERSION,
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        docs_oauth2_redirect_path=None,
        instance_path=os.environ.get("JOBMATCH_INSTANCE", str(PROJECT_ROOT / "instance")),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.load(app.instance_path, test_config))
    # Chinese stays readable in JSON, and fields keep the order the schemas give them.
    app.json = JSONProvider(app)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    _import_models()

    from jobmatch import i18n, navigation, security
    from jobmatch.accounts.api import bp as accounts_api
    from jobmatch.accounts.views import bp as accounts_pages
    from jobmatch.admin.views import bp as admin_pages
    from jobmatch.api import openapi, problems
    from jobmatch.bureau.views import bp as bureau_home
    from jobmatch.cadre.day import bp as cadre_day
    from jobmatch.cadre.views import bp as cadre_pages
    from jobmatch.jobs import kinds as _job_kinds  # noqa: F401  (registers the kinds of background job)
    from jobmatch.jobs import runner as job_runner
    from jobmatch.jobs.api import bp as jobs_api
    from jobmatch.jobs.views import bp as job_pages
    from jobmatch.matches.api import bp as matches_api
    from jobmatch.monitoring.api import bp as monitoring_api
    from jobmatch.monitoring.views import bp as monitoring_pages
    from jobmatch.people.api import bp as people_api
    from jobmatch.placements.api import bp as placements_api
    from jobmatch.posts.api import bp as posts_api
    from jobmatch.posts.views import bp as bureau_pages
    from jobmatch.proposals.views import bp as proposal_pages
    from jobmatch.rosters.api import bp as rosters_api
    from jobmatch.rosters.views import bp as roster_pages
    from jobmatch.site import bp as site
    from workshops.api import bp as workshops_api
    from workshops.views import bp as workshop_pages

    api_blueprints = [
        accounts_api,
        people_api,
        posts_api,
        placements_api,
        workshops_api,
        matches_api,
        rosters_api,
        monitoring_api,
        jobs_api,
    ]
    problems.register(app)
    i18n.init_app(app)
    navigation.init_app(app)
    # Before the blueprints: their routes use its `int` converter.
    openapi.register(app)
    security.init_app(app, api_blueprints)
    for blueprint in (
        *api_blueprints,
        accounts_pages,
        workshop_pages,
        roster_pages,
        monitoring_pages,
        cadre_pages,
        cadre_day,
        bureau_pages,
        bureau_home,
        admin_pages,
        job_pages,
        proposal_pages,
        site,
    ):
        app.register_blueprint(blueprint)
    from jobmatch.listings import views as listing_exports

    listing_exports.init_app(app)

    from jobmatch import cli, ops

    ops.init_app(app)
    from jobmatch.monitoring import schedule

    schedule.init_app(app)
    job_runner.init_app(app)

    cli.register(app)

    from jobmatch import datakey

    with app.app_context():
        datakey.check_at_start(app.config["DATA_KEY"])
    crypto.configure(app.config["DATA_KEY"])
    return app


def _import_models() -> None:
    """Every table must be known to SQLAlchemy and Alembic."""
    from jobmatch import datakey as _datakey  # noqa: F401
    from jobmatch.accounts import models as _accounts  # noqa: F401
    from jobmatch.jobs import models as _jobs  # noqa: F401
    from jobmatch.matches import models as _matches  # noqa: F401
    from jobmatch.monitoring import models as _monitoring  # noqa: F401
    from jobmatch.people import models as _people  # noqa: F401
    from jobmatch.placements import models as _placements  # noqa: F401
    from jobmatch.posts import models as _posts  # noqa: F401
    from workshops import models as _workshops  # noqa: F401
