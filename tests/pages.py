"""Logging in to the pages as a role, with the CSRF token a browser would send."""

from __future__ import annotations

import re

from tests.accounts.conftest import PASSWORD


def csrf(client, path: str) -> str:
    """The CSRF token of the page at `path` (each page carries it in a meta tag)."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, name: str) -> None:
    token = csrf(client, "/login")
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token}).status_code == 302
