#!/usr/bin/env bash
# Command two: install what the tests need, lint, and run the suite on SQLite,
# then again on PostgreSQL when TEST_DATABASE_URL points at a server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements-dev.txt
. scripts/browser.sh
ensure_browser

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "==> pytest on SQLite"
env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "==> pytest on PostgreSQL (${TEST_DATABASE_URL%%\?*})"
  .venv/bin/python -m pytest "$@"
else
  echo "==> TEST_DATABASE_URL not set: PostgreSQL run skipped"
fi
