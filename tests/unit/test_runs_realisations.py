"""Specs with [geometry] and the realisation axis (mcdimer/runs/realisations.py, spec, points)."""

import re

import numpy as np
import pytest

from mcdimer import Assembly, geometry, meanfield, runs
from mcdimer.geometry import realisation_seeds
from mcdimer.runs.compute import _assembly
from mcdimer.runs.points import realisation_of
from mcdimer.runs.realisations import GeometrySpec

SPEC = """
kind = "sample"
seed = 5
[model]
C = 50.0
[geometry]
builder = "random_cluster"
n = 16
packing_fraction = 0.2
sigma = 0.3
[axes]
ratio = [0.2, 0.6]
realisation = 3
[method]
name = "metropolis"
sweeps = 1000
"""


def test_points_sweep_realisations_and_share_them_across_other_axes():
    spec = runs.parse(SPEC)
    pts = runs.points(spec)
    assert [p.coords["realisation"] for p in pts] == [0, 1, 2, 0, 1, 2]
    models = [runs.model_at(spec, p) for p in pts]
    assert all(isinstance(m, Assembly) and m.n == 16 for m in models)
    assert models[0].K == pytest.approx(10.0) and models[3].K == pytest.approx(30.0)
    for r in range(3):  # realisation r: the same sample at every ratio
        assert np.array_equal(models[r].positions, models[r + 3].positions)
        assert np.array_equal(models[r].scale, models[r + 3].scale)
    assert not np.array_equal(models[0].positions, models[1].positions)
    assert len({p.seed for p in pts}) == 6  # the samplers' seeds stay per point


def test_a_realisation_depends_only_on_spec_seed_and_its_index():
    a = runs.parse(SPEC)
    b = runs.parse(
        SPEC.replace("ratio = [0.2, 0.6]", "hz = [0.0, 0.1, 0.3]").replace(
            "C = 50.0", "C = 50.0\nratio = 0.4"
        )
    )
    c = runs.parse(SPEC.replace("seed = 5", "seed = 6"))
    ma = runs.model_at(a, runs.points(a)[2])  # realisation 2
    mb = runs.model_at(b, runs.points(b)[8])  # realisation 2 at another point index
    mc = runs.model_at(c, runs.points(c)[2])
    assert np.array_equal(ma.positions, mb.positions) and np.array_equal(ma.scale, mb.scale)
    assert not np.array_equal(ma.positions, mc.positions)
    pos_seed, radii_seed = realisation_seeds(5, 2)
    want = geometry.random_cluster(16, 0.2, pos_seed)
    assert np.array_equal(ma.positions, want)
    assert np.allclose(
        ma.scale, geometry.moment_scale(geometry.size_dispersion(16, 0.3, radii_seed))
    )


def test_quadratic_stiffness_follows_the_volume():
    spec = runs.parse(SPEC)
    m = runs.model_at(spec, runs.points(spec)[0])
    assert np.allclose(m.stiffnesses, 50.0 * m.scale)  # C_i = C v_i, s_i = v_i


@pytest.mark.parametrize(
    "table, n",
    [
        ('builder = "chain"\nn = 5', 5),
        ('builder = "ring"\nn = 6', 6),
        ('builder = "lattice"\nkind = "square"\nshape = [4, 3]', 12),
        ('builder = "lattice"\nkind = "fcc"\nshape = [2, 2, 2]', 32),
    ],
)
def test_regular_builders_in_a_spec(table, n):
    text = SPEC.replace(
        'builder = "random_cluster"\nn = 16\npacking_fraction = 0.2', table
    ).replace("realisation = 3", "realisation = 2")
    spec = runs.parse(text)
    m = runs.model_at(spec, runs.points(spec)[0])
    assert m.n == n == spec.geometry.particles


def test_point_stores_the_realisation_and_its_instability():
    spec = runs.parse(SPEC)
    model = runs.model_at(spec, runs.points(spec)[4])
    ds = _assembly(model, 50.0)
    assert np.array_equal(ds["positions"].values, model.positions)
    assert ds["meanfield_critical_ratio"].item() == pytest.approx(
        meanfield.critical_ratio(model, C=50.0), rel=1e-12
    )
    assert ds["meanfield_critical_mode"].shape == (16, 3)


@pytest.mark.parametrize(
    "change, where",
    [
        (("realisation = 3", "realisation = 0"), "axes.realisation"),
        (("realisation = 3", "realisation = [0, 1]"), "axes.realisation"),
        (("ratio = [0.2, 0.6]", "ratio = 3"), "axes.ratio"),
        (("[model]\n", "[model]\nn = 4\n"), "model.n"),
        (('kind = "sample"', 'kind = "compare"'), "geometry"),
        (("packing_fraction = 0.2", "packing_fraction = 0.8"), "geometry.packing_fraction"),
        (("packing_fraction = 0.2", ""), "packing_fraction"),
        (('builder = "random_cluster"', 'builder = "sphere"'), "geometry.builder"),
        (("sigma = 0.3", "sigma = -0.1"), "geometry.sigma"),
        (("n = 16\n", 'n = 16\nkind = "cubic"\n'), "kind"),
        (("n = 16\n", "n = 5000\n"), "geometry.n"),
    ],
)
def test_bad_geometry_specs_name_the_field(change, where):
    with pytest.raises(runs.SpecError, match=f"x.toml: .*{re.escape(where)}"):
        runs.parse(SPEC.replace(*change), "x.toml")


def test_realisation_axis_needs_geometry():
    text = SPEC.replace(
        '[geometry]\nbuilder = "random_cluster"\nn = 16\npacking_fraction = 0.2\nsigma = 0.3\n', ""
    )
    with pytest.raises(runs.SpecError, match="realisation needs a \\[geometry\\]"):
        runs.parse(text, "x.toml")


def test_describe_lists_the_geometry_fields():
    text = runs.describe()
    assert "geometry.builder:" in text and "geometry.sigma:" in text


def test_geometry_spec_counts_particles_without_building():
    assert GeometrySpec(builder="lattice", kind="cubic", shape=[2, 3, 4]).particles == 24


@pytest.mark.slow
def test_an_assembly_sweep_is_the_same_on_one_and_two_workers(tmp_path):
    import xarray as xr

    text = (
        SPEC.replace("n = 16", "n = 5")
        .replace("sweeps = 1000", "sweeps = 400\nburn = 100\nchains = 2")
        .replace("realisation = 3", "realisation = 2")
    )
    path = tmp_path / "a.toml"
    path.write_text(text)
    spec, text = runs.load(path)
    for workers in (1, 2):
        runs.run_sweep(spec, tmp_path / f"w{workers}", text=text, workers=workers)
    a, b = (xr.open_datatree(tmp_path / f"w{w}" / "sweep.nc").to_dataset() for w in (1, 2))
    for name in ("mean", "positions", "scale", "meanfield_critical_ratio"):
        assert a[name].identical(b[name]), name
    # realisation r has one geometry at every ratio
    pos = a["positions"].values  # (particle, xyz, ratio, realisation) after the merge
    assert np.array_equal(*np.moveaxis(pos, a["positions"].dims.index("ratio"), 0))


BOX = SPEC.replace('builder = "random_cluster"', 'builder = "random_box"').replace(
    "n = 16", "n = 12"
)


def test_a_random_box_spec_gives_periodic_assemblies_with_radii_hard_cores():
    spec = runs.parse(BOX)
    assert spec.geometry.is_periodic and spec.geometry.radii_hard_cores
    pts = runs.points(spec)
    for p in (pts[2], pts[5]):  # realisation 2 at both ratios: one sample
        m = runs.model_at(spec, p)
        pos_seed, radii_seed = realisation_seeds(5, 2)
        radii = geometry.size_dispersion(12, 0.3, radii_seed)
        want, box = geometry.random_box(12, 0.2, pos_seed, radii=radii)
        assert np.array_equal(m.box, box) and np.array_equal(m.positions, want)
        assert np.allclose(m.scale, radii**3)
        d = m.positions[:, None] - m.positions[None]
        d -= box * np.round(d / box)
        r = np.sqrt((d**2).sum(-1)) + np.diag(np.full(12, np.inf))
        assert np.all(r >= 0.5 * (radii[:, None] + radii[None]))  # across the boundary
    ds = _assembly(m, 50.0)
    assert np.array_equal(ds["box"].values, box)


def test_periodic_lattice_and_open_cube_specs():
    table = 'builder = "periodic_lattice"\nkind = "bcc"\ncells = [2, 2, 3]'
    text = SPEC.replace('builder = "random_cluster"\nn = 16\npacking_fraction = 0.2', table)
    spec = runs.parse(text)
    m = runs.model_at(spec, runs.points(spec)[0])
    assert m.n == spec.geometry.particles == 24
    assert np.allclose(m.box, 2 / np.sqrt(3) * np.array([2, 2, 3]))
    spec = runs.parse(text.replace("cells = [2, 2, 3]", "cells = [2, 2, 3]\nperiodic = false"))
    m = runs.model_at(spec, runs.points(spec)[0])
    assert m.box is None and m.n == 24
    assert "box" not in _assembly(m, 50.0)


def test_random_cluster_takes_hard_cores_from_the_radii_when_asked():
    spec = runs.parse(SPEC.replace("sigma = 0.3", 'sigma = 0.3\nhard_core = "radii"'))
    m = runs.model_at(spec, runs.points(spec)[1])  # realisation 1
    pos_seed, radii_seed = realisation_seeds(5, 1)
    radii = geometry.size_dispersion(16, 0.3, radii_seed)
    assert m.box is None
    assert np.array_equal(m.positions, geometry.random_cluster(16, 0.2, pos_seed, radii=radii))


def test_box_display():
    from mcdimer.cli.show import _box_lines

    spec = runs.parse(BOX)
    m = runs.model_at(spec, runs.points(spec)[0])
    (line,) = _box_lines(_assembly(m, 50.0))
    assert "periodic box" in line and f"{m.box[0]:.6g}" in line


@pytest.mark.parametrize(
    "text, where",
    [
        # realisations that would jam are refused at load (the packing bound places all)
        (
            SPEC.replace("packing_fraction = 0.2", "packing_fraction = 0.5").replace(
                "realisation = 3", "realisation = 8"
            ),
            "geometry.packing_fraction",
        ),
        (BOX.replace("packing_fraction = 0.2", "packing_fraction = 1e-300"), "packing_fraction"),
        # f_i(1) = C (R_i/a)^33 reaches ~1e51
        (SPEC.replace("sigma = 0.3", "sigma = 2.0\nchi_exponent = -10.0"), "geometry.chi_exponent"),
        (SPEC.replace("sigma = 0.3", "sigma = 0.3\nperiodic = true"), "periodic"),
        (BOX.replace("sigma = 0.3", 'sigma = 0.3\nhard_core = "min_distance"'), "hard_core"),
        (BOX.replace("sigma = 0.3", "sigma = 0.3\nmin_distance = 1.0"), "min_distance"),
        (
            SPEC.replace("sigma = 0.3", 'sigma = 0.3\nhard_core = "radii"\nmin_distance = 2.0'),
            "min_distance",
        ),
        (
            SPEC.replace(
                'builder = "random_cluster"\nn = 16\npacking_fraction = 0.2',
                'builder = "periodic_lattice"\nkind = "cubic"\ncells = [2, 2, 2]',
            ),
            "kind",
        ),
        (
            SPEC.replace(
                'builder = "random_cluster"\nn = 16\npacking_fraction = 0.2',
                'builder = "periodic_lattice"\nkind = "sc"\ncells = [2, 2]',
            ),
            "cells",
        ),
        (
            SPEC.replace(
                'builder = "random_cluster"\nn = 16\npacking_fraction = 0.2',
                'builder = "lattice"\nkind = "sc"\nshape = [2, 2, 2]',
            ),
            "kind",
        ),
    ],
)
def test_bad_periodic_and_hard_core_specs_are_refused_at_load(text, where):
    with pytest.raises(runs.SpecError, match=f"x.toml: .*{re.escape(where)}"):
        runs.parse(text, "x.toml")


@pytest.mark.slow
def test_a_random_box_sweep_stores_and_shows_its_box(tmp_path):
    import xarray as xr
    from click.testing import CliRunner

    from mcdimer.cli import main

    text = (
        BOX.replace("n = 12", "n = 4")
        .replace("sweeps = 1000", "sweeps = 100\nburn = 20\nchains = 2")
        .replace("ratio = [0.2, 0.6]", "ratio = [0.4]")
        .replace("realisation = 3", "realisation = 2")
    )
    path = tmp_path / "box.toml"
    path.write_text(text)
    spec, text = runs.load(path)
    runs.run_sweep(spec, tmp_path / "out", text=text, workers=1)
    ds = xr.open_datatree(tmp_path / "out" / "sweep.nc").to_dataset()
    for r in range(2):
        radii = geometry.size_dispersion(4, 0.3, realisation_seeds(5, r)[1])
        _, box = geometry.random_box(4, 0.2, realisation_seeds(5, r)[0], radii=radii)
        assert np.array_equal(ds["box"].isel(realisation=r).squeeze().values, box)
    out = CliRunner().invoke(main, ["show", str(tmp_path / "out" / "sweep.nc")])
    assert out.exit_code == 0 and "periodic boxes" in out.output


def test_microscopic_box_keeps_the_landscapes_unit_of_length():
    # K of the microscopic landscape is beta M0^2/d^3 at d = d_over_a a (default 3a): the
    # builder's positions, in units of the mean diameter 2a, are rescaled by 2a/d
    text = """
kind = "sample"
seed = 7
[model]
landscape = "microscopic"
shell = [1, 36]
t = 1e-7
[geometry]
builder = "random_box"
n = 6
packing_fraction = 0.1
sigma = 4e-7
[method]
name = "metropolis"
sweeps = 200
"""
    spec = runs.parse(text)
    real = realisation_of(spec, runs.points(spec)[0])
    pos_seed, radii_seed = realisation_seeds(7, 0)
    radii = geometry.size_dispersion(6, 4e-7, radii_seed)
    pos, box = geometry.random_box(6, 0.1, pos_seed, radii=radii)
    assert np.allclose(real.positions, pos * 2 / 3, rtol=1e-15, atol=0)
    assert real.paramagnetic.sum() == 5  # this draw drops one diamagnetic sphere
    assert np.allclose(real.assembly.box, box * 2 / 3, rtol=1e-15, atol=0)
