#!/usr/bin/env bash
# Install mcdimer into .venv (Python >= 3.12) and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/pip install --quiet -e .
.venv/bin/mcdimer exact --C 50 --K 60 --hz 0 --bins 40 "$@"
