from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures)
