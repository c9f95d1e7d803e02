"""Start-up cost: CPU seconds of `import numba`, `import mcdimer` and `mcdimer --help`.

Each command runs in a fresh interpreter REPEATS times; the figure is the smallest user +
system CPU time of the child (resource.getrusage), which is what the machine's load
disturbs least. The targets (issue 20): `import mcdimer` at most 0.6 s above
`import numba`, `mcdimer --help` under 1 s. Also lists the heavy third-party packages
each command loads (scipy.optimize, scipy.special, scipy.stats, xarray, pandas, arviz,
pymbar, matplotlib, emcee), so a regression names its cause.

    python benchmarks/bench_startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

HEAVY = (
    "scipy.optimize",
    "scipy.special",
    "scipy.stats",
    "xarray",
    "pandas",
    "arviz",
    "pymbar",
    "matplotlib",
    "emcee",
)
LOADED = (
    "import sys, json; {stmt}; "
    "print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
)
COMMANDS = {
    "import numba": [sys.executable, "-c", "import numba"],
    "import mcdimer": [sys.executable, "-c", "import mcdimer"],
    "mcdimer --help": [sys.executable, "-c", "from mcdimer.cli import main; main()", "--help"],
}


def cpu_seconds(argv: list[str]) -> float:
    """User + system CPU of one child process running argv."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_loaded(stmt: str) -> list[str]:
    code = LOADED.format(stmt=stmt, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    best = {}
    for name, argv in COMMANDS.items():
        best[name] = min(cpu_seconds(argv) for _ in range(args.repeats))
    for name, seconds in best.items():
        print(f"{name:16s} {seconds:6.2f} s CPU (best of {args.repeats})")
    print(f"{'mcdimer - numba':16s} {best['import mcdimer'] - best['import numba']:6.2f} s CPU")
    stmts = {
        "import mcdimer": "import mcdimer",
        "mcdimer --help": "import mcdimer.cli",
    }
    for name, stmt in stmts.items():
        print(f"{name} loads: {', '.join(heavy_loaded(stmt)) or 'none of the heavy packages'}")


if __name__ == "__main__":
    main()
