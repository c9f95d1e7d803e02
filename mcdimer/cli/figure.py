"""`mcdimer figure`: draw a spec's figure from its stored results (never recomputes)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import click

from .run import out_dir, run_errors


def script_dirs(spec_file: Path) -> list[Path]:
    """Where figure scripts may come from: the spec's own project (SPEC/../../analysis, i.e.
    runs/../analysis) and the project mcdimer itself was installed from. Never the current
    directory: a script planted in ./analysis would otherwise run with the user's rights."""
    import mcdimer as package

    return [
        spec_file.resolve().parent.parent / "analysis",
        Path(package.__file__).resolve().parent.parent / "analysis",
    ]


def find_script(spec_file: Path, figure: str) -> Path:
    """analysis/<figure>.py of the spec's project, else of mcdimer's own source tree."""
    dirs = script_dirs(spec_file)
    for base in dirs:
        script = base / f"{figure}.py"
        if script.is_file():
            return script
    raise ValueError(
        f"{spec_file}: figure: no {figure}.py in {' or '.join(str(d) for d in dict.fromkeys(dirs))}"
    )


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
@click.option("--out", help="Results directory [default: results/<SPEC>].")
@run_errors
def figure(spec_file, out):
    """Draw SPEC.toml's figure (analysis/<figure>.py of the spec's project or of mcdimer's
    source tree, never ./analysis) from the results stored under --out."""
    click.echo(draw(spec_file, out_dir(out)))
