"""What a run returns (mcdimer/sampling/result.py): the Binder normalisation against
Gaussian and fixed-length vectors, and the typed settings (the observables' arithmetic is
tested in test_sampling_observables.py)."""

import dataclasses
import json

import numpy as np
import pytest

from mcdimer.sampling.result import Settings, binder_cumulant


@pytest.mark.parametrize("d", [1, 3, 9])
def test_binder_cumulant_is_zero_for_gaussian_and_one_for_fixed_length(d):
    s2 = 0.37
    assert binder_cumulant(d * s2, (d * d + 2 * d) * s2 * s2, d) == pytest.approx(0.0, abs=1e-14)
    assert binder_cumulant(0.25, 0.0625, d) == pytest.approx(1.0, abs=1e-14)


def test_binder_cumulant_of_drawn_gaussian_vectors_is_near_zero():
    """Monte Carlo check of the d = 9 normalisation: 9 independent normal components."""
    x = np.random.default_rng(0).normal(size=(400_000, 9))
    r2 = (x * x).sum(axis=1)
    g = binder_cumulant(r2.mean(), (r2 * r2).mean(), 9)
    assert abs(g) < 0.01  # SE of g here ~ 0.003


def test_settings_read_as_attributes_and_as_the_dict_they_were():
    settings = Settings.of({"sweeps": 10, "burn": 1, "chains": 2, "seed": 3, "thin": 1,
                            "n_batches": 2, "replicas": 4, "future_key": "x"})  # fmt: skip
    assert settings.replicas == settings["replicas"] == 4
    assert settings["future_key"] == "x" and settings.other == {"future_key": "x"}
    assert "b_min" not in settings and settings.get("b_min", 0.2) == 0.2
    assert dict(settings) == settings.to_dict()
    assert settings.to_dict()["nematic"] is True and "other" not in settings
    assert Settings.of(settings) is settings
    # still the dict it was: point files store json.dumps(res.settings)
    assert isinstance(settings, dict)
    assert json.loads(json.dumps(settings))["replicas"] == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.thin = 2
    changed = dataclasses.replace(settings, thin=2)
    assert changed["thin"] == changed.thin == 2 and changed["future_key"] == "x"
