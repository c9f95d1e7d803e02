"""Helpers shared by the analysis scripts: load a stored run, save a figure, CLI shim."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from mcdimer.runs import open_results  # noqa: E402


def onset(ratio, values, level=0.5) -> float:
    """First K/C where `values` reaches `level` (linear interpolation), NaN if never."""
    values = np.asarray(values, dtype=float)
    above = np.nonzero(values >= level)[0]
    if not above.size:
        return float("nan")
    k = above[0]
    if k == 0:
        return float(ratio[0])
    r0, r1, v0, v1 = ratio[k - 1], ratio[k], values[k - 1], values[k]
    return float(r0 + (level - v0) * (r1 - r0) / (v1 - v0))


def group(results, name: str):
    """The Dataset of group `name` (kind meanfield / micro) of a stored run."""
    tree = open_results(results)
    if name not in tree.children:
        raise ValueError(f"{results}: no group /{name} (runs of which spec are these?)")
    return tree[name].to_dataset(inherit=False)


def root(results):
    return open_results(results).to_dataset()


def cli(main, doc: str, figure: str) -> None:
    """`python analysis/<figure>.py RESULTS_DIR [PNG]`."""
    if len(sys.argv) not in (2, 3):
        sys.exit(doc)
    out = Path(sys.argv[1])
    print(main(out, Path(sys.argv[2]) if len(sys.argv) == 3 else out / f"{figure}.png"))
