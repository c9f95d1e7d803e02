"""meanfield.critical_ratio_data: the instability over realisations, same draws as the specs."""

import numpy as np
import pytest

from mcdimer import Assembly, geometry
from mcdimer import meanfield as mf
from mcdimer.plots.assemblies import plot_critical_ratios


def test_each_entry_is_the_critical_ratio_of_its_realisation():
    ds = mf.critical_ratio_data(n=10, sigma=[0.0, 0.2], realisations=3, seed=4, C=20.0)
    assert ds["critical_ratio"].shape == (2, 3)
    pos_seed, radii_seed = geometry.realisation_seeds(4, 2)
    radii = geometry.size_dispersion(10, 0.2, radii_seed)
    model = Assembly(
        geometry.random_cluster(10, 0.2, pos_seed),
        1.0,
        landscape=geometry.quadratic_landscapes(radii, 20.0),
        scale=geometry.moment_scale(radii),
    )
    assert ds["critical_ratio"].sel(sigma=0.2, realisation=2).item() == pytest.approx(
        mf.critical_ratio(model, C=20.0), rel=1e-12
    )
    assert np.all(ds["participation"].values >= 1.0) and np.all(ds["participation"] <= 10.0)


def test_lattice_without_dispersion_has_one_value_and_spec_style_shape():
    ds = mf.critical_ratio_data(builder="lattice", kind="square", shape=[3.0, 3.0], sigma=[0.0])
    assert np.allclose(ds["critical_ratio"].values, ds["critical_ratio"].values[0, 0])
    assert ds.attrs["particles"] == 9
    with pytest.raises(ValueError, match="shape"):
        mf.critical_ratio_data(builder="lattice", shape=[2.5, 3.0], sigma=[0.0])
    with pytest.raises(ValueError, match="builder"):
        mf.critical_ratio_data(builder="blob")


def test_plot_writes_a_png(tmp_path):
    ds = mf.critical_ratio_data(n=6, sigma=[0.0, 0.3], realisations=2)
    png = plot_critical_ratios({"cluster": ds}, tmp_path / "a.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
