#!/usr/bin/env bash
# Creates .venv with the reference pipeline's packages (scikit-learn, numpy, scipy, datasketch)
# from PyPI, once; prints the venv's python. Only evaluation and benchmarks use Python.
set -euo pipefail
cd "$(dirname "$0")/.."
req=scripts/requirements-reference.txt
stamp=.venv/.installed
if [ ! -x .venv/bin/python ] || ! cmp -s "$req" "$stamp" 2>/dev/null; then
  python3 -m venv .venv >&2
  .venv/bin/pip install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$(pwd)/.venv/bin/python"
