"""`mcdimer figure`: draw a spec's figure from its stored results (never recomputes)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import click

from .run import run_errors


def find_script(spec_file: Path, figure: str) -> Path:
    """analysis/<figure>.py beside the spec's folder (runs/../analysis), else in ./analysis."""
    for base in (spec_file.resolve().parent.parent, Path.cwd()):
        script = base / "analysis" / f"{figure}.py"
        if script.is_file():
            return script
    raise ValueError(f"{spec_file}: figure: no analysis/{figure}.py next to runs/ or in ./analysis")


def draw(spec_file: Path, out: Path | None = None) -> Path:
    from .. import runs

    spec, _ = runs.load(spec_file)
    if not spec.figure:
        raise ValueError(f"{spec_file}: figure: the spec names no figure")
    out = out or runs.default_out(spec_file)
    runs.open_results(out, spec)  # one-line error if any point is missing or unusable
    script = find_script(Path(spec_file), spec.figure)
    sys.path.insert(0, str(script.parent))
    try:
        namespace = runpy.run_path(str(script), run_name="mcdimer_figure")
    finally:
        sys.path.remove(str(script.parent))
    return namespace["main"](Path(out), Path(out) / f"{spec.figure}.png")


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(path_type=Path))
@click.option(
    "--out", type=click.Path(path_type=Path), help="Results directory [default: results/<SPEC>]."
)
@run_errors
def figure(spec_file, out):
    """Draw SPEC.toml's figure (analysis/<figure>.py) from the results stored under --out."""
    click.echo(draw(spec_file, out))
