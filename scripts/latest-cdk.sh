#!/usr/bin/env bash
# The unit tests against the newest aws-cdk-lib on the npm registry, beside the pinned run of
# `npm test`: in a throwaway copy of the work tree (the root node_modules keeps the pinned one),
# where npm installs the lock file's packages with aws-cdk-lib moved to the newest version.
# The handler tests (test/handlers/) are left out: they test the handler against fakes, and
# aws-cdk-lib only synthesizes their stacks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${LATEST_CDK_VERSION:-$(npm view aws-cdk-lib@latest version)}
pinned=$(cd "$root" && node -p 'require("aws-cdk-lib/package.json").version')
work=$(mktemp -d "${TMPDIR:-/tmp}/latest-cdk-XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
# The project's own files (tracked, and new ones not ignored) and the handler bundle the tests use.
{ git ls-files -co --exclude-standard; find assets -type f; } | sort -u | while read -r f; do
  [ -f "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$work"

# The tests' Python tools (python:env made them; they do not depend on aws-cdk-lib).
ln -s "$root/.venv" "$work/.venv"

cd "$work"
# Every other direct dependency stays at the version the root has: a newer aws-cdk-lib must not
# move, say, the @aws/cloudformation-validate the tests load (2.276 wants its own, exact one).
kept=$(cd "$root" && node -e '
  const { readFileSync } = require("fs");
  const version = (n) => JSON.parse(readFileSync(`node_modules/${n}/package.json`, "utf-8")).version;
  const pkg = JSON.parse(readFileSync("package.json", "utf-8"));
  for (const n of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) if (n !== "aws-cdk-lib") console.log(`${n}@${version(n)}`);')
mapfile -t keep <<< "$kept"
npm install --no-audit --no-fund --ignore-scripts --loglevel=error --save-dev --save-exact "aws-cdk-lib@$version" "${keep[@]}" > /dev/null
resolved=$(node -p 'require("aws-cdk-lib/package.json").version')
if [ "$resolved" != "$version" ]; then
  echo "latest-cdk: the copy resolves aws-cdk-lib $resolved, not $version" >&2
  exit 1
fi
for spec in "${keep[@]}"; do
  name=${spec%@*}
  if [ "$(node -p "JSON.parse(require('fs').readFileSync('node_modules/$name/package.json', 'utf-8')).version")" != "${spec##*@}" ]; then
    echo "latest-cdk: the copy moved $name off ${spec##*@}" >&2
    exit 1
  fi
done
echo "latest-cdk: unit tests with aws-cdk-lib $resolved (the pinned run uses $pinned), constructs $(node -p 'require("constructs/package.json").version'), in $work"
# Arguments (test paths) first: jest's array options would swallow them.
npx jest "$@" --ci --coverage=false --reporters=default --testPathIgnorePatterns='/node_modules/|/test/handlers/'
