"""Runs: specifications (TOML in runs/), their points, the sweep runner and the store.

spec, text = mcdimer.runs.load("runs/fig8.toml")
mcdimer.runs.run_sweep(spec, "results/fig8", text=text)       # any Executor
tree = mcdimer.runs.open_results("results/fig8")              # merged, from disk
"""

from .compute import compute_point, meanfield_ground_state
from .loader import load, parse
from .points import Point, model_at, point_seed, points
from .spec import Spec, SpecError, describe
from .store import ResultError, open_point, open_results, point_path
from .sweep import default_executor, default_out, run_one, run_sweep, warm_up

__all__ = [
    "Point",
    "ResultError",
    "Spec",
    "SpecError",
    "compute_point",
    "default_executor",
    "default_out",
    "describe",
    "load",
    "meanfield_ground_state",
    "model_at",
    "open_point",
    "open_results",
    "parse",
    "point_path",
    "point_seed",
    "points",
    "run_one",
    "run_sweep",
    "warm_up",
]
