#!/bin/sh
# Installs the official npm package agora-token (exact pin) into tests/.deps,
# used by tests/http/run.js to cross-check every token the binary mints.
# Idempotent: does nothing when the pinned version is already installed.
set -eu
VERSION=2.0.6
here=$(cd "$(dirname "$0")" && pwd)
deps=$(cd "$here/.." && pwd)/.deps
pkg="$deps/node_modules/agora-token/package.json"

if [ -f "$pkg" ] && node -e '
  const v = require(process.argv[1]).version;
  process.exit(v === process.argv[2] ? 0 : 1);
' "$pkg" "$VERSION"; then
  echo "agora-token@$VERSION already installed in $deps"
  exit 0
fi

mkdir -p "$deps"
npm install --prefix "$deps" --no-save --no-package-lock --no-audit --no-fund \
  --loglevel=error "agora-token@$VERSION"
node -e 'require(process.argv[1] + "/node_modules/agora-token/src/AccessToken2")' "$deps"
echo "agora-token@$VERSION installed in $deps"
