"""Fig. 5 from a stored run of runs/fig5.toml: (a) chi(T) with its inset, (b) dimer m^z(T),
drawn by mcdimer.plots.micro and set side by side in one PNG.

    python analysis/fig5.py results/fig5 [PNG]
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
from _figures import cli, group

from mcdimer.plots import save
from mcdimer.plots.micro import fig5a, fig5b


def _image(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    buf.seek(0)
    return plt.imread(buf)


def main(results, png) -> Path:
    inset = group(results, "inset")
    panels = [_image(fig5a(group(results, "a"), inset=inset)), _image(fig5b(group(results, "b")))]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, img, label in zip(axes, panels, "ab", strict=True):
        ax.imshow(img)
        ax.set_axis_off()
        ax.set_title(f"({label})")
    fig.tight_layout()
    return save(fig, png, dpi=150)


if __name__ == "__main__":
    cli(main, __doc__, "fig5")
