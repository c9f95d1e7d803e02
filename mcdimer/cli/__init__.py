"""The `mcdimer` command line. Each subcommand lives in its own module of this package."""

from __future__ import annotations

import functools
import os
import sys

import click

from .. import __version__


def quiet_broken_pipe() -> None:
    """The reader of our output went away (`mcdimer show ... | head`): stop quietly.

    stdout is pointed at /dev/null so that the interpreter's final flush cannot fail again;
    the exit status is that of a process killed by SIGPIPE, as `yes | head` gives."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


def printable(text) -> str:
    """`text` with control characters escaped (`mcdimer.runs.lock.printable`, imported only
    when there is something to print: the runs package is heavy for `mcdimer exact`)."""
    from ..runs.lock import printable as escape

    return escape(text)


def user_errors(func):
    """Print bad input (ValueError; OverflowError and MemoryError, which only a too large
    request raises) as one line on stderr, control characters escaped (`printable`), and
    exit 2, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            quiet_broken_pipe()
        except ValueError as err:
            click.echo(f"mcdimer: error: {printable(err)}", err=True)
            sys.exit(2)
        except OverflowError as err:
            click.echo(f"mcdimer: error: a value is too large: {printable(err)}", err=True)
            sys.exit(2)
        except MemoryError:
            click.echo("mcdimer: error: out of memory: ask for less", err=True)
            sys.exit(2)

    return wrapper


class _Main(click.Group):
    """The command group, with click's usage errors on one line like every other error."""

    def main(self, *args, **kwargs):
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as err:
            err.show()
            sys.exit(err.exit_code)
        except click.UsageError as err:
            where = f" (see '{err.ctx.command_path} --help')" if err.ctx else ""
            click.echo(f"mcdimer: error: {err.format_message()}{where}", err=True)
            sys.exit(2)
        except click.ClickException as err:
            err.show()
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("mcdimer: aborted", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcdimer")
def main():
    """Thermal statistics of dipole-coupled variable-modulus moments (reduced units, App. B)."""


from .exact import exact  # noqa: E402

main.add_command(exact)
from .meanfield import meanfield  # noqa: E402

main.add_command(meanfield)
from .micro import micro  # noqa: E402

main.add_command(micro)
from .figure import figure  # noqa: E402
from .run import run  # noqa: E402
from .show import show  # noqa: E402

main.add_command(run)
main.add_command(figure)
main.add_command(show)
