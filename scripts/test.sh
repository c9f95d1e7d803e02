#!/usr/bin/env bash
# Install mcdimer with its test and docs extras into .venv (created with Python >= 3.12 if
# absent), lint it, and run the whole test suite, slow statistical tests included; the suite
# builds the documentation (tests/unit/test_docs.py: sphinx-build -n -W, tutorials executed)
# and runs the docstring examples of mcdimer/ as doctests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/pip install --quiet -e '.[test,docs]'
.venv/bin/ruff check mcdimer tests benchmarks analysis docs
.venv/bin/python -m pytest "$@"
