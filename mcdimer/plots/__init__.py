"""Figures drawn from stored data (xarray Datasets); no physics is computed here."""

from ._common import PHASE_COLOURS, save
from .fig3 import plot_fig3
from .fig4 import plot_fig4
from .fig9 import plot_fig9

__all__ = ["PHASE_COLOURS", "save", "plot_fig3", "plot_fig4", "plot_fig9"]
