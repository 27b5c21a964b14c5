#!/usr/bin/env bash
# Command two: install what the tests need, lint, and run the suite on SQLite,
# then again on PostgreSQL when TEST_DATABASE_URL points at a server.
# With CI=true the load test and the fault scripts run in their full form (tests/test_load_and_faults.py).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements-dev.txt
. scripts/browser.sh
ensure_browser
. scripts/debs.sh
ensure_debs fonts-wqy-microhei poppler-utils

# PostgreSQL asked for but not answering is a failure now, not after the SQLite pass, and never a skip.
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  if ! problem=$(.venv/bin/python -c '
import os, sys, psycopg
try:
    psycopg.connect(os.environ["TEST_DATABASE_URL"], connect_timeout=10).close()
except psycopg.Error as exc:
    sys.exit(str(exc).strip().splitlines()[0])
' 2>&1); then
    echo "==> TEST_DATABASE_URL is set but PostgreSQL does not answer: $problem" >&2
    exit 3
  fi
fi

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# Two processes (pytest-xdist; TEST_PROCESSES=1 for one), each with a database of its own. Tests are dealt
# out one by one, except those marked with one xdist_group (a module fixture made once), which stay in one
# process. The slowest tests of each pass are listed at its end.
if [ "${TEST_PROCESSES:-2}" -gt 1 ]; then
  options=(-n "${TEST_PROCESSES:-2}" --dist loadgroup --durations=15)
else
  options=(--durations=15)
fi
echo "==> pytest on SQLite"
env -u TEST_DATABASE_URL .venv/bin/python -m pytest "${options[@]}" "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "==> pytest on PostgreSQL (${TEST_DATABASE_URL%%\?*})"
  # Tests that use no database run in the SQLite pass only (tests/conftest.py): exit 5 then means
  # that none of the tests asked for uses one.
  status=0
  .venv/bin/python -m pytest "${options[@]}" "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "==> none of these tests uses the database: nothing more to run on PostgreSQL"
  elif [ "$status" -ne 0 ]; then
    exit "$status"
  fi
else
  echo "==> TEST_DATABASE_URL not set: PostgreSQL run skipped"
fi
