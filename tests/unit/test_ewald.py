"""The periodic pair tensor (`mcdimer.ewald`) and periodic assemblies: lattice sums with tin
foil, independence of the Ewald splitting, replicas, translations, the open limit with the
vacuum surface term, fields as gradients, and bad boxes."""

import numpy as np
import pytest

from mcdimer import Assembly, ewald
from mcdimer.meanfield import critical_modes, critical_ratio


def cubic_lattice(kind, cells):
    """(positions, box) of a cubic lattice with nearest-neighbour spacing 1."""
    basis = {
        "sc": [[0, 0, 0]],
        "bcc": [[0, 0, 0], [0.5, 0.5, 0.5]],
        "fcc": [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]],
    }[kind]
    a = {"sc": 1.0, "bcc": 2 / np.sqrt(3), "fcc": np.sqrt(2)}[kind]
    g = np.arange(cells, dtype=float)
    cell = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    pos = (cell[:, None, :] + np.array(basis, dtype=float)[None]).reshape(-1, 3) * a
    return pos, np.full(3, cells * a)


def random_box(n, box, seed, min_distance=0.8):
    rng = np.random.default_rng(seed)
    box = np.asarray(box, dtype=float)
    pos = []
    while len(pos) < n:
        p = rng.uniform(0, 1, 3) * box
        d = ewald.minimum_image(np.array(pos) - p, box) if pos else np.zeros((0, 3))
        if not pos or np.min(np.linalg.norm(d, axis=1)) >= min_distance:
            pos.append(p)
    return np.array(pos)


def random_moments(rng, n):
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1)[:, None] * rng.uniform(0, 1, (n, 1)) ** (1 / 3)


@pytest.mark.parametrize("kind", ["sc", "bcc", "fcc"])
@pytest.mark.parametrize("axis", [0, 2])
def test_ferromagnetic_energy_of_cubic_lattices_is_minus_two_pi_rho_over_three(kind, axis):
    """Tin foil: a uniformly polarised cubic lattice has beta E / K = -(2 pi/3) rho per dipole
    (no demagnetising field; the Lorentz field cancels the cubic lattice sum)."""
    pos, box = cubic_lattice(kind, 2)
    model = Assembly(pos, K=1.0, C=0.0, box=box)
    mu = np.zeros((model.n, 3))
    mu[:, axis] = 1.0
    rho = model.n / np.prod(box)
    want = -(2 * np.pi / 3) * rho
    assert model.energy(mu) / model.n == pytest.approx(want, rel=1e-10, abs=0)


def test_sc_luttinger_tisza_ground_state_is_the_columnar_antiferromagnet():
    """The top of the Ewald tensor of the sc lattice: -2.676 per dipole (Luttinger & Tisza
    1946), moments along an axis alternating in the two perpendicular directions."""
    pos, box = cubic_lattice("sc", 4)
    model = Assembly(pos, K=1.0, C=1.0, box=box)
    # K_c/C = 2/lambda_max(G) and the energy per dipole of that mode is -lambda_max/2
    energy = -1.0 / critical_ratio(model)
    assert energy == pytest.approx(-2.676, abs=1e-3)
    modes = critical_modes(model)
    assert len(modes) == 3  # one per axis
    cols = np.zeros((model.n, 3))
    cols[:, 2] = (-1.0) ** (pos[:, 0] + pos[:, 1])
    cols /= np.linalg.norm(cols)
    overlap = np.einsum("kic,ic->k", modes, cols)
    assert np.sum(overlap**2) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("kind", ["bcc", "fcc"])
def test_bcc_and_fcc_order_ferromagnetically(kind):
    pos, box = cubic_lattice(kind, 2)
    model = Assembly(pos, K=1.0, C=1.0, box=box)
    rho = model.n / np.prod(box)
    # the uniform mode's eigenvalue of G is (4 pi/3) rho: K_c/C = 2 / that
    assert critical_ratio(model) == pytest.approx(2.0 / (4 * np.pi / 3 * rho), rel=1e-9)
    modes = critical_modes(model)
    uniform = np.zeros((model.n, 3))
    uniform[:, 0] = 1.0 / np.sqrt(model.n)
    assert np.sum(np.einsum("kic,ic->k", modes, uniform) ** 2) == pytest.approx(1.0, abs=1e-9)


def test_tensor_does_not_depend_on_the_splitting_parameter():
    box = (3.1, 2.7, 3.6)
    pos = random_box(12, box, seed=1)
    g = ewald.ewald_tensor(pos, box)
    alpha = ewald.parameters(np.array(box))[0]
    scale = np.abs(g).max()
    for factor in (0.6, 1.7):
        other = ewald.ewald_tensor(pos, box, alpha=factor * alpha)
        assert np.abs(other - g).max() <= 1e-10 * scale
    # energies and fields of one configuration, the same bound
    model = Assembly(pos, K=1.0, C=0.0, box=box)
    mu = random_moments(np.random.default_rng(2), 12)
    e = model.energy(mu)
    h = model.field(mu)
    model._tensor = ewald.ewald_tensor(pos, box, alpha=0.6 * alpha)
    assert model.energy(mu) == pytest.approx(e, rel=1e-10)
    np.testing.assert_allclose(model.field(mu), h, rtol=0, atol=1e-10 * np.abs(h).max())


def test_tensor_is_symmetric_and_the_cubic_self_term_is_isotropic():
    pos, box = cubic_lattice("sc", 1)  # one particle: G_00 is its own images alone
    g = ewald.ewald_tensor(pos, box)
    np.testing.assert_allclose(g[:3, 0, 0], 4 * np.pi / 3, rtol=1e-11)
    np.testing.assert_allclose(g[3:, 0, 0], 0.0, atol=1e-11)
    g = ewald.ewald_tensor(random_box(9, (3.0, 2.5, 2.8), seed=3), (3.0, 2.5, 2.8))
    np.testing.assert_array_equal(g, np.swapaxes(g, 1, 2))


def test_a_replicated_box_has_the_same_energy_per_particle():
    box = np.array([2.9, 3.3, 2.6])
    pos = random_box(7, box, seed=4)
    mu = random_moments(np.random.default_rng(5), 7)
    small = Assembly(pos, K=1.0, C=0.0, h=(0.1, 0.2, -0.3), box=box)
    shifts = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]) * box
    big = Assembly(
        (pos[None] + shifts[:, None]).reshape(-1, 3), K=1.0, C=0.0, h=(0.1, 0.2, -0.3),
        box=2 * box,
    )  # fmt: skip
    e_small = small.energy(mu) / 7
    e_big = big.energy(np.tile(mu, (8, 1))) / 56
    assert e_big == pytest.approx(e_small, rel=1e-10)
    np.testing.assert_allclose(
        big.field(np.tile(mu, (8, 1))), np.tile(small.field(mu), (8, 1)), rtol=0, atol=1e-10
    )


def test_translating_every_position_changes_nothing():
    box = np.array([3.0, 3.5, 2.8])
    pos = random_box(10, box, seed=6)
    mu = random_moments(np.random.default_rng(7), 10)
    a = Assembly(pos, K=2.0, C=1.0, box=box)
    b = Assembly(pos + np.array([10.3, -4.7, 1.9]), K=2.0, C=1.0, box=box)
    assert np.all((b.positions >= 0) & (b.positions < box))  # wrapped
    assert b.energy(mu) == pytest.approx(a.energy(mu), rel=1e-10)
    np.testing.assert_allclose(b.field(mu), a.field(mu), rtol=0, atol=1e-10)


def test_growing_box_tends_to_the_open_sum_with_the_vacuum_surface_term():
    """Particles fixed, edge L growing. Summed over spherical shells of images in vacuum the
    images' sum vanishes with L (cubic symmetry kills the leading 1/L^3 term), so the vacuum
    energy tends to the open one; tin foil is the vacuum energy minus (2 pi / 3V)|sum x|^2
    (per K). So E_periodic + K (2 pi / 3 L^3)|sum mu|^2 - E_open -> 0, faster than the
    surface term itself (measured: as 1/L^5), while E_periodic - E_open alone is ~1/L^3."""
    pos = np.array([[0, 0, 0], [1.1, 0.2, 0.1], [0.3, 1.2, -0.2], [0.5, 0.4, 1.0]]) + 5.0
    mu = random_moments(np.random.default_rng(8), 4)
    e_open = Assembly(pos, K=1.0, C=0.0).energy(mu)
    x2 = np.sum(mu.sum(axis=0) ** 2)
    rest = []
    for edge in (48.0, 96.0):
        e = Assembly(pos, K=1.0, C=0.0, box=(edge,) * 3).energy(mu)
        surface = 2 * np.pi / (3 * edge**3) * x2
        assert e < e_open  # tin foil removes a positive demagnetising energy
        assert abs(e - e_open + surface) < 0.05 * surface
        rest.append(abs(e - e_open + surface))
    assert rest[1] < rest[0] / 16  # faster than 1/L^4


def test_periodic_field_is_minus_the_gradient_of_the_energy():
    box = np.array([2.7, 3.2, 3.0])
    pos = random_box(8, box, seed=9)
    model = Assembly(pos, K=3.0, C=2.0, h=(0.3, -0.1, 0.7), scale=np.linspace(0.8, 1.2, 8), box=box)
    mu = random_moments(np.random.default_rng(10), 8)
    # the field holds the Zeeman and dipolar parts: subtract the landscape's gradient 2 C mu
    step = 1e-5
    grad = np.zeros_like(mu)
    for i in range(8):
        for c in range(3):
            up, down = mu.copy(), mu.copy()
            up[i, c] += step
            down[i, c] -= step
            grad[i, c] = (model.energy(up) - model.energy(down)) / (2 * step)
    np.testing.assert_allclose(model.field(mu), 2 * 2.0 * mu - grad, rtol=0, atol=1e-7)


def test_minimum_image_and_wrap():
    box = np.array([2.0, 3.0, 4.0])
    d = ewald.minimum_image([[1.9, -1.6, 2.5]], box)
    np.testing.assert_allclose(d, [[-0.1, 1.4, -1.5]])
    w = ewald.wrap([[-1e-17, 3.0, -4.5]], box)
    assert np.all((w >= 0) & (w < box))
    np.testing.assert_allclose(w, [[0.0, 0.0, 3.5]], atol=1e-15)


@pytest.mark.parametrize(
    "box",
    [(0, 3, 3), (-1, 3, 3), (np.inf, 3, 3), (np.nan, 3, 3), (3, 3), (3, 3, 3, 3), "333",
     (True, 3, 3), [[3, 3, 3]]],
)  # fmt: skip
def test_bad_boxes_name_box(box):
    with pytest.raises(ValueError, match="box"):
        Assembly([[0, 0, 0], [1, 1, 1]], K=1.0, C=1.0, box=box)


def test_box_too_small_for_the_hard_cores_names_box_or_positions():
    with pytest.raises(ValueError, match="box"):
        Assembly([[0, 0, 0]], K=1.0, C=1.0, box=(3, 3, 0.5), min_distance=1.0)
    # two centres 2.9 apart in the open are 0.1 apart across the boundary
    with pytest.raises(ValueError, match="positions: particles 0 and 1 .*minimum image"):
        Assembly([[0, 0, 0], [2.9, 0, 0]], K=1.0, C=1.0, box=(3, 3, 3), min_distance=1.0)


@pytest.mark.parametrize("positions", [[[0, 0, 0, 0]], [0, 0, 0], [[0, 0, np.nan]], "abc"])
def test_bad_positions_in_a_box_name_positions(positions):
    with pytest.raises(ValueError, match="positions"):
        Assembly(positions, K=1.0, C=1.0, box=(3, 3, 3))


def test_blocked_k_space_products_and_mirroring_give_the_full_sum(monkeypatch):
    """The k-space products fill the blocks on and above the diagonal only; the rest is
    mirrored. One block of all rows computes every entry: the same tensor."""
    box = (6.0, 5.5, 6.5)
    pos = random_box(150, box, seed=12)
    blocked = ewald.ewald_tensor(pos, box)
    monkeypatch.setattr(ewald, "_ROWS", 37)
    small = ewald.ewald_tensor(pos, box)
    monkeypatch.setattr(ewald, "_ROWS", 1000)
    whole = ewald.ewald_tensor(pos, box)
    scale = np.abs(whole).max()
    assert np.abs(blocked - whole).max() <= 1e-13 * scale
    assert np.abs(small - whole).max() <= 1e-13 * scale
    np.testing.assert_array_equal(small, np.swapaxes(small, 1, 2))
