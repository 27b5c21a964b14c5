"""Keys: sessions signed with a key of this instance, weak keys refused in production, a data key that fits the data."""

from __future__ import annotations

import base64
import stat

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from jobmatch import crypto
from jobmatch.config import ConfigError
from jobmatch.datakey import DataKeyCheck
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from tests import factories
from tests.accounts.test_login import _login

OLD_PUBLIC_KEY = "dev-only-insecure-key"
LONG_SECRET = "s" * 40


def _signed_cookie(secret_key: str, data: dict) -> str:
    """A session cookie as any Flask app signing with that key makes it (what a forger does)."""
    forger = Flask("forger")
    forger.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(data)


@pytest.fixture
def development(make_app, monkeypatch, tmp_path):
    """An app started as `make run` starts it: development, no SECRET_KEY, its own instance folder."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("JOBMATCH_INSTANCE", str(tmp_path))
    return make_app(ENV_NAME="development")


def test_a_cookie_forged_with_the_old_public_key_is_refused(development, county):
    admin = county["users"]["admin"]
    forged = _signed_cookie(OLD_PUBLIC_KEY, {"_user_id": f"{admin.id}:{admin.session_version}", "_fresh": True})
    client = development.test_client()
    client.set_cookie("session", forged)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/admin/users").status_code == 302  # to the login page


def test_development_signs_sessions_with_a_random_key_of_its_instance(development, tmp_path, make_app, county):
    key_file = tmp_path / "secret.key"
    key = development.config["SECRET_KEY"]
    assert key != OLD_PUBLIC_KEY and len(key) >= 48 and key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Every worker of the instance signs with the same key: a login on one is valid on another.
    second = make_app(ENV_NAME="development")
    assert second.config["SECRET_KEY"] == key
    first_client = development.test_client()
    _login(first_client, "cadre")
    other = second.test_client()
    other.set_cookie("session", first_client.get_cookie("session").value)
    assert other.get("/api/v1/me").status_code == 200


def test_another_instance_gets_another_key(make_app, monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    keys = []
    for name in ("one", "two"):
        monkeypatch.setenv("JOBMATCH_INSTANCE", str(tmp_path / name))
        keys.append(make_app(ENV_NAME="development").config["SECRET_KEY"])
    assert keys[0] != keys[1]


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_the_old_public_key_is_refused_everywhere(monkeypatch, env, make_app):
    monkeypatch.setenv("SECRET_KEY", OLD_PUBLIC_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY") as refused:
        make_app(ENV_NAME=env)
    assert "伪造" in str(refused.value)


@pytest.mark.parametrize("secret", ["", "short", "x" * 31, "长" * 10])
def test_production_refuses_a_secret_key_under_32_bytes(monkeypatch, secret, make_app):
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="at least 32 bytes") as refused:
        make_app(ENV_NAME="production")
    assert "SECRET_KEY" in str(refused.value) and "生产环境" in str(refused.value)


def test_production_starts_with_a_key_of_32_bytes(monkeypatch, make_app):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    assert make_app(ENV_NAME="production").config["SECRET_KEY"] == "k" * 32


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    ("key", "words"),
    [
        (_encode(bytes(32)), "all zero"),
        (_encode(b"k" * 16), "32 bytes"),
        (_encode(b"k" * 33), "32 bytes"),
        ("not base64 at all!", "base64"),
    ],
    ids=["zero", "16 bytes", "33 bytes", "not base64"],
)
def test_production_refuses_a_data_key_that_is_no_key(monkeypatch, key, words, make_app):
    monkeypatch.setenv("SECRET_KEY", LONG_SECRET)
    with pytest.raises(ConfigError, match="JOBMATCH_DATA_KEY") as refused:
        make_app(ENV_NAME="production", DATA_KEY=key)
    assert words in str(refused.value) and "加密密钥" in str(refused.value)


def _laborer_with_an_id_number() -> Laborer:
    factories.household()
    return factories.laborer()


def test_a_data_key_that_does_not_match_the_data_is_refused_at_start(app, regions, make_app):
    laborer = _laborer_with_an_id_number()
    with pytest.raises(ConfigError, match="does not match the data") as refused:
        make_app(DATA_KEY=crypto.new_key())
    assert "数据密钥" in str(refused.value)
    # The refused app left this process's key alone: the data still reads.
    db.session.expire_all()
    assert db.session.get(Laborer, laborer.id).id_number


def test_data_written_before_the_check_value_existed_is_checked_against_a_stored_value(app, regions, make_app):
    """A database from an earlier release has no check value: a stored ciphertext decides, then the value is kept."""
    data_key = app.config["DATA_KEY"]
    _laborer_with_an_id_number()
    db.session.execute(sa.delete(DataKeyCheck))
    db.session.commit()
    with pytest.raises(ConfigError, match="does not match the data"):
        make_app(DATA_KEY=crypto.new_key())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataKeyCheck)) == 0
    make_app(DATA_KEY=data_key)
    stored = db.session.scalar(sa.select(DataKeyCheck.check_value))
    assert stored == crypto.key_check_value(crypto.keyring_from(data_key))


def test_the_check_value_reveals_nothing_of_the_key(app):
    data_key = app.config["DATA_KEY"]
    stored = db.session.scalar(sa.select(DataKeyCheck.check_value))
    ring = crypto.keyring_from(data_key)
    assert stored == crypto.key_check_value(ring)
    assert data_key not in stored and ring.encryption.hex() not in stored and ring.index.hex() not in stored


def test_an_empty_database_takes_the_key_it_is_started_with(app, make_app):
    data_key = app.config["DATA_KEY"]
    db.session.execute(sa.delete(DataKeyCheck))
    db.session.commit()
    other = crypto.new_key()
    make_app(DATA_KEY=other)
    assert db.session.scalar(sa.select(DataKeyCheck.check_value)) == crypto.key_check_value(crypto.keyring_from(other))
    # and from then on the tests' own key is the one refused
    with pytest.raises(ConfigError):
        make_app(DATA_KEY=data_key)
    crypto.configure(data_key)  # the process's key, as the other tests expect it
