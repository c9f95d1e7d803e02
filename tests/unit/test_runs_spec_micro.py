"""Specs with landscape = "microscopic" (mcdimer/runs/spec.py, points.py, realisations.py):
the Sec. V chain and assemblies of gold spheres with radius dispersion."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcdimer import Chain, geometry, runs
from mcdimer.micro import Microscopic, zfs
from mcdimer.micro.spectrum import shell_kfa
from mcdimer.runs.compute import _sites, compute_point
from mcdimer.runs.points import model_parameters, realisation_of

MCDIMER = str(Path(sys.executable).parent / "mcdimer")
ZETA = shell_kfa((1, 36))

CHAIN = """
kind = "sample"
seed = 4
[model]
landscape = "microscopic"
shell = [1, 36]
t = 1e-7
[axes]
n = [2, 4]
[method]
name = "tempering"
sweeps = 1000
replicas = 8
b_min = 0.1
"""

CLUSTER = """
kind = "sample"
seed = 7
[model]
landscape = "microscopic"
shell = [1, 36]
t = 1e-7
[geometry]
builder = "chain"
n = 6
sigma = 4e-7
[axes]
realisation = 4
[method]
name = "metropolis"
sweeps = 200
"""


def test_microscopic_chain_is_the_landscape_with_its_own_coupling():
    spec = runs.parse(CHAIN)
    model = runs.model_at(spec, runs.points(spec)[1])
    land = Microscopic(shell=(1, 36), t=1e-7, d_over_a=3.0)
    assert isinstance(model, Chain) and model.n == 4
    assert model.K == pytest.approx(land.K, rel=1e-12)
    assert np.array_equal(model.landscape.table(), land.table())
    params = model_parameters(spec, runs.points(spec)[0])
    # C is the landscape's stiffness f''(0)/2, so K/C = chi/chi_c^z as for the quadratic model
    assert params["ratio"] == pytest.approx(params["K"] / params["C"], rel=1e-12)
    assert params["C"] == pytest.approx(
        float((land.table()[1] - land.table()[0]) * (land.table().size - 1)), rel=2e-3
    )


def test_kfa_and_d_over_a_instead_of_shell_and_the_default_spacing():
    a = runs.parse(CHAIN)
    b = runs.parse(CHAIN.replace("shell = [1, 36]", f"kfa = {ZETA!r}\nd_over_a = 3.0"))
    ma, mb = (runs.model_at(s, runs.points(s)[0]) for s in (a, b))
    assert ma.K == pytest.approx(mb.K, rel=1e-12)
    c = runs.parse(CHAIN.replace("t = 1e-7", "t = 1e-7\nd_over_a = 4.0"))
    assert runs.model_at(c, runs.points(c)[0]).K == pytest.approx(ma.K * 27 / 64, rel=1e-12)
    assert a.digest() != c.digest()


def test_specs_without_the_microscopic_fields_keep_their_digest():
    plain = 'kind = "exact"\n[model]\nn = 2\nC = 5.0\nK = 1.0\n'
    data = runs.parse(plain).model_dump(mode="json", exclude={"title", "figure"})
    assert all(key not in str(data["model"]) or data["model"][key] is None
               for key in ("shell", "kfa", "t", "d_over_a"))  # fmt: skip
    import hashlib
    import json

    data["output"].pop("reweight")
    for key in ("shell", "kfa", "t", "d_over_a"):
        data["model"].pop(key)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    assert runs.parse(plain).digest() == hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("t = 1e-7", "t = 1e-7\nC = 50.0"), "model.C", "own stiffness"),
        (("t = 1e-7", "t = 1e-7\nK = 40.0"), "model.K", "d_over_a"),
        (("t = 1e-7", "t = 1e-7\nratio = 0.8"), "model.ratio", "chi/chi_c"),
        (("n = [2, 4]", "ratio = [0.5, 1.0]"), "axes.ratio", "drop ratio"),
        (("shell = [1, 36]", ""), "model.shell", "neither"),
        (("shell = [1, 36]", "shell = [1, 36]\nkfa = 43.0"), "model.shell", "not both"),
        (("shell = [1, 36]", "shell = [0, 36]"), "model.shell", "n >= 1"),
        (("shell = [1, 36]", "shell = [1, 36, 2]"), "model.shell", "pair"),
        (("t = 1e-7", ""), "model.t", "needs t"),
        (("t = 1e-7", "t = 0.5"), "model.t", "less than or equal to 0.1"),
        (("t = 1e-7", "t = -1e-7"), "model.t", "greater than 0"),
        (("t = 1e-7", 't = "1e-7"'), "model.t", "valid number"),
        (("shell = [1, 36]", "kfa = 42.4"), "model.t", "diamagnetic"),
        (("t = 1e-7", "t = 1e-7\nd_over_a = 1.5"), "model.d_over_a", "greater than or equal to 2"),
        (("b_min = 0.1", "b_min = 1e-7"), "method.b_min", "t <= 0.1"),
        (("b_min = 0.1", "b_min = 2e-6"), "method.b_min", "diamagnetic"),
        (("replicas = 8\nb_min = 0.1", "ladder = [1.0, 0.5, 2e-6]"), "method.ladder",
         "diamagnetic"),
        (('landscape = "microscopic"', 'landscape = "quadratic"\nC = 5.0\nK = 1.0'),
         "model.shell", "landscape = 'microscopic' only"),
        (('landscape = "microscopic"', 'landscape = "micro"'), "model.landscape", "microscopic"),
    ],
)  # fmt: skip
def test_bad_microscopic_specs_name_the_field(change, field, words):
    with pytest.raises(runs.SpecError, match=rf"^x\.toml: {re.escape(field)}: .*{words}"):
        runs.parse(CHAIN.replace(*change), "x.toml")


def test_cli_error_for_a_diamagnetic_t_is_one_line(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(CHAIN.replace("shell = [1, 36]", "kfa = 42.4"))
    proc = subprocess.run([MCDIMER, "run", str(spec)], capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode != 0 and len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"mcdimer: error: {spec}: model.t: ") and "diamagnetic" in lines[0]


# --- assemblies of microscopic spheres with radius dispersion -------------------------------


def test_a_microscopic_realisation_depends_only_on_seed_and_its_index():
    a = runs.parse(CLUSTER)
    b = runs.parse(CLUSTER.replace("realisation = 4", "hz = [0.0, 0.5]\nrealisation = 4"))
    c = runs.parse(CLUSTER.replace("seed = 7", "seed = 8"))
    ra = realisation_of(a, runs.points(a)[3])
    rb = realisation_of(b, runs.points(b)[7])  # realisation 3 at another point index
    rc = realisation_of(c, runs.points(c)[3])
    assert np.array_equal(ra.radii, rb.radii) and np.array_equal(ra.paramagnetic, rb.paramagnetic)
    assert not np.array_equal(ra.radii, rc.radii)
    _, radii_seed = geometry.realisation_seeds(7, 3)
    assert np.array_equal(ra.radii, geometry.size_dispersion(6, 4e-7, radii_seed))
    ma, mb = ra.assembly, rb.assembly
    if ma is not None:
        assert np.array_equal(ma.scale, mb.scale) and ma.K == mb.K


def test_diamagnetic_particles_are_dropped_and_counted():
    spec = runs.parse(CLUSTER.replace("sigma = 4e-7", "sigma = 1e-5"))  # 100 t: most are off peak
    reals = [realisation_of(spec, p) for p in runs.points(spec)]
    seen_dia = False
    for real in reals:
        kfa = ZETA * real.radii
        chi = np.array([float(zfs(k, 1e-7)) for k in kfa])
        assert np.array_equal(real.paramagnetic, chi > 0)
        np.testing.assert_allclose(real.chi, chi, rtol=1e-12)
        seen_dia |= not real.paramagnetic.all()
        if real.assembly is None:
            assert not real.paramagnetic.any()
            continue
        m = real.assembly
        assert m.n == real.paramagnetic.sum()
        assert np.array_equal(m.positions, geometry.chain(6)[real.paramagnetic])
        want = geometry.microscopic_landscapes(real.radii[real.paramagnetic], ZETA, 1e-7)
        np.testing.assert_allclose(m.scale, want.scale, rtol=1e-12)
        assert m.K == pytest.approx(want.K, rel=1e-12)
        ds = _sites(real)
        assert int(ds["paramagnetic"]) == m.n
        assert list(ds["particle_site"].values) == list(np.flatnonzero(real.paramagnetic) + 1)
    assert seen_dia


def test_a_realisation_without_paramagnetic_particle_stores_only_its_sites():
    spec = runs.parse(CLUSTER.replace("sigma = 4e-7", "sigma = 1e-3"))
    point = next(
        p for p in runs.points(spec) if realisation_of(spec, p).assembly is None
    )  # sigma = 1e-3 = 10^4 t: every sphere is off the peak, diamagnetic
    tree = compute_point(spec, point)
    ds = tree.to_dataset()
    assert int(ds["paramagnetic"]) == 0 and "mean" not in ds
    assert ds.attrs["model"] == "no paramagnetic particle"


def test_microscopic_assembly_point_samples_the_paramagnetic_particles():
    spec = runs.parse(CLUSTER)
    point = runs.points(spec)[0]
    real = realisation_of(spec, point)
    ds = compute_point(spec, point).to_dataset()
    assert int(ds["paramagnetic"]) == real.paramagnetic.sum() == ds.sizes["particle"]
    assert ds["site_radius"].shape == (6,)
    assert np.isfinite(ds["mean"].sel(observable=["abs_mu_mean", "mz2", "energy"])).all()
    assert float(ds["meanfield_critical_ratio"]) > 0
