#!/usr/bin/env bash
# The Python consumer: installs the built wheel, with aws-cdk-lib and constructs from PyPI, into a
# fresh virtual environment and synthesizes app.py with the CDK CLI from npm into $1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
shopt -s nullglob
wheels=("$root"/dist/python/cdk_private_workforce-*.whl)
if [ ${#wheels[@]} -ne 1 ]; then
  echo "consumers/python: expected one wheel in dist/python (npx projen package:python), found ${#wheels[@]}" >&2
  exit 1
fi
rm -rf "$here/.venv"
python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" "${wheels[0]}"
"$here/.venv/bin/python" -c 'import importlib.metadata as m; print("consumers/python: " + ", ".join(f"{p} {m.version(p)}" for p in ("cdk-private-workforce", "aws-cdk-lib", "constructs", "jsii")))'
cd "$here"
cdk synth --quiet --no-notices --output "$out" > /dev/null
echo "consumers/python: synthesized $(ls "$out"/*.template.json | xargs -n1 basename | tr '\n' ' ')into ${out#"$root"/}"
