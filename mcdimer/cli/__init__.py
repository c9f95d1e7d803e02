"""The `mcdimer` command line. Each subcommand lives in its own module of this package."""

from __future__ import annotations

import functools
import sys

import click

from .. import __version__


def user_errors(func):
    """Print a ValueError (bad input) as one line on stderr and exit 2, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValueError as err:
            click.echo(f"mcdimer: error: {err}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
