"""Fig. 4 from a stored run of runs/fig4.toml, drawn by mcdimer.plots.fig4.

python analysis/fig4.py results/fig4 [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli, group

from mcdimer.plots.fig4 import plot_fig4


def main(results, png) -> Path:
    return Path(plot_fig4(group(results, "fig4"), png))


if __name__ == "__main__":
    cli(main, __doc__, "fig4")
