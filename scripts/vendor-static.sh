#!/usr/bin/env bash
# Copy the pinned front-end libraries from node_modules into static/vendor.
# The copies are committed, so running the service never needs npm or a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
dest=static/vendor/swagger-ui
mkdir -p "$dest"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE; do
  cp "node_modules/swagger-ui-dist/$f" "$dest/$f"
done
echo "vendored swagger-ui-dist $(node -p "require('./node_modules/swagger-ui-dist/package.json').version") into $dest"
