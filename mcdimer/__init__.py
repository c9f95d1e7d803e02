"""mcdimer: thermal distributions of dipole-coupled variable-modulus moments.

Built on Percebois, Weinmann, Jalabert, Weick, PRB 105, 085405 (2022); reduced units of
App. B throughout (docs/physics.md, "Reduced units"): mu = M/M0, h = beta M0 H,
K = beta M0^2/d^3, C = beta gamma M0^2.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version

from .landscapes import FromResponse, Landscape, Quadratic, Saturating
from .model import Assembly, Chain, Dimer
from .sampling import SampleResult, sample
from .sampling.config import Emcee, Metropolis, Tempering

try:
    __version__ = version("mcdimer")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

# Imported on first use: together they pull in scipy.optimize and xarray, about a second of
# CPU that `import mcdimer` and `mcdimer --help` should not pay (benchmarks/bench_startup.py).
_SUBMODULES = ("compare", "exact", "geometry", "meanfield", "micro")
_FROM_SUBMODULE = {"Microscopic": "micro"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _FROM_SUBMODULE:
        return getattr(importlib.import_module(f".{_FROM_SUBMODULE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_FROM_SUBMODULE))


__all__ = [
    "Assembly",
    "Chain",
    "Dimer",
    "Emcee",
    "FromResponse",
    "Landscape",
    "Metropolis",
    "Microscopic",
    "Quadratic",
    "SampleResult",
    "Saturating",
    "Tempering",
    "compare",
    "exact",
    "geometry",
    "meanfield",
    "micro",
    "sample",
    "__version__",
]
