"""Reuse the small county with one user of each role."""

from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures)
