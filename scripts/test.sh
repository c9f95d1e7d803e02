#!/usr/bin/env bash
# Install mcdimer with its test extra into .venv (created with Python >= 3.12 if absent),
# lint it, and run the whole test suite, slow statistical tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/pip install --quiet -e '.[test]'
.venv/bin/ruff check mcdimer tests benchmarks analysis
.venv/bin/python -m pytest "$@"
