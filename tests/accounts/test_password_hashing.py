"""Passwords are Argon2id hashes at OWASP's minimum cost; hashes made with other parameters are redone at login."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from jobmatch.accounts import passwords, service
from jobmatch.extensions import db
from tests.accounts.conftest import PASSWORD

# OWASP's recommended minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
OWASP_MEMORY_KIB, OWASP_TIME_COST, OWASP_PARALLELISM = 19_456, 2, 1
# Hashes stored before: the library's defaults (64 MiB, 3 passes, 4 lanes), and a weaker one.
OLDER_HASHERS = {
    "library defaults": PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4),
    "weaker": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}


def _csrf(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _login(client, name: str, password: str = PASSWORD):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": _csrf(client), "next": ""})


def _parameters(stored: str) -> tuple:
    found = extract_parameters(stored)
    return found.type, found.memory_cost, found.time_cost, found.parallelism


def test_new_passwords_are_hashed_with_argon2id_at_owasps_minimum(app, county):
    expected = (Type.ID, OWASP_MEMORY_KIB, OWASP_TIME_COST, OWASP_PARALLELISM)
    assert _parameters(passwords.hash_password("a-new-long-password")) == expected
    user = service.save_user({"name": "newcomer", "role": "admin", "password": "a-new-long-password"})
    assert _parameters(user.password_hash) == expected
    assert passwords.verify_password(user.password_hash, "a-new-long-password")
    assert not passwords.verify_password(user.password_hash, "another-password")


@pytest.mark.parametrize("older", OLDER_HASHERS)
def test_a_hash_with_other_parameters_is_redone_at_the_next_login_and_still_lets_the_user_in(client, county, older):
    user = county["users"]["cadre"]
    user.password_hash = OLDER_HASHERS[older].hash(PASSWORD)
    db.session.commit()

    assert _login(client, "cadre").status_code == 302

    db.session.refresh(user)
    assert _parameters(user.password_hash) == (Type.ID, OWASP_MEMORY_KIB, OWASP_TIME_COST, OWASP_PARALLELISM)
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert _login(client, "cadre").status_code == 302  # the new hash holds the same password


def test_a_wrong_password_leaves_an_older_hash_as_it_was(client, county):
    user = county["users"]["cadre"]
    older = OLDER_HASHERS["library defaults"].hash(PASSWORD)
    user.password_hash = older
    db.session.commit()

    assert _login(client, "cadre", "not-the-password").status_code != 302

    db.session.refresh(user)
    assert user.password_hash == older
