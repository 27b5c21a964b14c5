"""Configuration: defaults in code, the environment overrides them."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

# A key that is fine on a developer's laptop and refused anywhere else.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key"

# Login sessions end after this long without a request, and this long after the login whatever happens.
SESSION_IDLE_TIMEOUT = timedelta(hours=8)
SESSION_MAX_AGE = timedelta(days=7)

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
        # Trained rankers and their model cards (written at run time, never committed).
        "MODELS_DIR": os.environ.get("JOBMATCH_MODELS_DIR", str(Path(instance_path).parent / "models")),
        # Static files (no personal data) may be cached by browsers for an hour.
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
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
    production = env not in ("development", "testing")
    if not config.get("DATA_KEY"):
        config["DATA_KEY"] = os.environ.get("JOBMATCH_DATA_KEY") or _local_data_key(instance_path, env)
    config.setdefault("SESSION_IDLE_TIMEOUT", SESSION_IDLE_TIMEOUT)
    config.setdefault("SESSION_MAX_AGE", SESSION_MAX_AGE)
    # The signed cookie is refused after the session's absolute age too (the database decides earlier).
    config.setdefault("PERMANENT_SESSION_LIFETIME", config["SESSION_MAX_AGE"])
    # Cookies: HttpOnly and SameSite=Lax always; Secure wherever the service runs behind HTTPS.
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
    )
    # json: one JSON object per line (default in production); text: human-readable lines.
    config.setdefault("LOG_FORMAT", os.environ.get("LOG_FORMAT", ""))
    config["SUBSIDY_RULES"] = _subsidy_rules(config.get("SUBSIDY_RULES", os.environ.get("SUBSIDY_RULES")))
    redis_url = config.get("REDIS_URL", os.environ.get("REDIS_URL"))
    config["REDIS_URL"] = redis_url
    # Login limits are shared by every worker when Redis is there; per process otherwise.
    config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Said outright: the limiter is one object, and an app built with limits off would otherwise leave them off.
    config.setdefault("RATELIMIT_ENABLED", True)
    return config


def _local_data_key(instance_path: str, env: str) -> str:
    """Outside production, a key kept in instance/data.key (never in the database)."""
    if env not in ("development", "testing"):
        raise ConfigError(
            "JOBMATCH_DATA_KEY must be set in production (base64 of 32 random bytes; "
            "`python -c 'from jobmatch.crypto import new_key; print(new_key())'`). "
            "生产环境必须设置 JOBMATCH_DATA_KEY（个人信息加密密钥）。"
        )
    path = Path(instance_path) / "data.key"
    if not path.exists():
        from jobmatch.crypto import new_key

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key())
    return path.read_text().strip()


def engine_options(url: str) -> dict:
    """Connection settings that suit each backend."""
    if url.startswith("sqlite"):
        # Wait for the single writer instead of failing at once.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def _subsidy_rules(value: str | list | None) -> list[dict]:
    """Changes to the subsidy rules table: a JSON list (environment) or a list; checked at start."""
    from jobmatch.placements.subsidies import rules_from_config

    try:
        rules = json.loads(value) if isinstance(value, str) else list(value or [])
        rules_from_config(rules)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"SUBSIDY_RULES is not valid: {exc}. 补贴规则配置有误。") from exc
    return rules
