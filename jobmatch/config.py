"""Configuration: defaults in code, the environment overrides them."""

from __future__ import annotations

import os
from pathlib import Path

# A key that is fine on a developer's laptop and refused anywhere else.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key"

# The API takes JSON bodies only; rosters are uploaded through their own pages.
MAX_API_BODY_BYTES = 1 * 1024 * 1024


class ConfigError(RuntimeError):
    """The service cannot start with this configuration."""


def default_sqlite_url(instance_path: str) -> str:
    """The embedded default: one SQLite file under instance/."""
    return "sqlite:///" + str(Path(instance_path) / "jobmatch.sqlite3")


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the configuration from defaults, the environment and test overrides."""
    env = os.environ.get("JOBMATCH_ENV", "development")
    config: dict = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_sqlite_url(instance_path),
        "MAX_CONTENT_LENGTH": MAX_API_BODY_BYTES,
        # OpenAPI document and its docs page, served from our own static files.
        "SPEC_FORMAT": "json",
        "VALIDATION_ERROR_STATUS_CODE": 422,
        "SWAGGER_UI_CSS": "/static/vendor/swagger-ui/swagger-ui.css",
        "SWAGGER_UI_BUNDLE_JS": "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "SWAGGER_UI_STANDALONE_PRESET_JS": "/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
        "DOCS_FAVICON": "/static/favicon.svg",
        "INFO": {
            "description": "就业帮扶匹配服务 API · Job matching for out-of-poverty rural laborers.",
        },
        "SECURITY_SCHEMES": {
            "BearerAuth": {"type": "http", "scheme": "bearer"},
        },
    }
    if overrides:
        config.update(overrides)
        env = config.get("ENV_NAME", env)
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url)
    if env not in ("development", "testing") and config["SECRET_KEY"] in (
        DEVELOPMENT_SECRET_KEY,
        "",
    ):
        raise ConfigError(
            f"SECRET_KEY must be set to a long random value outside development "
            f"(JOBMATCH_ENV={env}). 生产环境必须设置 SECRET_KEY。"
        )
    config["TESTING"] = env == "testing" or bool(config.get("TESTING"))
    return config


def engine_options(url: str) -> dict:
    """Connection settings that suit each backend."""
    if url.startswith("sqlite"):
        # Wait for the single writer instead of failing at once.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}
