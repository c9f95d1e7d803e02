"""The sweep runner and the store (mcdimer/runs/sweep.py, store.py): identical data for any
number of workers and any executor, resume after a kill, refusal of foreign results."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from mcdimer import runs
from mcdimer.runs import store

MCDIMER = str(Path(sys.executable).parent / "mcdimer")

# Tiny Fig.-8-like sweep: tempering sample + exact + mean field at each point.
COMPARE = """
kind = "compare"
figure = "fig8"
seed = 11
[model]
n = 2
C = 50.0
[axes]
ratio = {{start = 0.6, stop = 1.6, num = {num}}}
[method]
name = "tempering"
sweeps = {sweeps}
burn = 200
chains = 2
replicas = 3
[output]
bins = 20
draws = 20
"""


def write_spec(tmp_path, num=3, sweeps=600, name="s.toml"):
    path = tmp_path / name
    path.write_text(COMPARE.format(num=num, sweeps=sweeps))
    return path


def assert_same_data(a: Path, b: Path):
    """Every point file and the merged sweep hold identical data (timings are attributes)."""
    names = sorted(p.name for p in (a / "points").glob("*.nc"))
    assert names == sorted(p.name for p in (b / "points").glob("*.nc"))
    for name in [*(f"points/{n}" for n in names), store.SWEEP_FILE]:
        ta, tb = runs.open_point(a / name), runs.open_point(b / name)
        assert set(ta.children) == set(tb.children)
        xr.testing.assert_equal(ta.to_dataset(), tb.to_dataset())
        for child in ta.children:
            xr.testing.assert_equal(ta[child].to_dataset(), tb[child].to_dataset())


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: the sweep in this process, one point after the other."""
    tmp = tmp_path_factory.mktemp("serial")
    spec, text = runs.load(write_spec(tmp))
    res = runs.run_sweep(spec, tmp / "out", text=text, workers=1)
    assert res == {"points": 3, "skipped": 0, "computed": 3, "sweep": tmp / "out" / "sweep.nc"}
    return tmp / "out"


def test_merged_sweep_has_the_axes_as_coordinates(serial):
    ds = runs.open_results(serial).to_dataset()
    assert list(ds.ratio.values) == pytest.approx([0.6, 1.1, 1.6])
    assert ds["pdf_mu1z"].dims == ("ratio", "z")
    assert ds["exact_pdf_mu1z"].sizes == {"ratio": 3, "z": 20}
    assert ds["meanfield_mz"].values == pytest.approx([0.0, 1.0, 1.0], abs=1e-9)
    point = runs.open_point(serial / "points" / "000001.nc")
    assert point["posterior"]["mu"].sizes == {"chain": 2, "draw": 20, "particle": 2, "component": 3}
    attrs = point.attrs
    assert attrs["mcdimer_version"] and attrs["complete"] == 1
    assert int(attrs["point_seed"]) == runs.point_seed(11, 1)
    assert "ratio = {start = 0.6" in attrs["spec_toml"]


def test_two_workers_give_the_data_of_one(tmp_path, serial):
    spec, text = runs.load(write_spec(tmp_path))
    runs.run_sweep(spec, tmp_path / "out", text=text, workers=2)
    assert_same_data(serial, tmp_path / "out")


def test_rerun_skips_stored_points_and_recomputes_a_corrupted_one(tmp_path, serial):
    spec, text = runs.load(write_spec(tmp_path))
    out = tmp_path / "out"
    runs.run_sweep(spec, out, text=text, workers=1, indices=[0, 2])
    assert not (out / store.SWEEP_FILE).exists()  # point 1 missing: no merge yet
    broken = out / "points" / "000002.nc"
    broken.write_bytes(broken.read_bytes()[:500])  # a truncated file
    res = runs.run_sweep(spec, out, text=text, workers=1)
    assert (res["skipped"], res["computed"]) == (1, 2)
    assert_same_data(serial, out)


def test_rerun_of_a_finished_sweep_rehashes_no_point_and_keeps_sweep_nc(
    tmp_path, serial, monkeypatch
):
    out = tmp_path / "out"
    shutil.copytree(serial, out)  # new inodes: the first re-run verifies and merges again
    spec, text = runs.load(write_spec(tmp_path))
    assert store.unchanged_points(out, spec) == set()
    res = runs.run_sweep(spec, out, text=text, workers=1)
    assert (res["computed"], res["skipped"]) == (0, 3)
    assert store.unchanged_points(out, spec) == {0, 1, 2}
    merged = store.file_identity(out / store.SWEEP_FILE)
    hashed = []
    real = store.verify
    monkeypatch.setattr(store, "verify", lambda path: hashed.append(path.name) or real(path))
    res = runs.run_sweep(spec, out, text=text, workers=1)
    assert (res["computed"], res["skipped"], res["sweep"]) == (0, 3, out / store.SWEEP_FILE)
    assert hashed == [store.SWEEP_FILE]  # the points' data were not hashed again
    assert store.file_identity(out / store.SWEEP_FILE) == merged  # nor merged again
    # a write into a point after the merge gives it a new mtime: verified, recomputed
    path = out / "points" / "000001.nc"
    with h5py.File(path, "r") as f:
        mean = f["exact_mean"][()]
    raw = bytearray(path.read_bytes())
    at = raw.find(mean[:2].tobytes())
    raw[at : at + 16] = np.array([np.inf, np.inf]).tobytes()
    time.sleep(0.01)  # past the file system's timestamp tick
    path.write_bytes(bytes(raw))
    assert store.unchanged_points(out, spec) == {0, 2}
    hashed.clear()
    res = runs.run_sweep(spec, out, text=text, workers=1)
    assert (res["computed"], res["skipped"]) == (1, 2)
    assert hashed[:2] == [store.SWEEP_FILE, "000001.nc"]  # then the merge reads every point
    assert_same_data(serial, out)


def test_foreign_version_is_refused_then_recomputed_with_force(tmp_path, serial, monkeypatch):
    spec, text = runs.load(write_spec(tmp_path))
    out = tmp_path / "out"
    monkeypatch.setattr(store, "package_version", lambda: "0.0.0-other")
    runs.run_sweep(spec, out, text=text, workers=1, indices=[1])
    monkeypatch.undo()
    before = (out / "points" / "000001.nc").read_bytes()
    with pytest.raises(runs.ResultError, match=r"000001.nc: written by mcdimer 0.0.0-other"):
        runs.run_sweep(spec, out, text=text, workers=1)
    assert (out / "points" / "000001.nc").read_bytes() == before  # nothing damaged
    with pytest.raises(runs.ResultError, match="written by mcdimer 0.0.0-other"):
        runs.open_point(out / "points" / "000001.nc")
    runs.run_sweep(spec, out, text=text, workers=1, force=True)
    assert_same_data(serial, out)


def test_results_of_another_spec_are_refused(tmp_path, serial):
    text = write_spec(tmp_path).read_text().replace("seed = 11", "seed = 12")
    spec = runs.parse(text)
    with pytest.raises(runs.ResultError, match="different spec .*seed"):
        runs.run_sweep(spec, serial, text=text, workers=1)


@pytest.mark.slow
def test_killed_run_resumes_to_identical_data(tmp_path):
    """Start `mcdimer run`, SIGKILL it once some points are written, rerun, compare."""
    spec_path = write_spec(tmp_path, num=8, sweeps=30_000)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [MCDIMER, "run", str(spec_path), "--out", str(out), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "points").glob("*.nc"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = len(list((out / "points").glob("*.nc")))
    assert 2 <= written < 8, "kill the run mid-sweep"
    rerun = subprocess.run(
        [MCDIMER, "run", str(spec_path), "--out", str(out)], capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{written} already stored" in rerun.stdout
    spec, text = runs.load(spec_path)
    runs.run_sweep(spec, tmp_path / "ref", text=text, workers=1)
    assert_same_data(tmp_path / "ref", out)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_data_of_one_process(tmp_path, serial):
    distributed = pytest.importorskip("distributed")
    spec_path = write_spec(tmp_path)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        proc = subprocess.run(
            [
                MCDIMER,
                "run",
                str(spec_path),
                "--out",
                str(tmp_path / "cli"),
                "--scheduler",
                cluster.scheduler_address,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        with distributed.Client(cluster) as client:
            spec, text = runs.load(spec_path)
            runs.run_sweep(spec, tmp_path / "api", client.get_executor(), text=text)
    assert_same_data(serial, tmp_path / "cli")
    assert_same_data(serial, tmp_path / "api")


def test_point_option_computes_one_point_then_show(tmp_path, serial):
    spec_path = write_spec(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run(
        [MCDIMER, "run", str(spec_path), "--out", str(out), "--point", "2"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / "points").glob("*.nc")) == ["000002.nc"]
    xr.testing.assert_equal(
        runs.open_point(out / "points" / "000002.nc").to_dataset(),
        runs.open_point(serial / "points" / "000002.nc").to_dataset(),
    )
    shown = subprocess.run(
        [MCDIMER, "show", str(out / "points" / "000002.nc")], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    for word in ("mcse", "ess_bulk", "r_hat", "exact", "abs_mu1z", "mean field", "ladder levels"):
        assert word in shown.stdout
    point = runs.open_point(out / "points" / "000002.nc").to_dataset()
    assert point.level_b.values[0] == 1.0 and point.level_mean.sizes["level"] == 3  # replicas
    merged = runs.open_point(serial / store.SWEEP_FILE).to_dataset()
    assert merged.level_b.dims == ("ratio", "level")
    bad = subprocess.run(
        [MCDIMER, "run", str(spec_path), "--out", str(out), "--point", "9"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "mcdimer: error: --point 9: out of range, the spec has 3 points"


def test_reweight_output_stores_mbar_curves_between_the_levels():
    """[output] reweight = N: MBAR means and P(m^z) at N b from 1 to b_min; at b = 1 they
    agree with level 0 within errors, and the curve's ends are the ladder's."""
    text = COMPARE.format(num=1, sweeps=2000).replace("draws = 20", "draws = 20\nreweight = 3")
    spec = runs.parse(text)
    ds = runs.compute_point(spec, runs.points(spec)[0]).to_dataset()
    b = ds.reweight_b.values
    assert b[0] == 1.0 and b[-1] == ds.level_b.values[-1] and ds.reweight_mean.shape[0] == 3
    at_one = ds.reweight_mean.isel(reweight=0).sel(observable="mu1z2")
    se = ds.reweight_se.isel(reweight=0).sel(observable="mu1z2")
    level0 = ds.level_mean.isel(level=0).sel(observable="mu1z2")
    assert abs(float(at_one - level0)) < 4 * float(se) + 4 * float(ds.mcse.sel(observable="mu1z2"))
    dens = ds.reweight_pdf_mz.values
    assert np.allclose(dens.sum(axis=1) * 2.0 / dens.shape[1], 1.0)


EXACT = """
kind = "exact"
seed = 1
[model]
n = 2
C = 20.0
[axes]
ratio = [0.5, 1.0, 1.5]
[output]
bins = 10
"""


def test_workers_are_capped_at_the_usable_cpus(tmp_path, monkeypatch):
    """--workers 64 on a machine this process may use one CPU of runs one worker (here, in
    this process: no pool is started), and says so."""
    from mcdimer.runs import sweep

    def no_pool(workers):
        raise AssertionError(f"a pool of {workers} workers was started")

    monkeypatch.setattr(sweep, "usable_cpus", lambda: 1)
    monkeypatch.setattr(sweep, "default_executor", no_pool)
    logged = []
    spec = runs.parse(EXACT)
    res = runs.run_sweep(spec, tmp_path / "out", workers=64, log=logged.append)
    assert res["computed"] == 3
    assert logged == ["workers = 64: this process may use 1 CPUs; running 1"]


def test_pool_workers_register_no_semaphore_for_their_progress_bars():
    """A worker's tqdm bar must not create a multiprocessing lock: a worker terminated on
    Ctrl-C or SIGTERM never unregisters it, and the resource tracker then prints a
    "leaked semaphore" warning after the run's one-line message."""
    code = """
import io, multiprocessing as mp
mp.set_start_method("spawn", force=True)
counter = mp.Value("i", 0)
from multiprocessing import resource_tracker
seen = []
resource_tracker.register = lambda name, rtype: seen.append(rtype)
from mcdimer.runs import sweep
sweep._init_worker(counter)
from tqdm.auto import tqdm
with tqdm(total=1, file=io.StringIO()) as bar:
    bar.update()
print(seen)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_warm_up_takes_a_spec_whose_cycle_is_longer_than_its_own_short_run():
    """The warm-up compiles with 80 sweeps; a spec's cycle of 21 sweeps (traversed 10 times
    only by the spec's own run) must not be refused there: the warm-up runs the spec's
    distinct moves as a short cycle."""
    from mcdimer.runs.sweep import warm_up

    text = COMPARE.format(num=1, sweeps=600).replace(
        "replicas = 3", 'replicas = 3\nmoves = [["overrelax", 20], "heatbath"]'
    )
    warm_up(runs.parse(text))
