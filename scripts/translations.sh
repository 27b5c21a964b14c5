#!/usr/bin/env bash
# Collect the page strings into jobmatch/translations/en/LC_MESSAGES/messages.po (new ones get an empty
# translation to fill in); tests/test_i18n.py fails while any string lacks its English.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o "$pot" jobmatch workshops
.venv/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -i "$pot" -d jobmatch/translations -l en
