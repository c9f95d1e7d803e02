"""Per-chain random streams: xoshiro256** states seeded from numpy's SeedSequence.

Each chain (and each tempering replica) owns four uint64 words of state, derived from the
user's seed by `SeedSequence.spawn`, so chain k's stream depends only on (seed, k): the
numbers are the same whatever the number of threads or which other chains run. The
generator is Blackman & Vigna's xoshiro256** (public domain reference algorithm).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_MASK53 = 1.0 / 9007199254740992.0  # 2^-53


def seed_states(seed: int, streams: int, *, key: tuple[int, ...] = ()) -> np.ndarray:
    """(streams, 4) uint64 xoshiro256** states, stream k from SeedSequence(seed, key).spawn."""
    root = np.random.SeedSequence(seed, spawn_key=key)
    out = np.empty((streams, 4), dtype=np.uint64)
    for k, child in enumerate(root.spawn(streams)):
        state = child.generate_state(4, dtype=np.uint64)
        if not state.any():  # the all-zero state is the one fixed point
            state[0] = 1
        out[k] = state
    return out


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def _advance(s0, s1, s2, s3):
    """One xoshiro256** step: the 64-bit output and the new state words."""
    result = _rotl(s1 * uint64(5), 7) * uint64(9)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(inline="always")
def next_double(s0, s1, s2, s3):
    """One uniform double in [0, 1) and the advanced state (state kept in registers)."""
    result, s0, s1, s2, s3 = _advance(s0, s1, s2, s3)
    return (result >> uint64(11)) * _MASK53, s0, s1, s2, s3


_MASK21 = 1.0 / 2097152.0  # 2^-21
_LOW21 = uint64(0x1FFFFF)


@njit(inline="always")
def next_triple(s0, s1, s2, s3):
    """Three uniforms in (0, 1) at the centres of a 2^-21 grid, (k + 1/2) 2^-21, from one
    64-bit output (symmetric about 1/2: a displacement 2u - 1 is exactly symmetric)."""
    result, s0, s1, s2, s3 = _advance(s0, s1, s2, s3)
    a = ((result >> uint64(43)) + 0.5) * _MASK21
    b = (((result >> uint64(22)) & _LOW21) + 0.5) * _MASK21
    c = (((result >> uint64(1)) & _LOW21) + 0.5) * _MASK21
    return a, b, c, s0, s1, s2, s3
