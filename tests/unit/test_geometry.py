"""mcdimer.geometry: positions with unit nearest-neighbour spacing, random clusters, sizes."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from mcdimer import Assembly, Chain, Quadratic, geometry


def _neighbour_counts(pos, tol=1e-9):
    tree = cKDTree(pos)
    dist = tree.query(pos, k=2)[0][:, 1]
    counts = np.array([len(tree.query_ball_point(p, 1.0 + tol)) - 1 for p in pos])
    return dist.min(), counts


def test_chain_is_the_chain_models_positions():
    assert np.array_equal(geometry.chain(5), Chain(5, 1.0, C=1.0).positions)
    assert np.array_equal(geometry.lattice("square", (1, 5)), geometry.chain(5))


@pytest.mark.parametrize("n", [3, 4, 7, 50])
def test_ring_has_unit_neighbour_spacing_and_two_neighbours(n):
    dmin, counts = _neighbour_counts(geometry.ring(n))
    assert dmin == pytest.approx(1.0, rel=1e-12)
    assert np.all(counts == 2)


@pytest.mark.parametrize(
    "kind, shape, n, coordination",
    [
        ("square", (5, 6), 30, 4),
        ("triangular", (6, 6), 36, 6),
        ("cubic", (4, 4, 4), 64, 6),
        ("fcc", (3, 3, 3), 108, 12),
    ],
)
def test_lattices_have_unit_spacing_and_bulk_coordination(kind, shape, n, coordination):
    pos = geometry.lattice(kind, shape)
    assert pos.shape == (n, 3)
    dmin, counts = _neighbour_counts(pos)
    assert dmin == pytest.approx(1.0, rel=1e-12)
    assert counts.max() == coordination


@pytest.mark.parametrize("n, phi", [(1, 0.3), (64, 0.05), (64, 0.3), (500, 0.25)])
def test_random_cluster_respects_min_distance_and_sphere(n, phi):
    pos = geometry.random_cluster(n, phi, seed=3, min_distance=1.0)
    assert pos.shape == (n, 3)
    if n > 1:
        assert cKDTree(pos).query(pos, k=2)[0][:, 1].min() >= 1.0
    assert np.linalg.norm(pos, axis=1).max() <= geometry.cluster_radius(n, phi)
    Assembly(pos, 1.0, C=1.0, min_distance=1.0)  # accepted as it stands


def test_random_cluster_scales_with_min_distance():
    pos = geometry.random_cluster(40, 0.2, seed=5, min_distance=1.7)
    assert cKDTree(pos).query(pos, k=2)[0][:, 1].min() >= 1.7


def test_a_realisation_depends_only_on_its_seed():
    a = geometry.random_cluster(64, 0.2, seed=11)
    assert np.array_equal(a, geometry.random_cluster(64, 0.2, seed=11))
    assert not np.array_equal(a, geometry.random_cluster(64, 0.2, seed=12))
    ss = np.random.SeedSequence(4, spawn_key=(2,))
    b = geometry.random_cluster(64, 0.2, seed=ss)
    assert np.array_equal(
        b, geometry.random_cluster(64, 0.2, seed=np.random.SeedSequence(4, spawn_key=(2,)))
    )
    r = geometry.size_dispersion(50, 0.3, seed=9)
    assert np.array_equal(r, geometry.size_dispersion(50, 0.3, seed=9))


def test_random_cluster_refuses_what_it_cannot_place():
    with pytest.raises(ValueError, match="packing_fraction"):
        geometry.random_cluster(64, 0.74, seed=1)


def test_size_dispersion_has_mean_one_and_relative_width_sigma():
    sigma, n = 0.3, 400_000
    r = geometry.size_dispersion(n, sigma, seed=1)
    assert np.all(r > 0)
    # standard errors: mean sigma/sqrt(n); std ~ sigma sqrt((kurtosis - 1)/(4 n)), < 2 sigma/sqrt(n)
    assert r.mean() == pytest.approx(1.0, abs=5 * sigma / np.sqrt(n))
    assert r.std() == pytest.approx(sigma, abs=10 * sigma / np.sqrt(n))
    assert np.array_equal(geometry.size_dispersion(5, 0.0, seed=1), np.ones(5))


def test_radii_to_scale_and_quadratic_landscapes():
    r = np.array([0.8, 1.0, 1.25])
    assert np.allclose(geometry.moment_scale(r), r**3)
    lands = geometry.quadratic_landscapes(r, C=50.0)
    assert [land.C for land in lands] == pytest.approx(50.0 * r**3)
    assert geometry.quadratic_landscapes(r, C=50.0, chi_exponent=1.0) == [Quadratic(50.0)] * 3


def test_microscopic_landscapes_scale_from_their_own_first_maximum():
    from mcdimer.micro import Microscopic

    kfa, t = 42.97, 5e-4
    r = np.array([1.0, 1.0005, 1.0])
    out = geometry.microscopic_landscapes(r, kfa, t)
    ref = Microscopic(kfa, t)
    assert out.K == pytest.approx(ref.K)
    assert out.landscapes[0] is out.landscapes[2]
    assert out.landscapes[1].kfa == pytest.approx(kfa * 1.0005)
    assert out.scale[0] == 1.0 and out.scale[1] == pytest.approx(out.landscapes[1].m0 / ref.m0)
    with pytest.raises(ValueError, match=r"radii\[1\]"):
        geometry.microscopic_landscapes([1.0, 42.8 / kfa], kfa, t)  # diamagnetic at 42.8


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: geometry.lattice("hexagonal", (2, 2)), "kind"),
        (lambda: geometry.lattice("square", (2, 2, 2)), "shape"),
        (lambda: geometry.lattice("cubic", (2, 0, 2)), "shape"),
        (lambda: geometry.lattice("fcc", "big"), "shape"),
        (lambda: geometry.ring(2), "n"),
        (lambda: geometry.chain(0), "n"),
        (lambda: geometry.random_cluster(10, 0.0, seed=1), "packing_fraction"),
        (lambda: geometry.random_cluster(10, 0.75, seed=1), "packing_fraction"),
        (lambda: geometry.random_cluster(10, 0.2, seed=None), "seed"),
        (lambda: geometry.random_cluster(10, 0.2, seed=-1), "seed"),
        (lambda: geometry.random_cluster(10, 0.2, seed=1, min_distance=0), "min_distance"),
        (lambda: geometry.size_dispersion(10, -0.1, seed=1), "sigma"),
        (lambda: geometry.moment_scale([1.0, -1.0]), "radii"),
        (lambda: geometry.quadratic_landscapes([1.0], C=-1.0), "C"),
    ],
)
def test_bad_geometry_input_names_the_parameter(call, word):
    with pytest.raises(ValueError, match=word):
        call()
