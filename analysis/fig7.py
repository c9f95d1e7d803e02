"""Fig. 7 from a stored run of runs/fig7.toml, drawn by mcdimer.plots.micro.fig7.

python analysis/fig7.py results/fig7 [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli, group

from mcdimer.plots import save
from mcdimer.plots.micro import fig7


def main(results, png) -> Path:
    fig = fig7(group(results, "fig7"))
    return save(fig, png, dpi=150)


if __name__ == "__main__":
    cli(main, __doc__, "fig7")
