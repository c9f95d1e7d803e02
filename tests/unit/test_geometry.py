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


# --- periodic boxes and hard cores from the radii (docs/physics.md, "Periodic boxes") ----


def _min_image_pairs(pos, box=None):
    """(n, n) minimum-image distances (open without a box), by brute force; inf on the diagonal."""
    d = pos[:, None, :] - pos[None, :, :]
    if box is not None:
        d -= box * np.round(d / box)
    r = np.sqrt((d**2).sum(-1))
    np.fill_diagonal(r, np.inf)
    return r


@pytest.mark.parametrize(
    "kind, cells, per_cell, coordination, density",
    [
        ("sc", 3, 1, 6, 1.0),
        ("bcc", (3, 2, 4), 2, 8, 3.0 * np.sqrt(3.0) / 4.0),
        ("fcc", (2, 3, 2), 4, 12, np.sqrt(2.0)),
    ],
)
def test_periodic_lattice_counts_spacing_coordination_and_box(
    kind, cells, per_cell, coordination, density
):
    pos, box = geometry.periodic_lattice(kind, cells)
    cells = np.broadcast_to(cells, 3)
    n = per_cell * int(np.prod(cells))
    assert pos.shape == (n, 3) and box.shape == (3,)
    # number density of the cubic lattice at unit nearest-neighbour spacing (textbook values)
    assert n / np.prod(box) == pytest.approx(density, rel=1e-12)
    assert np.all(pos >= 0) and np.all(pos < box)
    r = _min_image_pairs(pos, box)
    assert r.min() == pytest.approx(1.0, rel=1e-12)  # across the boundary too
    assert np.all((np.abs(r - 1.0) < 1e-9).sum(axis=1) == coordination)
    Assembly(pos, 1.0, C=1.0, box=box, min_distance=1.0 - 1e-9)


@pytest.mark.parametrize(
    "n, phi, sigma, seed", [(300, 0.3, 0.3, 1), (200, 0.2, 2.0, 2), (1, 0.1, 0, 3)]
)
def test_random_box_keeps_radii_hard_cores_by_minimum_image(n, phi, sigma, seed):
    radii = geometry.size_dispersion(n, sigma, seed=seed + 10)
    pos, box = geometry.random_box(n, phi, seed, radii=radii)
    assert pos.shape == (n, 3) and np.all(box == box[0])
    assert np.all(pos >= 0) and np.all(pos < box)
    # the true volume fraction of spheres of diameter R_i/a (unit of length 2a)
    assert np.sum(np.pi / 6 * radii**3) / np.prod(box) == pytest.approx(phi, rel=1e-12)
    if n > 1:
        r = _min_image_pairs(pos, box)
        assert np.all(r >= 0.5 * (radii[:, None] + radii[None, :]))
    Assembly(pos, 1.0, C=1.0, box=box, min_distance=0.999 * radii.min())


def test_random_box_reaches_its_bound_at_4096_with_hard_cores_across_the_boundary():
    n, phi = 4096, geometry.MAX_PACKING  # equal spheres: the hardest case for RSA
    pos, box = geometry.random_box(n, phi, seed=4)
    assert n * np.pi / 6 / np.prod(box) == pytest.approx(phi, rel=1e-12)
    tree = cKDTree(pos, boxsize=box)
    assert tree.query(pos, k=2)[0][:, 1].min() >= 1.0


def test_random_cluster_with_radii_keeps_spheres_apart_at_the_true_volume_fraction():
    n, phi = 400, 0.3
    radii = geometry.size_dispersion(n, 0.5, seed=8)
    pos = geometry.random_cluster(n, phi, seed=8, radii=radii)
    r = _min_image_pairs(pos)  # open: no image
    assert np.all(r >= 0.5 * (radii[:, None] + radii[None, :]))
    big = (np.sum(radii**3) / phi) ** (1 / 3) / 2  # sum (pi/6) R^3 = phi (4 pi/3) big^3
    assert np.linalg.norm(pos, axis=1).max() <= big
    assert np.linalg.norm(pos, axis=1).max() > 0.9 * big  # the sphere is filled


def test_random_cluster_without_radii_draws_the_positions_it_always_drew():
    # last centre placed, from the implementation before hard cores from radii existed:
    # every earlier acceptance decision must agree for it to agree
    pos = geometry.random_cluster(64, 0.2, seed=7)
    assert np.allclose(pos[-1], [1.4073438227217787, -2.8209602630289217, 0.6917187618770619])
    pos = geometry.random_cluster(30, 0.3, seed=2, min_distance=1.5)
    assert np.allclose(pos[-1], [0.3695939376676305, 2.9962948904922397, 0.23087488691128433])


def test_a_jammed_placement_is_a_bounded_valueerror(monkeypatch):
    # below MAX_PACKING no placement jams (benchmarks/bench_geometry.py); a budget of a few
    # candidates shows the failure path: an error naming packing_fraction, not a hang
    monkeypatch.setattr(geometry, "_ATTEMPTS", 256)
    monkeypatch.setattr(geometry, "_BUDGET", 5_000)
    monkeypatch.setattr(geometry, "_BUDGET_PER_PARTICLE", 1)
    with pytest.raises(ValueError, match="lower packing_fraction"):
        geometry.random_box(500, 0.35, seed=1)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: geometry.lattice("square", (2**32, 2**32)), "shape"),
        (lambda: geometry.lattice("fcc", 100), "shape"),
        (lambda: geometry.chain(10**7), "n"),
        (lambda: geometry.ring(10**7), "n"),
        (lambda: geometry.size_dispersion(10**7, 0.1, seed=1), "n"),
        (lambda: geometry.periodic_lattice("sc", 101), "cells"),
        (lambda: geometry.periodic_lattice("hcp", 2), "kind"),
        (lambda: geometry.periodic_lattice("sc", (2, 2)), "cells"),
        (lambda: geometry.periodic_lattice("sc", (2, 2, True)), "cells"),
        (lambda: geometry.periodic_lattice("sc", "2"), "cells"),
        (lambda: geometry.random_cluster(10**6, 0.2, seed=1), "n"),
        (lambda: geometry.random_box(10**6, 0.2, seed=1), "n"),
        (lambda: geometry.size_dispersion(5, 1e300, seed=1), r"sigma must be <= 2"),
        (lambda: geometry.size_dispersion(5, "0.1", seed=1), "sigma"),
        (lambda: geometry.random_cluster(10, 0.2, seed=1, min_distance=1e-300), "min_distance"),
        (lambda: geometry.cluster_radius(10, 0), "packing_fraction"),
        (lambda: geometry.random_cluster(10, 1e-300, seed=1), "packing_fraction"),
        (lambda: geometry.random_box(10, 0.5, seed=1), r"packing_fraction.*0\.35"),
        (lambda: geometry.random_cluster("10", 0.2, seed=1), "n"),
        (lambda: geometry.random_cluster(True, 0.2, seed=1), "n"),
        (lambda: geometry.random_box(10, "0.2", seed=1), "packing_fraction"),
        (lambda: geometry.random_box(10, True, seed=1), "packing_fraction"),
        (lambda: geometry.random_box(3, 0.2, seed=1, radii=[1.0, 1.0]), "radii"),
        (lambda: geometry.random_box(2, 0.2, seed=1, radii=[1.0, "a"]), "radii"),
        (lambda: geometry.random_box(2, 0.2, seed=1, radii=[1.0, 1e9]), "radii"),
        (
            lambda: geometry.random_cluster(2, 0.2, seed=1, radii=[1.0, 1.0], min_distance=1.0),
            "min_distance",
        ),
        (lambda: geometry.moment_scale(["a", "b"]), "radii"),
        (lambda: geometry.moment_scale("1.0"), "radii"),
        (lambda: geometry.moment_scale([True, 1.0]), "radii"),
        (lambda: geometry.moment_scale([np.nan]), "radii"),
        (lambda: geometry.moment_scale([]), "radii"),
        (lambda: geometry.moment_scale([[1.0]]), "radii"),
        (lambda: geometry.quadratic_landscapes([1.0], C=1.0, chi_exponent="0"), "chi_exponent"),
    ],
)
def test_bad_sizes_and_counts_are_refused_at_once_naming_the_parameter(call, word):
    import time
    import warnings

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (overflow, divide) on the way
        with pytest.raises(ValueError, match=word):
            call()
    assert time.perf_counter() - start < 1.0  # refused before any work
