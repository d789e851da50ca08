#!/usr/bin/env bash
# Refresh the console's vendored scripts (`make vendor`): fetch the pinned release with npm pack,
# copy the file into services/console/static/vendor/ and record its version and sha256.
# Only this refresh needs npm; installing, running and testing the console never do.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
dest=services/console/static/vendor
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null && tar xzf htmx.org-*.tgz)
cp "$tmp/package/dist/htmx.min.js" "$dest/htmx.min.js"
sum="$(sha256sum "$dest/htmx.min.js" | cut -d' ' -f1)"
cat > "$dest/VENDORED.md" <<MD
# Vendored files (refreshed by \`make vendor\`; checked by tests/console/test_vendored.py)

| file | package | version | sha256 |
| --- | --- | --- | --- |
| htmx.min.js | htmx.org (npm), dist/htmx.min.js | ${HTMX_VERSION} | ${sum} |
MD
echo "htmx ${HTMX_VERSION} ${sum}"
