"""The `mcdimer` command (mcdimer/cli/): bad input is one line `mcdimer: error: ...`, exit 2,
never a traceback, and nothing is computed or written first."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

figure = importlib.import_module("mcdimer.cli.figure")

MCDIMER = str(Path(sys.executable).parent / "mcdimer")

SPEC = """
kind = "exact"
figure = "fig8"
[model]
n = 2
C = 20.0
K = 10.0
"""


def one_line_error(args, cwd=None) -> str:
    proc = subprocess.run([MCDIMER, *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith("mcdimer: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["micro", "zfs", "--kfa", "42.97", "--t", "5e-3", "--chi-l", "0"], "chi_l must be > 0"),
        (["micro", "zfs", "--kfa", "42.97", "--t", "5e-3", "--chi-l", "nan"], "chi_l must be"),
        (["meanfield", "dimer", "--chi1", "1e308", "--chi2", "1"], "chi1 must be <= 1000000"),
        (["meanfield", "chain", "--n", "1000000000000"], "n: the chain of n = 1000000000000"),
        (["meanfield", "critical", "--d-over-a", "1e300"], "d_over_a must be <="),
        (["exact", "--C", "1", "--K", "1e300"], "K = 1e+300 is beyond"),
        (["exact", "--C", "1", "--K", "1", "--hx", "1e300"], "h = 1e+300 is beyond"),
        (["exact", "--C", "1", "--K", "1", "--bins", "1000000000"], "bins: "),
    ],
)
def test_bad_options_are_one_line_errors(args, words):
    assert words in one_line_error(args)


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--out", ""], "--out: empty path"),
        (["--scheduler", ""], "--scheduler: empty address"),
        (["--scheduler", "tls://127.0.0.1:1"], "the tls:// protocol is not supported"),
        (["--scheduler", "ucx://127.0.0.1:1"], "the ucx:// protocol is not supported"),
    ],
)
def test_run_refuses_empty_out_and_unsupported_schedulers(tmp_path, option, words):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    assert words in one_line_error(["run", str(spec), *option], cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]  # nothing written


def test_figure_scripts_are_never_taken_from_the_current_directory(tmp_path):
    """A script planted in ./analysis does not run: only the spec's project and mcdimer's."""
    project = tmp_path / "project"
    (project / "runs").mkdir(parents=True)
    spec = project / "runs" / "s.toml"
    spec.write_text(SPEC.replace('figure = "fig8"', 'figure = "planted"'))
    cwd = tmp_path / "elsewhere"
    (cwd / "analysis").mkdir(parents=True)
    (cwd / "analysis" / "planted.py").write_text("open('PWNED', 'w')\n")
    assert str(cwd / "analysis") not in map(str, figure.script_dirs(spec))
    with pytest.raises(ValueError, match="no planted.py in"):
        figure.find_script(spec, "planted")
    (project / "analysis").mkdir()
    (project / "analysis" / "planted.py").write_text("def main(out, png): return png\n")
    assert figure.find_script(spec, "planted") == project / "analysis" / "planted.py"
    assert not (cwd / "PWNED").exists()


def test_click_usage_errors_are_one_line_too():
    msg = one_line_error(["meanfield", "chain", "--n", "1e12"])
    assert "'--n': '1e12' is not a valid integer" in msg
    assert "see 'mcdimer meanfield chain --help'" in msg


def test_data_function_arguments_beyond_their_range_are_one_line(tmp_path):
    spec = tmp_path / "f7.toml"
    spec.write_text(
        'kind = "micro"\n[[calls]]\nname = "f7"\nfunction = "fig7_data"\n'
        "params = {points = 1000000000}\n"
    )
    msg = one_line_error(["run", str(spec), "--out", str(tmp_path / "out")])
    assert "calls[f7]: points must be an integer <= 100000" in msg


# --- figure scripts, output a user sees ------------------------------------------------------
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with runs/s.toml (one exact point, figure 'mine', a title with control
    characters) and its results stored under results/."""
    from mcdimer import runs

    root = tmp_path_factory.mktemp("project")
    (root / "runs").mkdir()
    spec_path = root / "runs" / "s.toml"
    spec_path.write_text(
        SPEC.replace('figure = "fig8"', 'figure = "mine"\ntitle = "a\\rmcdimer: error: b\\u0007"')
    )
    spec, text = runs.load(spec_path)
    runs.run_sweep(spec, root / "results", text=text, workers=1)
    return root


def _script(folder: Path, body: str = "    return png\n") -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / "mine.py"
    script.write_text(f"def main(out, png):\n{body}")
    return script


def test_figure_scripts_of_a_project_others_can_write_are_refused(project, tmp_path):
    """ssh's rule: the project's analysis/ and script must be the user's (or root's) and not
    writable by group or others; a directory named with --analysis is taken as named."""
    spec = project / "runs" / "s.toml"
    script = _script(project / "analysis")
    try:
        for target in (project / "analysis", script):
            target.chmod(0o777 if target.is_dir() else 0o666)
            with pytest.raises(ValueError, match=f"^{target}: will not run a figure script"):
                figure.find_script(spec, "mine")
            target.chmod(0o755 if target.is_dir() else 0o644)
        assert figure.find_script(spec, "mine") == script
        if os.getuid() == 0:  # other owners and groups: only root can make them
            script.chmod(0o664)  # group-writable: safe for a private group only
            os.chown(script, 0, 65534)
            with pytest.raises(ValueError, match="writable by group"):
                figure.find_script(spec, "mine")
            os.chown(script, 65534, 65534)
            with pytest.raises(ValueError, match="owned by uid 65534, not by you"):
                figure.find_script(spec, "mine")
        named = _script(tmp_path / "named")
        named.parent.chmod(0o777)
        assert figure.find_script(spec, "mine", tmp_path / "named") == named
    finally:
        shutil.rmtree(project / "analysis")


def test_figure_on_a_full_disk_names_the_file(project):
    body = "    raise OSError(28, 'No space left on device')\n"
    _script(project / "own", body)
    try:
        with pytest.raises(OSError, match="No space left on device") as err:
            figure.draw(project / "runs" / "s.toml", project / "results", project / "own")
        assert err.value.filename == str(project / "results" / "mine.png")
    finally:
        shutil.rmtree(project / "own")


def test_control_characters_are_escaped_in_errors_and_titles(project, tmp_path):
    msg = one_line_error(["show", str(tmp_path / "x\ny\x07.nc")])
    assert "x\\ny\\x07.nc: result file not found" in msg
    proc = subprocess.run(
        [MCDIMER, "show", str(project / "results" / "sweep.nc")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "  a\\rmcdimer: error: b\\x07\n" in proc.stdout
    assert "\r" not in proc.stdout and "\x07" not in proc.stdout


def test_show_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.nc"
    os.mkfifo(fifo)
    msg = one_line_error(["show", str(fifo)])  # the helper's 120 s timeout: no hang
    assert f"{fifo}: not a regular file" in msg


def test_an_interrupt_inside_a_finalizer_prints_nothing():
    """Our signal handler raises KeyboardInterrupt wherever Python is; inside a finalizer
    Python would print "Exception ignored in ..." with a traceback: the run's hook drops it
    (the STOP flag ends the run). In a subprocess: pytest installs its own hook."""
    code = """
from mcdimer.cli.run import run_errors
from mcdimer.runs.sweep import STOP

class Finalized:
    def __del__(self):
        raise KeyboardInterrupt

@run_errors
def body():
    STOP.set()
    Finalized()
    return 0

print(body())
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "0\n", "")


def test_show_flags_correlated_batch_means_of_a_point():
    """A point whose batch means are correlated (lag-1 r above the limit) is flagged by
    `mcdimer show`, never shown as if its MCSE held."""
    import xarray as xr

    from mcdimer.cli.show import _point_lines

    obs = ["mz", "energy"]
    ds = xr.Dataset(
        {
            "mean": (("observable",), [0.01, 3.0]),
            "mcse": (("observable",), [0.02, 0.01]),
            "ess_bulk": (("summary_observable",), [900.0, 2000.0]),
            "r_hat": (("summary_observable",), [1.003, 1.001]),
            "batch_r1": (("summary_observable",), [0.42, 0.02]),
        },
        coords={"observable": obs, "summary_observable": obs},
    )
    text = "\n".join(_point_lines(ds))
    assert "mz (r = 0.42)" in text and "energy (r =" not in text
    assert "MCSE too small" in text
    ds["batch_r1"] = (("summary_observable",), [0.1, 0.02])
    assert "MCSE too small" not in "\n".join(_point_lines(ds))


def test_after_a_stop_a_finalizer_failing_at_exit_prints_nothing_but_before_it_does():
    """SIGTERM can land while a point is serialised in memory: the half-written h5netcdf
    file then fails to close (h5py KeyError) when it is collected at interpreter exit,
    after the run's wrapper has returned. After a stop the hook stays and drops it (the
    CI log showed 55 lines of that traceback after the one-line message); without a stop,
    a failing finalizer is reported as Python reports it."""
    code = """
import sys
from mcdimer.cli.run import run_errors
from mcdimer.runs.sweep import STOP

class BrokenFile:
    def __del__(self):
        raise KeyError("Unable to synchronously open object")

kept = []

@run_errors
def body():
    if sys.argv[1] == "stop":
        STOP.set()
    kept.append(BrokenFile())  # collected at exit, after the wrapper returned
    return 0

print(body())
"""
    stopped = subprocess.run([sys.executable, "-c", code, "stop"], capture_output=True, text=True)
    assert (stopped.returncode, stopped.stdout, stopped.stderr) == (0, "0\n", "")
    normal = subprocess.run([sys.executable, "-c", code, "go"], capture_output=True, text=True)
    assert normal.stdout == "0\n" and "KeyError" in normal.stderr
