"""Cold compile time of the engine's kernels: what a fresh clone (CI) pays once.

Run: .venv/bin/python benchmarks/bench_compile.py
Compiles in a child process whose Numba cache is an empty temporary directory
(NUMBA_CACHE_DIR), so the package's own cache is neither read nor touched. Prints the
seconds of the first `sample()` without pairs (advance_chain and what it calls), then of
the first with pairs (advance_pair on top), then a warm call. To compare two versions run
it from each checkout with PYTHONPATH set to that checkout (the child imports whichever
mcdimer comes first on the path and prints its location).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

CHILD = """
import time
import mcdimer
from mcdimer import Chain
from mcdimer.sampling import sample

print("mcdimer from", mcdimer.__file__, flush=True)
model = Chain(4, K=10.0, C=50.0)
opts = dict(ladder=[1.0, 0.6], adapt=False, sweeps=200, burn=50, chains=4, seed=42)
for label, pairs in (("chains (advance_chain)", False), ("pairs (advance_pair)", True),
                     ("warm, pairs", True)):
    t0 = time.perf_counter()
    sample(model, "tempering", pairs=pairs, **opts)
    print(f"  {label:24s} {time.perf_counter() - t0:8.1f} s", flush=True)
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        subprocess.run([sys.executable, "-c", CHILD], env=env, check=True)


if __name__ == "__main__":
    main()
