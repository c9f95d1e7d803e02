"""Fig. 10 from a stored run of runs/fig10.toml, drawn by mcdimer.plots.micro.fig10.

python analysis/fig10.py results/fig10 [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli, group

from mcdimer.plots import save
from mcdimer.plots.micro import fig10


def main(results, png) -> Path:
    fig = fig10(group(results, "fig10"))
    return save(fig, png, dpi=150)


if __name__ == "__main__":
    cli(main, __doc__, "fig10")
