"""Time one full exact-dimer evaluation (pdf_mu1z + expect) at C = 50 (target: < 1 s).

Run: .venv/bin/python benchmarks/bench_exact.py
"""

import time

from mcdimer import Dimer, exact

exact.expect(Dimer(K=1.0, C=1.0))  # compile the kernels once
# each model below is new to exact's memo (keyed by model and bins): every timing integrates;
# expect() then reuses what pdf_mu1z integrated, as a user's two calls would
for ratio in (0.5, 0.8, 1.0, 1.2, 2.0):
    model = Dimer(K=50.0 * ratio, C=50.0)
    t0 = time.perf_counter()
    exact.pdf_mu1z(model, 40)
    exact.expect(model)
    dt = time.perf_counter() - t0
    print(f"exact dimer C=50 K/C={ratio:<4} pdf_mu1z(40) + expect: {dt * 1e3:7.1f} ms")
model = Dimer(K=8.0, C=10.0, h=(3.0, 0.0, 0.0))
t0 = time.perf_counter()
exact.expect(model)
print(f"exact dimer C=10 K=8 hx=3 (transverse, phi quadrature): {time.perf_counter() - t0:.2f} s")
