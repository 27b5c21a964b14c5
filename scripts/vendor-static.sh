#!/usr/bin/env bash
# Copy the pinned front-end libraries from node_modules into static/vendor.
# The copies are committed, so running the service never needs npm or a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund

version() { node -p "require('./node_modules/$1/package.json').version"; }

dest=static/vendor/swagger-ui
mkdir -p "$dest"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE; do
  cp "node_modules/swagger-ui-dist/$f" "$dest/$f"
done
echo "vendored swagger-ui-dist $(version swagger-ui-dist) into $dest"

# Apache ECharts for the bureau's dashboard: the minified full build (canvas and SVG renderers) and its licence.
dest=static/vendor/echarts
mkdir -p "$dest"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts.min.js"
cp node_modules/echarts/LICENSE "$dest/LICENSE"
cp node_modules/echarts/NOTICE "$dest/NOTICE"
echo "vendored echarts $(version echarts) into $dest"

# idb-keyval for the workshop manager's offline day sheet: marks kept in IndexedDB until they are sent.
dest=static/vendor/idb-keyval
mkdir -p "$dest"
cp node_modules/idb-keyval/dist/umd.js "$dest/idb-keyval.umd.js"
cp node_modules/idb-keyval/LICENCE "$dest/LICENCE"
echo "vendored idb-keyval $(version idb-keyval) into $dest"
