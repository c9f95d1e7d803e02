"""exact on a two-particle Assembly with any pair axis: lab-frame values from the pair frame."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from mcdimer import Assembly, Chain, Quadratic, Saturating, exact


def _gaussian_reference(C, K, s, r, e, h):
    """Unbounded Gaussian dimer (docs/physics.md, "The exact dimer", Gaussian limit) for any axis e.

    beta E = (1/2) x^T H x - b^T x with x = (mu_1, mu_2), H = [[2C, B], [B, 2C]],
    B = K s^2 (I - 3 e e^T)/r^3 (Eq. (B6)), b = (s h, s h). Mean H^-1 b, covariance H^-1,
    <beta E> = 3 - b^T H^-1 b / 2.
    """
    b_blk = K * s * s * (np.eye(3) - 3 * np.outer(e, e)) / r**3
    hess = np.block([[2 * C * np.eye(3), b_blk], [b_blk, 2 * C * np.eye(3)]])
    b = np.concatenate([s * h, s * h])
    cov = np.linalg.inv(hess)
    mean = cov @ b
    second = cov + np.outer(mean, mean)
    return {
        "mu1z": mean[2],
        "mu1x": mean[0],
        "mu1z2": second[2, 2],
        "mu1x2": second[0, 0],
        "mu1z_mu2z": second[2, 5],
        "energy": 3.0 - 0.5 * b @ cov @ b,
    }


def test_pair_along_z_at_other_spacing_and_scale_is_the_rescaled_chain():
    pair = Assembly([[0, 0, 1.0], [0, 0, 3.0]], 40.0, C=10.0, scale=1.5, h=(0.4, -0.3, 1.0))
    chain = Chain(2, 40.0 * 1.5**2 / 8.0, C=10.0, h=(0.6, -0.45, 1.5))
    assert exact.expect(pair) == pytest.approx(exact.expect(chain), rel=1e-13, abs=1e-15)
    assert np.array_equal(exact.pdf_mu1z(pair, 20), exact.pdf_mu1z(chain, 20))


def test_pair_pointing_down_mirrors_the_density():
    up = Assembly([[0, 0, 0], [0, 0, 1.0]], 30.0, C=20.0, h=(0, 0, 2.0))
    down = Assembly([[0, 0, 1.0], [0, 0, 0]], 30.0, C=20.0, h=(0, 0, 2.0))
    assert exact.expect(down) == pytest.approx(exact.expect(up), rel=1e-12, abs=1e-15)
    assert np.allclose(exact.pdf_mu1z(down, 20), exact.pdf_mu1z(up, 20), rtol=1e-12)


def test_transverse_pair_at_zero_field_matches_gaussian_limit():
    # C = 50, K = 40: the ball's edge changes the Gaussian moments only at 1e-8 (docs/physics.md)
    C, K = 50.0, 40.0
    pair = Assembly([[0, 0, 0], [1.0, 0, 0]], K, C=C)
    got = exact.expect(pair)
    assert got["mu1z2"] == pytest.approx(C / (2 * (C**2 - K**2 / 4)), rel=1e-6)
    assert got["mu1x2"] == pytest.approx(C / (2 * (C**2 - K**2)), rel=1e-6)
    assert got["mu1z_mu2z"] == pytest.approx(-K / (4 * (C**2 - K**2 / 4)), rel=1e-6)
    assert got["energy"] == pytest.approx(3.0, rel=1e-6)
    assert np.isnan(got["abs_mu1z"])
    with pytest.raises(ValueError, match="pair axis"):
        exact.pdf_mu1z(pair)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tilted_pair_in_a_field_matches_gaussian_limit(seed):
    rng = np.random.default_rng(seed)
    C, K, s, r = 50.0, 20.0, 1.1, 1.3
    e = Rotation.random(random_state=seed).apply([0.0, 0.0, 1.0])
    h = rng.normal(size=3)
    h *= 2.0 / np.linalg.norm(h)
    pos = np.array([[0.2, -0.1, 0.3], [0.2, -0.1, 0.3] + r * e])
    got = exact.expect(Assembly(pos, K, C=C, scale=s, h=h))
    want = _gaussian_reference(C, K, s, r, e, h)
    for key in ("mu1z", "mu1x", "mu1z2", "mu1x2", "mu1z_mu2z", "energy"):
        assert got[key] == pytest.approx(want[key], rel=1e-6, abs=1e-9), key
    assert np.isnan(got["abs_mu1z"])


def test_tilted_pair_with_field_along_its_axis_gives_the_zz_correlation():
    C, K, s, r = 50.0, 20.0, 1.0, 1.0
    e = np.array([1.0, 2.0, 2.0]) / 3.0
    h = 1.5 * e
    got = exact.expect(Assembly([[0, 0, 0], r * e], K, C=C, h=h))
    want = _gaussian_reference(C, K, s, r, e, h)
    assert got["mu1z_mu2z"] == pytest.approx(want["mu1z_mu2z"], rel=1e-6)
    assert got["mu1z"] == pytest.approx(want["mu1z"], rel=1e-6)


def test_rotated_pair_keeps_rotation_invariant_values_of_a_strongly_coupled_dimer():
    # beyond the threshold (K/C = 1.2): bimodal, far from Gaussian; |mu_1| and <beta E>
    # do not depend on the frame, <mu_1^2> summed over axes neither
    chain = Chain(2, 60.0, C=50.0)
    e = np.array([0.0, 0.6, 0.8])
    pair = Assembly([[0, 0, 0], e], 60.0, C=50.0)
    a, b = exact.expect(chain), exact.expect(pair)
    assert b["abs_mu1"] == pytest.approx(a["abs_mu1"], rel=1e-12)
    assert b["energy"] == pytest.approx(a["energy"], rel=1e-12)
    # lab z = 0.8 e + 0.6 t: <mu1z^2> = 0.64 <z'^2> + 0.36 <x'^2> (no cross term at h = 0)
    assert b["mu1z2"] == pytest.approx(0.64 * a["mu1z2"] + 0.36 * a["mu1x2"], rel=1e-12)


@pytest.mark.parametrize(
    "model, word",
    [
        (Assembly([[0, 0, 0], [0, 0, 1], [0, 0, 2]], 1.0, C=1.0), "n must be 2"),
        (Assembly([[0, 0, 0], [0, 0, 1]], 1.0, C=1.0, scale=[1.0, 2.0]), "scale"),
        (Assembly([[0, 0, 0], [0, 0, 1]], 1.0, C=[1.0, 2.0]), "landscapes"),
        (
            Assembly([[0, 0, 0], [0, 0, 1]], 1.0, landscape=[Quadratic(1.0), Saturating(1.0)]),
            "landscapes",
        ),
    ],
)
def test_unsupported_pairs_are_refused(model, word):
    with pytest.raises(ValueError, match=word):
        exact.expect(model)


def test_gaussian_limit_of_the_dimer_is_physics_md():
    C, K = 50.0, 40.0
    g = exact.gaussian_limit(Chain(2, K, C=C))
    assert np.allclose(g["mean"], 0.0)
    assert g["cov"][0, 2, 0, 2] == pytest.approx(C / (2 * (C**2 - K**2)), rel=1e-12)
    assert g["cov"][0, 2, 1, 2] == pytest.approx(K / (2 * (C**2 - K**2)), rel=1e-12)
    assert g["cov"][0, 0, 0, 0] == pytest.approx(C / (2 * (C**2 - K**2 / 4)), rel=1e-12)
    assert g["energy"] == pytest.approx(3.0) and g["edge"] == pytest.approx(6.0)  # 1/sd


def test_gaussian_limit_of_a_tilted_pair_in_a_field_matches_the_quadrature():
    e = np.array([2.0, -1.0, 2.0]) / 3.0
    model = Assembly([[0, 0, 0], 1.2 * e], 20.0, C=50.0, scale=0.9, h=(0.5, 1.0, -1.5))
    g, q = exact.gaussian_limit(model), exact.expect(model)
    second = g["cov"] + np.einsum("ia,jb->iajb", g["mean"], g["mean"])
    assert q["mu1z"] == pytest.approx(g["mean"][0, 2], abs=1e-8)
    assert q["mu1x"] == pytest.approx(g["mean"][0, 0], abs=1e-8)
    assert q["mu1z2"] == pytest.approx(second[0, 2, 0, 2], rel=1e-6)
    assert q["mu1z_mu2z"] == pytest.approx(second[0, 2, 1, 2], rel=1e-6)
    assert q["energy"] == pytest.approx(g["energy"], rel=1e-6)


def test_gaussian_limit_refuses_beyond_onset_and_other_landscapes():
    with pytest.raises(ValueError, match="onset"):
        exact.gaussian_limit(Chain(3, 40.0, C=20.0))
    with pytest.raises(ValueError, match="Quadratic"):
        exact.gaussian_limit(Chain(3, 1.0, landscape=Saturating(20.0)))
