"""Fig. 6 from a stored run of runs/fig6.toml, drawn by mcdimer.plots.micro.fig6.

python analysis/fig6.py results/fig6 [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli, group

from mcdimer.plots import save
from mcdimer.plots.micro import fig6


def main(results, png) -> Path:
    fig = fig6(group(results, "fig6"))
    return save(fig, png, dpi=150)


if __name__ == "__main__":
    cli(main, __doc__, "fig6")
