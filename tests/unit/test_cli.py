"""The `mcdimer` command (mcdimer/cli/): bad input is one line `mcdimer: error: ...`, exit 2,
never a traceback, and nothing is computed or written first."""

from __future__ import annotations

import importlib
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
