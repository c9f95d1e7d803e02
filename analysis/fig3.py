"""Fig. 3 from a stored run of runs/fig3.toml, drawn by mcdimer.plots.fig3.

python analysis/fig3.py results/fig3 [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli, group

from mcdimer.plots.fig3 import plot_fig3


def main(results, png) -> Path:
    return Path(plot_fig3(group(results, "fig3"), png))


if __name__ == "__main__":
    cli(main, __doc__, "fig3")
