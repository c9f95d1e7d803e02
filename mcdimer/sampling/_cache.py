"""Numba's on-disk cache of the kernels, kept consistent with their sources."""

from __future__ import annotations

import hashlib
from pathlib import Path


def drop_stale_kernel_cache() -> None:
    """Numba checks a cached kernel against its own source file only, not against the
    files whose functions it inlines (a kernel inlining an old `heatbath_move` would keep
    it). So the whole cache of this package goes when any of its sources changes."""
    here = Path(__file__).parent
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(here.glob("*.py"))))
    cache = here / "__pycache__"
    stamp = cache / "mcdimer-kernels.sha256"
    try:
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return
        for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest.hexdigest())
    except OSError:  # a read-only installation: Numba then caches elsewhere or not at all
        pass
