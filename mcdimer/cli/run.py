"""`mcdimer run`: compute a spec's points (resuming), on a process pool or a Dask cluster."""

from __future__ import annotations

import functools
import signal
import sys
from pathlib import Path

import click

from . import quiet_broken_pipe, user_errors

_terminated = False  # set by the SIGTERM handler: the exit status is then 143, not 130


def _on_signal(signum, frame):
    """Ctrl-C and SIGTERM (kill, a batch system's time limit) end the run alike. The flag
    outlives the exception: a KeyboardInterrupt raised inside a finalizer (h5py, xarray
    file managers) is swallowed by Python, and the sweep loop checks the flag after each
    point."""
    global _terminated
    from ..runs.sweep import STOP

    STOP.set()
    if signum == signal.SIGTERM:
        _terminated = True
    raise KeyboardInterrupt


def _quiet_interrupts(stop, unraisable) -> None:
    """sys.unraisablehook during a run, and after a stop signal until the process exits:
    once STOP is set, what a finalizer raises is a consequence of the stop, not news: the
    KeyboardInterrupt our handler raised inside one (weakref callbacks, file managers), or
    an in-memory NetCDF file that the interrupt left half-serialised failing to close when
    it is collected at exit (h5py's KeyError; its bytes never reach the disk, since point
    files are written whole or not at all). Before a stop, everything goes to Python's
    hook. `stop` is the STOP event, bound when the hook is installed: at exit no import
    works any more."""
    if stop.is_set():
        return
    sys.__unraisablehook__(unraisable)


def run_errors(func=None, *, resume: bool = False):
    """user_errors, plus one-line messages for OS errors, Ctrl-C (exit 130) and SIGTERM
    (exit 143); resume: say that the points written so far are kept (`mcdimer run`)."""
    if func is None:
        return functools.partial(run_errors, resume=resume)

    @functools.wraps(func)
    @user_errors
    def wrapper(*args, **kwargs):
        global _terminated
        from ..runs.sweep import STOP

        _terminated = False
        STOP.clear()
        previous = signal.signal(signal.SIGTERM, _on_signal)
        previous_int = signal.signal(signal.SIGINT, _on_signal)
        previous_hook = sys.unraisablehook
        sys.unraisablehook = functools.partial(_quiet_interrupts, STOP)
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            what = "terminated (SIGTERM)" if _terminated else "interrupted"
            hint = (
                "; the points written so far are complete: run the same command again to resume"
                if resume
                else ""
            )
            click.echo(f"mcdimer: {what}{hint}", err=True)
            sys.exit(143 if _terminated else 130)
        except BrokenPipeError:
            quiet_broken_pipe()
        except OSError as err:
            raise ValueError(f"{err.filename or ''}: {err.strerror or err}".lstrip(": ")) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)
            if not STOP.is_set():  # after a stop, objects it broke are collected at exit
                sys.unraisablehook = previous_hook

    return wrapper


def out_dir(out: str | None) -> Path | None:
    """--out as a Path; "" is refused (it would silently mean the current directory)."""
    if out is None:
        return None
    if not out.strip():
        raise ValueError("--out: empty path; give a results directory")
    return Path(out)


SCHEMES = ("tcp://",)


def connect(scheduler: str):
    """A dask.distributed Client for --scheduler; one-line ValueError on any failure.

    Only plain TCP addresses are accepted here: tls:// needs certificates (a `security=`
    this command does not take), ucx:// an optional transport; connect from Python with
    distributed.Client(..., security=...) and pass its executor to runs.run_sweep."""
    if not scheduler.strip():
        raise ValueError("--scheduler: empty address; give tcp://HOST:PORT or HOST:PORT")
    if "://" in scheduler and not scheduler.startswith(SCHEMES):
        scheme = scheduler.split("://", 1)[0]
        raise ValueError(
            f"--scheduler {scheduler}: the {scheme}:// protocol is not supported by "
            "`mcdimer run` (tcp:// only); from Python, pass "
            "distributed.Client(address, security=...).get_executor() to runs.run_sweep"
        )
    try:
        from distributed import Client

        return Client(scheduler, timeout="20s")
    except Exception as err:  # noqa: BLE001 -- any failure to connect is one line
        raise ValueError(
            f"--scheduler {scheduler}: cannot connect ({type(err).__name__}: {err})"
        ) from None


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(path_type=Path))
@click.option("--out", help="Results directory [default: results/<SPEC>].")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Local worker processes, at most the CPUs this process may use and the points to "
    "compute [default: that many].",
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
@click.option("--wait", is_flag=True, help="If another run uses --out, wait for it to finish.")
@run_errors(resume=True)
def run(spec_file, out, workers, scheduler, point, force, wait):
    """Compute every point of SPEC.toml not yet stored under --out, then merge the sweep.

    Ctrl-C or SIGTERM stop the run (exit 130 / 143) keeping every point written; rerun
    to resume. Two runs never share an --out: the second refuses (or waits, --wait);
    --point tasks share it only with tasks of the same spec."""
    from .. import runs

    spec, text = runs.load(spec_file)
    out = out_dir(out) or runs.default_out(spec_file)
    executor, client = None, None
    if scheduler is not None:
        if point:
            raise ValueError("--point runs in this process: do not combine it with --scheduler")
        client = connect(scheduler)
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
            wait=wait,
            log=log,
        )
    finally:
        if client is not None:
            client.close()
    from . import printable

    msg = (
        f"{printable(spec_file)}: {res['computed']} point(s) computed, "
        f"{res['skipped']} already stored, {res['points']} in the spec -> {printable(out)}"
    )
    if res["sweep"]:
        msg += f" (merged: {printable(res['sweep'])})"
    click.echo(msg)
