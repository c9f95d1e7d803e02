"""analysis/ scripts: each runs on small stored results and writes a non-empty PNG, through
`mcdimer figure` (the stored results only) and, for the report, analysis/report.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mcdimer import runs
from mcdimer.cli.figure import draw

ROOT = Path(__file__).resolve().parents[2]
MODEL = """
[method]
name = "tempering"
sweeps = 400
burn = 100
chains = 2
replicas = 3
[output]
bins = 20
draws = 10
"""
SPECS = {
    "fig8": 'kind = "compare"\nfigure = "fig8"\n[model]\nC = 50.0\n'
    "[axes]\nratio = [0.8, 1.0, 1.2]\n" + MODEL,
    "crosscheck_dimer": 'kind = "compare"\nfigure = "crosscheck_dimer"\n[model]\n'
    "[axes]\nC = [20.0, 50.0]\nratio = [0.8, 1.2]\n" + MODEL,
    "crosscheck_chains": 'kind = "sample"\nfigure = "crosscheck_chains"\n[model]\nC = 50.0\n'
    "[axes]\nn = [2, 3]\nratio = [0.6, 1.2]\n" + MODEL + "meanfield = true\n",
    "crosscheck_fig3": 'kind = "sample"\nfigure = "crosscheck_fig3"\n[model]\n'
    'landscape = "saturating"\n[axes]\nC = [50.0]\nratio = [0.5, 1.5]\n'
    + MODEL
    + "meanfield = true\n",
    "fig3": 'kind = "meanfield"\nfigure = "fig3"\n[[calls]]\nname = "fig3"\n'
    'function = "fig3_data"\nparams = {chi = [-2.0, -0.5, 0.5, 1.5]}\n',
    "fig4": 'kind = "meanfield"\nfigure = "fig4"\n[[calls]]\nname = "fig4"\n'
    'function = "fig4_data"\nparams = {chi1 = [-1.0, 1.0, 2.0], chi2 = [-1.0, 0.5, 2.0]}\n',
    "fig9": 'kind = "meanfield"\nfigure = "fig9"\n[[calls]]\nname = "fig9"\n'
    'function = "fig9_data"\nparams = {n_max = 5}\n',
    "assembly_thresholds": 'kind = "meanfield"\nfigure = "assembly_thresholds"\n'
    '[[calls]]\nname = "cluster"\nfunction = "critical_ratio_data"\n'
    "params = {n = 8, sigma = [0.0, 0.3], realisations = 2}\n"
    '[[calls]]\nname = "square"\nfunction = "critical_ratio_data"\n'
    'params = {builder = "lattice", shape = [3, 3], sigma = [0.0, 0.3], realisations = 2}\n',
    "fig5": 'kind = "micro"\nfigure = "fig5"\n[[calls]]\nname = "a"\nfunction = "fig5a_data"\n'
    "params = {t = [1e-6, 1e-4, 1e-3]}\n"
    '[[calls]]\nname = "inset"\nfunction = "fig5a_data"\n'
    "params = {kfa = [42.4, 42.7], t = [1e-6, 1e-4]}\n"
    '[[calls]]\nname = "b"\nfunction = "fig5b_data"\nparams = {t = [1e-8, 1e-7]}\n',
    "fig6": 'kind = "micro"\nfigure = "fig6"\n[[calls]]\nname = "fig6"\n'
    'function = "fig6_data"\nparams = {kfa = [42.0, 43.0, 44.0]}\n',
    "fig7": 'kind = "micro"\nfigure = "fig7"\n[[calls]]\nname = "fig7"\n'
    'function = "fig7_data"\nparams = {points = 5}\n',
    "fig10": 'kind = "micro"\nfigure = "fig10"\n[[calls]]\nname = "fig10"\n'
    'function = "fig10_data"\nparams = {n = [2, 3], t = [1e-7]}\n',
    "temperature_chains": 'kind = "sample"\nfigure = "temperature_chains"\n[model]\nC = 50.0\n'
    'ratio = 0.8\n[axes]\nn = [2, 4]\n[method]\nname = "tempering"\nsweeps = 400\nburn = 200\n'
    "chains = 2\nreplicas = 3\nthin = 4\n[output]\nbins = 20\ndraws = 10\nreweight = 4\n",
    "question": 'kind = "sample"\nfigure = "question"\n[model]\nC = 50.0\n[geometry]\n'
    'builder = "lattice"\nkind = "square"\nshape = [3, 3]\nsigma = 0.1\n[axes]\n'
    "ratio = [0.3, 0.9]\nrealisation = 2\n[method]\n"
    'name = "metropolis"\nsweeps = 200\nburn = 50\nchains = 2\n',
    # the tempering check of the run above (same realisations at one K/C): question.py
    # pairs its points with the Metropolis ones
    "question_tempering": 'kind = "sample"\nfigure = "question"\n[model]\nC = 50.0\n'
    '[geometry]\nbuilder = "lattice"\nkind = "square"\nshape = [3, 3]\nsigma = 0.1\n'
    "[axes]\nratio = [0.9]\nrealisation = 2\n[method]\n"
    'name = "tempering"\nsweeps = 200\nburn = 50\nchains = 2\nreplicas = 3\n',
    "temperature_micro": 'kind = "sample"\nfigure = "temperature_micro"\n[model]\n'
    'landscape = "microscopic"\nshell = [1, 36]\nt = 1e-7\n[axes]\nn = [2, 3]\n[method]\n'
    'name = "tempering"\nsweeps = 400\nburn = 100\nchains = 2\nthin = 4\nreplicas = 3\n'
    "b_min = 0.5\nadapt = false\n[output]\nbins = 20\ndraws = 10\nreweight = 4\n",
    # the order study (analysis/order.py reads every order_* run beside the one named):
    # two sizes of one case, so that crossings are looked for
    **{
        f"order_n{n}": 'kind = "sample"\nfigure = "order"\nseed = 5\n[model]\nC = 50.0\n'
        f'ratio = 0.65\n[geometry]\nbuilder = "random_box"\nn = {n}\npacking_fraction = 0.3\n'
        'sigma = 0.3\nhard_core = "radii"\n[axes]\nrealisation = 2\n[method]\n'
        'name = "tempering"\nladder = [1.0, 0.5, 0.25]\nadapt = false\nsweeps = 240\n'
        'burn = 40\nchains = 4\npairs = true\nstart = "both"\nn_batches = 8\n'
        "[output]\ndraws = 0\n"
        for n in (8, 12)
    },
    "question_micro": 'kind = "sample"\nfigure = "question_micro"\n[model]\n'
    'landscape = "microscopic"\nshell = [1, 36]\nt = 1e-7\n[geometry]\nbuilder = "chain"\n'
    "n = 4\nsigma = 4e-7\n[axes]\nrealisation = 2\n[method]\n"
    'name = "metropolis"\nsweeps = 200\nburn = 50\nchains = 2\n[output]\ndraws = 0\n',
}


def figure_of(name: str) -> str:
    return re.search(r'figure = "(\w+)"', SPECS[name]).group(1)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Small stored runs, one per analysis script, in a copy of the repo's layout."""
    base = tmp_path_factory.mktemp("repo")
    (base / "runs").mkdir()
    shutil.copytree(ROOT / "analysis", base / "analysis")
    for name, text in SPECS.items():
        path = base / "runs" / f"{name}.toml"
        path.write_text(text)
        spec, text = runs.load(path)
        runs.run_sweep(spec, base / "results" / name, text=text, workers=1)
    return base


def test_every_figure_script_is_exercised():
    scripts = {p.stem for p in (ROOT / "analysis").glob("*.py") if not p.stem.startswith("_")}
    assert scripts - {"report"} == {figure_of(name) for name in SPECS}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_figure_script_writes_a_png_from_stored_results(stored, name):
    png = draw(stored / "runs" / f"{name}.toml", stored / "results" / name)
    assert png == stored / "results" / name / f"{figure_of(name)}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_fig8_script_runs_standalone(stored, tmp_path):
    png = tmp_path / "f.png"
    proc = subprocess.run(
        [
            sys.executable,
            str(stored / "analysis" / "fig8.py"),
            str(stored / "results" / "fig8"),
            str(png),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert png.stat().st_size > 5000


def test_report_embeds_the_cross_check_figures(stored):
    proc = subprocess.run(
        [sys.executable, str(stored / "analysis" / "report.py"), str(stored / "results")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    text = (stored / "results" / "report.md").read_text()
    for name in ("fig8", "crosscheck_dimer", "crosscheck_chains", "crosscheck_fig3"):
        assert f"]({name}/{name}.png)" in text
        assert (stored / "results" / name / f"{name}.png").stat().st_size > 5000
    assert "| C = 20 |" in text
