"""`mcdimer figure`: draw a spec's figure from its stored results (never recomputes)."""

from __future__ import annotations

import errno
import os
import runpy
import stat
import sys
from pathlib import Path

import click

from .run import out_dir, run_errors


def script_dirs(spec_file: Path, analysis: Path | None = None) -> list[Path]:
    """Where figure scripts may come from: the directory named with --analysis, else the
    spec's own project (SPEC/../../analysis, i.e. runs/../analysis, taken only when it is
    the user's own, `check_owned`), then the project mcdimer itself was installed from.
    Never the current directory: a script planted in ./analysis would otherwise run with
    the user's rights."""
    import mcdimer as package

    own = Path(package.__file__).resolve().parent.parent / "analysis"
    if analysis is not None:
        return [Path(analysis), own]
    return [spec_file.resolve().parent.parent / "analysis", own]


def _private_group(gid: int) -> bool:
    """The user's own group (named after them, no other member): group-writable is then
    safe, as Debian's ssh allows for umask 002 systems with user private groups."""
    import grp
    import pwd

    try:
        group = grp.getgrgid(gid)
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return False
    return group.gr_name == user and set(group.gr_mem) <= {user}


def check_owned(path: Path) -> None:
    """ValueError naming `path` unless it is owned by this user (or root) and not writable
    by group (unless the group is the user's private group) or others: the rule ssh applies
    to its files, since anyone who may write a figure script (or replace it in its
    directory) runs code as the user who draws."""
    st = path.stat()
    owner_ok = st.st_uid in (os.getuid(), 0)
    unsafe = stat.S_IWOTH | (0 if _private_group(st.st_gid) else stat.S_IWGRP)
    if owner_ok and not st.st_mode & unsafe:
        return
    if not owner_ok:
        why = f"owned by uid {st.st_uid}, not by you"
    else:
        who = [
            w
            for bit, w in ((stat.S_IWGRP, "group"), (stat.S_IWOTH, "others"))
            if st.st_mode & unsafe & bit
        ]
        why = f"writable by {' and '.join(who)}"
    raise ValueError(
        f"{path}: will not run a figure script from here: {why} (anyone who can write it "
        "runs code as you); make it yours and `chmod go-w`, or name the directory "
        "explicitly with --analysis DIR"
    )


def find_script(spec_file: Path, figure: str, analysis: Path | None = None) -> Path:
    """analysis/<figure>.py of --analysis DIR (used as named) or of the spec's project
    (only if the directory and the script pass `check_owned`), else of mcdimer's own
    source tree."""
    dirs = script_dirs(spec_file, analysis)
    if analysis is not None and not Path(analysis).is_dir():
        raise ValueError(f"--analysis {analysis}: not a directory")
    for k, base in enumerate(dirs):
        script = base / f"{figure}.py"
        if script.is_file():
            if k == 0 and analysis is None:
                check_owned(base)
                check_owned(script)
            return script
    raise ValueError(
        f"{spec_file}: figure: no {figure}.py in {' or '.join(str(d) for d in dict.fromkeys(dirs))}"
    )


def draw(spec_file: Path, out: Path | None = None, analysis: Path | None = None) -> Path:
    from .. import runs

    spec, _ = runs.load(spec_file)
    if not spec.figure:
        raise ValueError(f"{spec_file}: figure: the spec names no figure")
    out = out or runs.default_out(spec_file)
    runs.open_results(out, spec)  # one-line error if any point is missing or unusable
    script = find_script(Path(spec_file), spec.figure, analysis)
    png = Path(out) / f"{spec.figure}.png"
    sys.path.insert(0, str(script.parent))
    try:
        namespace = runpy.run_path(str(script), run_name="mcdimer_figure")
        return namespace["main"](Path(out), png)
    except OSError as err:
        if err.filename is not None:
            raise
        # matplotlib's savefig reports a failed write (ENOSPC, EDQUOT) without the file
        raise OSError(err.errno or errno.EIO, err.strerror or str(err), str(png)) from None
    finally:
        sys.path.remove(str(script.parent))


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(path_type=Path))
@click.option("--out", help="Results directory [default: results/<SPEC>].")
@click.option(
    "--analysis",
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Take <figure>.py from DIR [default: the spec's project analysis/, if it is yours "
    "and not writable by group or others, else mcdimer's own].",
)
@run_errors
def figure(spec_file, out, analysis):
    """Draw SPEC.toml's figure (analysis/<figure>.py of --analysis DIR, of the spec's
    project when that directory and script are yours and not writable by group or others,
    or of mcdimer's source tree; never ./analysis) from the results stored under --out."""
    click.echo(draw(spec_file, out_dir(out), analysis))
