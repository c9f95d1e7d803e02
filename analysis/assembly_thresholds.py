"""Mean-field onset K_c/C of disordered assemblies vs size dispersion, from a stored run of
runs/assembly_thresholds.toml (one group per geometry), drawn by mcdimer.plots.assemblies.

python analysis/assembly_thresholds.py results/assembly_thresholds [PNG]
"""

from __future__ import annotations

from pathlib import Path

from _figures import cli

from mcdimer.plots.assemblies import plot_critical_ratios
from mcdimer.runs import open_results


def main(results, png) -> Path:
    tree = open_results(results)
    groups = {name: tree[name].to_dataset(inherit=False) for name in tree.children}
    return Path(plot_critical_ratios(groups, png))


if __name__ == "__main__":
    cli(main, __doc__, "assembly_thresholds")
