"""`mcdimer run`: compute a spec's points (resuming), on a process pool or a Dask cluster."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import user_errors


def run_errors(func):
    """user_errors, plus one-line messages for OS errors and Ctrl-C (exit 130)."""

    @functools.wraps(func)
    @user_errors
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo(
                "mcdimer: interrupted; the points written so far are complete: "
                "run the same command again to resume",
                err=True,
            )
            sys.exit(130)
        except OSError as err:
            raise ValueError(f"{err.filename or ''}: {err.strerror or err}".lstrip(": ")) from None

    return wrapper


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(path_type=Path))
@click.option(
    "--out", type=click.Path(path_type=Path), help="Results directory [default: results/<SPEC>]."
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Local worker processes [default: CPUs]."
)
@click.option("--scheduler", metavar="ADDRESS", help="Run the points on this Dask scheduler.")
@click.option(
    "--point",
    "point",
    type=click.IntRange(min=0),
    multiple=True,
    help="Compute only point I (repeatable; for job arrays), in this process.",
)
@click.option("--force", is_flag=True, help="Recompute points stored by another version or spec.")
@run_errors
def run(spec_file, out, workers, scheduler, point, force):
    """Compute every point of SPEC.toml not yet stored under --out, then merge the sweep."""
    from .. import runs

    spec, text = runs.load(spec_file)
    out = out or runs.default_out(spec_file)
    executor, client = None, None
    if scheduler:
        if point:
            raise ValueError("--point runs in this process: do not combine it with --scheduler")
        try:
            from distributed import Client

            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise ValueError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        executor = client.get_executor()
    log = functools.partial(click.echo, err=True)
    try:
        res = runs.run_sweep(
            spec,
            out,
            executor,
            text=text,
            workers=1 if point else workers,
            indices=list(point) or None,
            force=force,
            log=log,
        )
    finally:
        if client is not None:
            client.close()
    msg = (
        f"{spec_file}: {res['computed']} point(s) computed, {res['skipped']} already stored, "
        f"{res['points']} in the spec -> {out}"
    )
    if res["sweep"]:
        msg += f" (merged: {res['sweep']})"
    click.echo(msg)
