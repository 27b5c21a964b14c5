"""Configuration: defaults in code, the environment overrides them."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

# The key earlier releases signed every development server's sessions with: public, so refused everywhere.
PUBLIC_DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key"
# A production SECRET_KEY must be at least this long (HMAC-SHA1 sessions: a key shorter than a block is guessable).
MIN_SECRET_KEY_BYTES = 32

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
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
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
    config["TESTING"] = env == "testing" or bool(config.get("TESTING"))
    production = env not in ("development", "testing")
    config["SECRET_KEY"] = _secret_key(config["SECRET_KEY"], instance_path, env)
    if not config.get("DATA_KEY"):
        config["DATA_KEY"] = os.environ.get("JOBMATCH_DATA_KEY") or _local_data_key(instance_path, env)
    _check_data_key(config["DATA_KEY"], production)
    config.setdefault("SESSION_IDLE_TIMEOUT", SESSION_IDLE_TIMEOUT)
    config.setdefault("SESSION_MAX_AGE", SESSION_MAX_AGE)
    # The signed cookie is refused after the session's absolute age too (the database decides earlier).
    config.setdefault("PERMANENT_SESSION_LIFETIME", config["SESSION_MAX_AGE"])
    # /api/v1/docs and /api/v1/openapi.json without logging in: in development and tests, not in production.
    config.setdefault("PUBLIC_API_DOCS", _flag(os.environ.get("PUBLIC_API_DOCS"), default=not production))
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
    # Redis down: each worker counts on its own until Redis answers again, instead of failing every login.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Said outright: the limiter is one object, and an app built with limits off would otherwise leave them off.
    config.setdefault("RATELIMIT_ENABLED", True)
    return config


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _secret_key(configured: str, instance_path: str, env: str) -> str:
    """SECRET_KEY signs the session cookies: long and random in production, made per instance elsewhere."""
    if configured == PUBLIC_DEVELOPMENT_SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY is the public development key of earlier releases: anyone could sign a session with it. "
            "Unset it (development makes a random one in instance/secret.key) or set a long random value. "
            "SECRET_KEY 是公开的开发密钥，任何人都能伪造登录会话；请删除该设置或改为足够长的随机值。"
        )
    if env in ("development", "testing"):
        return configured or _instance_key(Path(instance_path) / "secret.key", lambda: secrets.token_urlsafe(48))
    if len(configured.encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_BYTES} bytes in production "
            f"(JOBMATCH_ENV={env}; `python -c 'import secrets; print(secrets.token_urlsafe(48))'`). "
            f"生产环境必须设置至少 {MIN_SECRET_KEY_BYTES} 字节的随机 SECRET_KEY。"
        )
    return configured


def _check_data_key(encoded: str, production: bool) -> None:
    """The data key must be base64 of 32 bytes, and in production not all zero."""
    from jobmatch.crypto import KEY_BYTES, DataKeyError, decode_key

    try:
        master = decode_key(encoded)
    except DataKeyError as exc:
        raise ConfigError(
            f"JOBMATCH_DATA_KEY is not valid: {exc} (base64 of {KEY_BYTES} random bytes). "
            f"个人信息加密密钥 JOBMATCH_DATA_KEY 无效：须为 {KEY_BYTES} 字节随机数的 base64 编码。"
        ) from exc
    if production and master == bytes(KEY_BYTES):
        raise ConfigError(
            "JOBMATCH_DATA_KEY is all zero bytes: not a key. Make one with "
            "`python -c 'from jobmatch.crypto import new_key; print(new_key())'`. "
            "个人信息加密密钥 JOBMATCH_DATA_KEY 全为零，不能使用；请生成随机密钥。"
        )


def _local_data_key(instance_path: str, env: str) -> str:
    """Outside production, a key kept in instance/data.key (never in the database)."""
    if env not in ("development", "testing"):
        raise ConfigError(
            "JOBMATCH_DATA_KEY must be set in production (base64 of 32 random bytes; "
            "`python -c 'from jobmatch.crypto import new_key; print(new_key())'`). "
            "生产环境必须设置 JOBMATCH_DATA_KEY（个人信息加密密钥）。"
        )
    from jobmatch.crypto import new_key

    return _instance_key(Path(instance_path) / "data.key", new_key)


def _instance_key(path: Path, make) -> str:
    """A key kept in a file of the instance folder, readable by its owner only (0600), made once.

    Written under another name and linked into place, so workers starting together all read one
    complete key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    return path.read_text().strip()


def engine_options(url: str) -> dict:
    """Connection settings that suit each backend; SQL parameters (personal data) never reach an error or a log."""
    if url.startswith("sqlite"):
        # Wait for the single writer instead of failing at once.
        return {"connect_args": {"timeout": 15}, "hide_parameters": True}
    # Connections idle for a while are tested at checkout (extensions.PING_AFTER_IDLE_S), not every one.
    return {"hide_parameters": True}


def _subsidy_rules(value: str | list | None) -> list[dict]:
    """Changes to the subsidy rules table: a JSON list (environment) or a list; checked at start."""
    from jobmatch.placements.subsidies import rules_from_config

    try:
        rules = json.loads(value) if isinstance(value, str) else list(value or [])
        rules_from_config(rules)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"SUBSIDY_RULES is not valid: {exc}. 补贴规则配置有误。") from exc
    return rules
