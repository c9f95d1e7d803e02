"""`sample()` refuses what it cannot run correctly, naming the argument, and runs the valid
models its defaults used to refuse."""

import subprocess
import sys

import numpy as np
import pytest

from mcdimer import Chain, Dimer, sample
from mcdimer.sampling import config


def test_a_cycle_the_run_cannot_traverse_is_refused_naming_moves():
    """50 + 10 sweeps of a 10001-sweep cycle never reach its heat-bath move: the run only
    over-relaxes its uniform start (it returned <|mu_1|> = 0.64 against ~0.17)."""
    model = Chain(4, K=20.0, C=50.0)
    moves = [("overrelax", 10000), "heatbath"]
    with pytest.raises(ValueError, match="moves: the cycle is 10001 sweeps long") as info:
        sample(model, "metropolis", moves=moves, sweeps=50, burn=10, chains=2, seed=1)
    assert f"at least {config.MIN_CYCLE_PASSES} times" in str(info.value)
    # the same cycle traversed MIN_CYCLE_PASSES times passes the check (memory, etc. follow)
    config.check_cycle_passes(config.Metropolis(moves=moves).cycle(), 100_010 - 10, 10)
    # a cycle of ergodic moves only cannot starve, whatever its length
    sample(model, moves=[("displace", 19), "jump"], sweeps=5, burn=0, chains=1)


@pytest.mark.parametrize("model", [Chain(2, K=1.0, C=0.0), Chain(1, K=1.0, C=5.0)])
def test_auto_critical_modes_are_nan_where_no_instability_exists(model):
    """Free moments (C = 0) and a single particle have no mean-field instability:
    critical_modes="auto" records no overlap (NaN) instead of refusing the model."""
    res = sample(model, sweeps=400, burn=100, chains=2, seed=2)
    assert np.isnan(res.expect()["mode_overlap"])
    assert np.isfinite(res.expect()["mz2"])
    with pytest.raises(ValueError, match="critical_modes=True"):
        sample(model, sweeps=10, critical_modes=True)


def test_default_tempering_runs_on_one_particle():
    """The default ladder's hottest level for n = 1 follows from the stiffness alone
    (b C <= 1: b_min ~ 1/C); it used to fail with "n must be an integer >= 2"."""
    res = sample(Chain(1, K=1.0, C=5.0), "tempering", sweeps=400, burn=400, chains=2, seed=3)
    assert res.ladder[-1] == pytest.approx(0.2, rel=0.02)


@pytest.mark.parametrize(
    "modes,word",
    [
        (np.zeros((1, 2, 3)), "linearly independent"),
        (np.zeros((0, 2, 3)), "1..3n = 6 modes"),
        (np.eye(6).reshape(6, 2, 3).repeat(2, axis=0)[:7], "1..3n = 6 modes"),
        (np.ones((1, 2, 3)) * 1j, "real"),
        (np.array([[["a"] * 3] * 2]), "real"),
        (np.ones((1, 2, 3), dtype=bool), "real"),
        ("yes", "'auto', True, False"),
        (np.ones((1, 3, 3)), "shape"),
    ],
)
def test_bad_critical_modes_are_refused_naming_critical_modes(modes, word):
    with pytest.raises(ValueError, match="critical_modes") as info:
        sample(Dimer(K=1.0, C=5.0), sweeps=10, critical_modes=modes)
    assert word in str(info.value)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"moves": {"heatbath": 5}}, "moves"),
        ({"moves": {"heatbath", "overrelax"}}, "moves"),
        ({"jump_every": 10**6}, "jump_every"),
        ({"ladder": "1, 0.5"}, "ladder"),
        ({"ladder": [[1, 0.5]]}, "1-D"),
        ({"ladder": True}, "ladder"),
        ({"adapt": "no"}, "adapt"),
    ],
)
def test_non_geometry_arguments_of_the_wrong_kind_are_refused(kwargs, name):
    method = "tempering" if set(kwargs) & {"ladder", "adapt"} else "metropolis"
    with pytest.raises(ValueError, match=name):
        sample(Dimer(K=1.0, C=5.0), method, sweeps=10, **kwargs)


def test_import_and_reweighting_print_no_third_party_chatter():
    """pymbar logs a JAX banner and a timeseries warning; without logging configured Python
    would print them. Neither `import mcdimer` nor loading pymbar for MBAR prints a byte."""
    code = "import mcdimer; from mcdimer.sampling import reweight; reweight._pymbar()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""
