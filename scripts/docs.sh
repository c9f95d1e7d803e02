#!/usr/bin/env bash
# Install mcdimer with its docs extra into .venv (created with Python >= 3.12 if absent) and
# build the documentation into docs/_build/html: warnings are errors, every cross-reference
# is checked (-n) and every tutorial is executed. Extra arguments go to sphinx-build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/pip install --quiet -e '.[docs]'
.venv/bin/sphinx-build -b html -n -W --keep-going docs docs/_build/html "$@"
echo "docs: open docs/_build/html/index.html"
