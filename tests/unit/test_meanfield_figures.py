"""Figure data (Figs. 3, 4, 9) and the plot functions; the CLI subcommand."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from mcdimer import meanfield as mf
from mcdimer import plots
from mcdimer.cli import main


def test_fig3_data_follows_eq10():
    ds = mf.fig3_data(np.array([-2.0, -0.5, 0.5, 2.0]))
    phases = [ds.attrs["phases"][k] for k in ds["phase"].values]
    assert phases == ["antialigned", "diamagnetic", "paramagnetic", "aligned"]
    assert ds["total_mz"].values[-1] == pytest.approx(2 * mf.eq10_moment(2.0), abs=1e-10)
    assert abs(ds["m1z"].values[0]) == pytest.approx(mf.eq10_moment(2.0), abs=1e-10)


def test_fig9_data_starts_at_one():
    ds = mf.fig9_data(6)
    assert ds["ratio"].sel(N=2) == 1.0
    assert ds.attrs["asymptote"] == mf.CHAIN_ASYMPTOTE


def test_plots_write_png(tmp_path):
    grid = np.linspace(-2, 2, 5)
    out = [
        plots.plot_fig3(mf.fig3_data(grid), tmp_path / "f3.png"),
        plots.plot_fig4(mf.fig4_data(grid, grid), tmp_path / "f4.png"),
        plots.plot_fig9(mf.fig9_data(8), tmp_path / "f9.png"),
    ]
    for path in out:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


def test_cli_meanfield():
    runner = CliRunner()
    res = runner.invoke(main, ["meanfield", "critical", "--d-over-a", "3", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.output)["chi_c_z"] == pytest.approx(81 / (8 * np.pi))
    res = runner.invoke(main, ["meanfield", "chain", "--n", "2", "--json"])
    assert json.loads(res.output)["ratio"] == 1.0
    res = runner.invoke(main, ["meanfield", "dimer", "--chi1", "2", "--chi2", "2", "--json"])
    assert json.loads(res.output)["phase_at_h0"] == "aligned"
    for bad in (["critical", "--d-over-a", "1.5"], ["chain", "--n", "1"]):
        res = runner.invoke(main, ["meanfield", *bad])
        assert res.exit_code == 2 and "error" in res.output


def test_fig4_dashed_line_only_between_para_and_dia():
    """chi^zz = 0 (Eq. (6)) is drawn only where chi1 chi2 < 1: not through the antialigned
    phase from (-3, -0.6) via (-1, -1) to (-0.6, -3)."""
    ds = mf.fig4_data(np.linspace(-3, 3, 7), np.linspace(-3, 3, 7))
    c1, dia = ds.chi1_line.values, ds.dia_boundary.values
    drawn = np.isfinite(dia)
    assert drawn.any() and np.all(c1[drawn] * dia[drawn] < 1.0)
    assert not drawn[c1 < -0.5].any()
    assert np.allclose(dia[drawn], -c1[drawn] / (1 + 2 * c1[drawn]))
    # it separates the two phases the grid finds on either side of it
    phases = ds.attrs["phases"]
    assert phases[int(ds.phase.sel(chi1=1.0, chi2=-2.0))] == "diamagnetic"
    assert phases[int(ds.phase.sel(chi1=1.0, chi2=0.0))] == "paramagnetic"
