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
# The pins must have resolved together: a dependency of one (moto's boto3, say) may not move another.
.venv/bin/pip check --disable-pip-version-check > /dev/null || { .venv/bin/pip check --disable-pip-version-check; exit 1; }
echo "$want" > "$stamp"
echo "python-env: .venv has $(.venv/bin/python -c 'import botocore, cfnlint.version as v, moto; print(f"botocore {botocore.__version__}, cfn-lint {v.__version__}, moto {moto.__version__}")')"
