#!/usr/bin/env bash
# Install mcdimer into .venv (Python >= 3.12) and run the main job: Fig. 8 (P(M_1^z) over
# K/C at C = 50, sampled with parallel tempering, overlaid with the exact Eq. (B8) density
# and the mean-field order parameter) into results/fig8/. Resumes if interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/pip install --quiet -e .
.venv/bin/mcdimer run runs/fig8.toml --out results/fig8 "$@"
.venv/bin/mcdimer figure runs/fig8.toml --out results/fig8
.venv/bin/mcdimer show results/fig8/sweep.nc
