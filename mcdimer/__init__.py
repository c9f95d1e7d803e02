"""mcdimer: thermal distributions of dipole-coupled variable-modulus moments.

Built on Percebois, Weinmann, Jalabert, Weick, PRB 105, 085405 (2022); conventions in
PHYSICS.md. Reduced units of App. B throughout: mu = M/M0, h = beta M0 H,
K = beta M0^2/d^3, C = beta gamma M0^2.
"""

from importlib.metadata import PackageNotFoundError, version

from . import compare, exact, geometry, meanfield, micro
from .landscapes import FromResponse, Landscape, Quadratic, Saturating
from .micro import Microscopic
from .model import Assembly, Chain, Dimer
from .sampling import SampleResult, sample

try:
    __version__ = version("mcdimer")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Assembly",
    "Chain",
    "Dimer",
    "FromResponse",
    "Landscape",
    "Microscopic",
    "Quadratic",
    "SampleResult",
    "Saturating",
    "compare",
    "exact",
    "geometry",
    "meanfield",
    "micro",
    "sample",
    "__version__",
]
