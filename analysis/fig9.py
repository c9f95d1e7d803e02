"""Fig. 9 from a stored run of runs/fig9.toml, drawn by mcdimer.plots.fig9.

python analysis/fig9.py results/fig9 [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli, group

from mcdimer.plots.fig9 import plot_fig9


def main(results, png) -> Path:
    return Path(plot_fig9(group(results, "fig9"), png))


if __name__ == "__main__":
    cli(main, __doc__, "fig9")
