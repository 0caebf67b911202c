#!/usr/bin/env bash
# Creates .venv with requirements-dev.txt (pinned), once per change of that file.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements-dev.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$want" > "$stamp"
echo "python-env: .venv has $(.venv/bin/python -c 'import botocore, cfnlint.version as v; print(f"botocore {botocore.__version__}, cfn-lint {v.__version__}")')"
