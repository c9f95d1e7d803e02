"""The per-chain xoshiro256** streams against a pure-Python reference of the algorithm."""

import numpy as np
from numba import njit

from mcdimer.sampling.rng import next_double, next_triple, seed_states

MASK = (1 << 64) - 1


def reference_xoshiro(state, count):
    """Blackman & Vigna's xoshiro256** on Python integers."""
    s = [int(x) for x in state]
    out = []
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK  # noqa: E731
    for _ in range(count):
        out.append((rotl((s[1] * 5) & MASK, 7) * 9) & MASK)
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


@njit
def _doubles(state, count):
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    out = np.empty(count)
    for k in range(count):
        out[k], s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
    return out


@njit
def _triples(state, count):
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    out = np.empty((count, 3))
    for k in range(count):
        out[k, 0], out[k, 1], out[k, 2], s0, s1, s2, s3 = next_triple(s0, s1, s2, s3)
    return out


def test_xoshiro_matches_reference_algorithm():
    state = seed_states(123, 1)[0]
    want = [(r >> 11) * 2.0**-53 for r in reference_xoshiro(state, 1000)]
    assert np.array_equal(_doubles(state, 1000), np.array(want))
    raw = reference_xoshiro(state, 200)
    got = _triples(state, 200)
    low21 = (1 << 21) - 1
    want3 = (
        np.array(
            [[(r >> 43) + 0.5, ((r >> 22) & low21) + 0.5, ((r >> 1) & low21) + 0.5] for r in raw]
        )
        * 2.0**-21
    )
    assert np.array_equal(got, want3)


def test_streams_depend_only_on_seed_and_index_and_are_distinct():
    a, b = seed_states(7, 3), seed_states(7, 5)
    assert np.array_equal(a, b[:3])
    assert len({tuple(row) for row in b}) == 5
    assert not np.array_equal(seed_states(8, 3), a)


def test_displacement_uniforms_are_symmetric_and_uniform():
    u = _triples(seed_states(1, 1)[0], 200_000).ravel()
    assert 0 < u.min() and u.max() < 1
    # mean 1/2 and variance 1/12 within 5 standard errors of 600k draws
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / u.size)
