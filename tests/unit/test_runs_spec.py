"""Run specifications (mcdimer/runs/spec.py, points.py): good and bad files, CLI errors."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcdimer import runs

ROOT = Path(__file__).resolve().parents[2]
MCDIMER = str(Path(sys.executable).parent / "mcdimer")

GOOD = """
kind = "exact"
figure = "fig8"
seed = 3
[model]
n = 2
C = 50.0
[axes]
ratio = {start = 0.5, stop = 1.5, num = 3}
hz = [0.0, 1.0]
"""


@pytest.mark.parametrize("path", sorted((ROOT / "runs").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_specs_validate(path):
    spec, _ = runs.load(path)
    assert spec.figure
    assert (ROOT / "analysis" / f"{spec.figure}.py").is_file()


def test_grid_points_are_the_product_in_axis_order_with_stable_seeds():
    spec = runs.parse(GOOD)
    pts = runs.points(spec)
    assert [p.coords for p in pts[:3]] == [
        {"ratio": 0.5, "hz": 0.0},
        {"ratio": 0.5, "hz": 1.0},
        {"ratio": 1.0, "hz": 0.0},
    ]
    assert len(pts) == 6
    assert runs.model_at(spec, pts[5]).K == pytest.approx(75.0)
    assert len({p.seed for p in pts}) == 6
    # the seed of a point depends on (spec seed, index) only
    assert pts[4].seed == runs.point_seed(3, 4)


def test_digest_ignores_comments_and_title_but_not_physics():
    a = runs.parse(GOOD)
    b = runs.parse("# comment\n" + GOOD.replace('figure = "fig8"', 'figure = "fig8"\ntitle = "x"'))
    c = runs.parse(GOOD.replace("seed = 3", "seed = 4"))
    assert a.digest() == b.digest() != c.digest()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("n = 2", "n = 2\nfoo = 1"), "model.foo", "Extra inputs"),
        (("C = 50.0", 'C = "fifty"'), "model.C", "number"),
        (("C = 50.0", "C = -1.0"), "model.C", "greater than 0"),
        (("seed = 3", "seed = -3"), "seed", "greater than or equal"),
        (('kind = "exact"', 'kind = "magic"'), "kind", "'sample'"),
        (("hz = [0.0, 1.0]", "spin = [0.0, 1.0]"), "axes", "not a model field"),
        (("num = 3", "num = 0"), "axes.ratio.num", "greater than or equal to 1"),
        (("n = 2", "n = 3"), "model.n", "dimer"),
        (("hz = [0.0, 1.0]", "hx = [1e9]"), "axes.hx", "value 1e+09"),
        (("hz = [0.0, 1.0]", "hz = [0.0, 1.0, 1e13]"), "axes.hz", "less than or equal"),
        (("hz = [0.0, 1.0]", "n = [inf]"), "axes.n", "finite"),
        (("num = 3", "num = 3.0"), "axes.ratio.num", "integer"),
        (("C = 50.0", 'C = "50"'), "model.C", "number"),
        (("hz = [0.0, 1.0]", "hx = [100.0, 1e4]"), "axes", "transverse field"),
        (("C = 50.0", "C = 1e5"), "axes", "accuracy range"),
        (("[axes]", "[output]\nbins = 7\n[axes]"), "output", "must divide 720"),
        (("n = 2", "n = 2\nK = 3.0"), "model.K conflicts with axes.ratio", ""),
    ],
)
def test_bad_spec_names_file_and_field(tmp_path, change, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(runs.SpecError) as err:
        runs.load(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: ")
    assert field in msg and words in msg
    assert "\n" not in msg


def test_invalid_toml_and_missing_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("kind = \n")
    with pytest.raises(runs.SpecError, match="broken.toml: invalid TOML"):
        runs.load(path)
    with pytest.raises(runs.SpecError, match="nothere.toml: spec file not found"):
        runs.load(tmp_path / "nothere.toml")


def test_tempering_options_need_tempering():
    text = GOOD.replace('kind = "exact"', 'kind = "sample"') + (
        '[method]\nname = "metropolis"\nreplicas = 4\n'
    )
    with pytest.raises(runs.SpecError, match="method: .*replicas.* apply to name = 'tempering'"):
        runs.parse(text, "x.toml")


def _cli(*args, cwd=None):
    return subprocess.run([MCDIMER, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize(
    "case", ["missing", "unknown_key", "out_of_range", "unwritable_out", "no_results", "show_bad"]
)
def test_cli_errors_are_one_line_without_traceback(tmp_path, case):
    spec = tmp_path / "s.toml"
    spec.write_text(GOOD)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    args = {
        "missing": ["run", str(tmp_path / "none.toml")],
        "unknown_key": ["run", str(spec)],
        "out_of_range": ["run", str(spec)],
        "unwritable_out": ["run", str(spec), "--out", str(blocker / "sub")],
        "no_results": ["figure", str(spec), "--out", str(tmp_path / "empty")],
        "show_bad": ["show", str(blocker)],
    }[case]
    if case == "unknown_key":
        spec.write_text(GOOD.replace("seed = 3", "seed = 3\nsedd = 4"))
    if case == "out_of_range":
        spec.write_text(GOOD.replace("n = 2", "n = 0"))
    proc = _cli(*args)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("mcdimer: error: ")
    assert "Traceback" not in proc.stderr
    expect = {
        "missing": "none.toml: spec file not found",
        "unknown_key": "s.toml: sedd: Extra inputs",
        "out_of_range": "s.toml: model.n:",
        "unwritable_out": "cannot be written",
        "no_results": "points missing",
        "show_bad": "corrupted or incomplete",
    }[case]
    assert expect in lines[0]


SAMPLE = """
kind = "sample"
[model]
n = 2
C = 5.0
K = 1.0
[method]
name = "metropolis"
"""


@pytest.mark.parametrize(
    ("method", "field"),
    [
        ("sweeps = 1000000000\nthin = 1", "method: sweeps = 1000000000, thin = 1"),
        ("chains = 4096\nn_batches = 4096", "chains = 4096, n_batches = 4096"),
        ('sweeps = "200"', "method.sweeps"),
    ],
)
def test_method_asking_for_more_memory_than_exists_is_refused_at_load(method, field):
    with pytest.raises(runs.SpecError) as err:
        runs.parse(SAMPLE + method, "big.toml")
    assert str(err.value).startswith("big.toml: ") and field in str(err.value)
    if "sweeps = 1000000000" in method:
        assert "GiB of memory" in str(err.value)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ('function = "solve"', "calls[a].function: 'solve' is not a data function"),
        ('function = "linear"', "calls[a].function"),
        ('function = "fig3_data"\nparams = {nope = 1.0}', "calls[a].params: "),
    ],
)
def test_calls_are_checked_against_the_data_functions_at_load(call, field):
    text = f'kind = "meanfield"\n[[calls]]\nname = "a"\n{call}\n'
    with pytest.raises(runs.SpecError, match=re.escape(field)):
        runs.parse(text, "c.toml")


def test_a_million_point_spec_loads_fast_and_points_are_computed_on_demand():
    text = GOOD.replace(
        "ratio = {start = 0.5, stop = 1.5, num = 3}\nhz = [0.0, 1.0]",
        "ratio = {start = 0.5, stop = 1.5, num = 1000}\nhz = {start = 0, stop = 1, num = 1000}",
    )
    start = time.perf_counter()
    spec = runs.parse(text)
    pts = runs.points(spec)
    last = pts[len(pts) - 1]
    elapsed = time.perf_counter() - start
    assert len(pts) == 10**6 and last.index == 10**6 - 1
    assert last.coords == {"ratio": 1.5, "hz": 1.0}
    assert pts[1001].coords == {"ratio": pytest.approx(0.5 + 1 / 999), "hz": pytest.approx(1 / 999)}
    assert last.seed == runs.point_seed(3, 10**6 - 1)
    assert elapsed < 5.0  # was 92 s when every point's model was built at load


def test_ratio_times_C_is_checked_at_its_largest_corner():
    text = SAMPLE.replace("K = 1.0", "").replace(
        "[method]", "[axes]\nratio = [0.5, 900.0]\nC = [1.0, 5000.0]\n[method]"
    )
    with pytest.raises(runs.SpecError, match=r"axes.ratio: K = ratio\*C = 4.5e\+06"):
        runs.parse(text, "k.toml")


TEMPERING = """
kind = "sample"
[model]
n = 2
C = 5.0
K = 1.0
[method]
name = "tempering"
sweeps = 2000
"""


@pytest.mark.parametrize(
    ("method", "output", "field", "words"),
    [
        ("ladder = [0.5, 1.0]", "", "method.ladder", "start at b = 1"),
        ("ladder = [1.0, 0.5, 0.8]", "", "method.ladder", "strictly decreasing"),
        ("ladder = [1.0, 0.5, 0.0]", "", "method.ladder", "(0, 1]"),
        ("ladder = [1.0, 1.5]", "", "method.ladder", "(0, 1]"),
        ("ladder = [1.0]", "", "method.ladder", "at least 2 levels"),
        ("ladder = []", "", "method.ladder", "at least 2 levels"),
        ("ladder = [1.0, 0.5, 0.5]", "", "method.ladder", "strictly decreasing"),
        (
            "ladder = [" + ", ".join(f"{1 - k / 400:.6f}" for k in range(300)) + "]",
            "",
            "method.ladder",
            "at most 256 levels",
        ),
    ],
)
def test_ladders_are_checked_at_load(method, output, field, words):
    _refused(method, output, field, words)


@pytest.mark.parametrize(
    ("method", "output", "field", "words"),
    [
        ("thin = 500", "reweight = 4", "output.reweight", "at least 10 draws per chain"),
        ('name = "metropolis"', "reweight = 4", "output.reweight", "not 'metropolis'"),
    ],
)
def test_reweight_is_checked_at_load(method, output, field, words):
    """Before, too few draws were refused after the sampling, and reweight with Metropolis
    was silently ignored."""
    _refused(method, output, field, words)


def _refused(method, output, field, words):
    text = TEMPERING.replace('name = "tempering"', "").replace(
        "[method]", f'[method]\nname = "tempering"\n{method}'
    )
    if 'name = "metropolis"' in method:
        text = text.replace('name = "tempering"\n', "")
    text += f"[output]\n{output}\n"
    with pytest.raises(runs.SpecError) as err:
        runs.parse(text, "t.toml")
    msg = str(err.value)
    table, name = field.split(".")
    assert msg.startswith(f"t.toml: {table}") and name in msg and words in msg, msg
    assert "\n" not in msg


def test_jump_every_is_bounded_at_load_naming_it():
    """jump_every = 20000 is a 19999-sweep displacement cycle: refused at load naming
    method.jump_every (not, at run time, `moves`)."""
    with pytest.raises(runs.SpecError, match=r"^j.toml: method\.jump_every: .*10001"):
        runs.parse(SAMPLE + "jump_every = 20000\n", "j.toml")


def test_what_the_sampler_refuses_for_the_model_is_refused_at_load():
    """emcee needs at least 2 * 3n walkers: refused when the spec loads, not at run time."""
    text = SAMPLE.replace('name = "metropolis"', 'name = "emcee"\nchains = 4')
    with pytest.raises(runs.SpecError, match=r"^w.toml: method: .*chains"):
        runs.parse(text, "w.toml")


def test_one_particle_specs_load_for_each_sampler():
    for name in ("metropolis", "tempering"):
        runs.parse(SAMPLE.replace("n = 2", "n = 1").replace("metropolis", name))


def test_reweight_on_a_kind_without_sampler_is_refused():
    text = 'kind = "meanfield"\n[output]\nreweight = 4\n[[calls]]\nname = "a"\n'
    with pytest.raises(runs.SpecError, match=r"^r.toml: output\.reweight: .*not kind 'meanfield'"):
        runs.parse(text + 'function = "fig3_data"\n', "r.toml")


def test_a_reweight_run_with_enough_draws_loads():
    runs.parse(TEMPERING + "thin = 100\n[output]\nreweight = 4\n")


MICRO = """
kind = "sample"
[model]
n = 2
landscape = "microscopic"
{change}
[method]
name = "metropolis"
"""


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ("shell = [1000, 1]\nt = 1e-3", "model.shell", "kfa <= 500: n <= 159 and l <= 499"),
        ("shell = [1, 1000]\nt = 1e-3", "model.shell", "kfa <= 500"),
        ("kfa = 1e-300\nt = 1e-3", "model.kfa", "greater than or equal to 3.14159"),
        ("kfa = 42.9669\nt = 1e-300", "model.t", "t must be >= 1e-12"),
    ],
)
def test_microscopic_input_is_refused_at_once_naming_the_field(change, field, words):
    """shell = [1000, 1] loaded for minutes, kfa = 1e-300 ended in a ZeroDivisionError
    blamed on model.t: the bounds are the spectrum code's (kfa in [pi, 500])."""
    with pytest.raises(runs.SpecError) as err:
        runs.parse(MICRO.format(change=change), "m.toml")
    msg = str(err.value)
    assert msg.startswith(f"m.toml: {field}: ") and words in msg, msg


def test_a_large_microscopic_assembly_loads_without_building_its_spheres(monkeypatch):
    """A chain of 4096 spheres with sigma = 1e-9 took minutes to load: one landscape per
    sphere for realisation 0. The load checks use the reference sphere's landscape."""
    from mcdimer import geometry

    def refuse(*args, **kwargs):
        raise AssertionError("per-sphere landscapes built at load")

    monkeypatch.setattr(geometry, "microscopic_landscapes", refuse)
    text = MICRO.format(change="shell = [1, 36]\nt = 1e-7").replace("n = 2\n", "")
    spec = runs.parse(text + '[geometry]\nbuilder = "chain"\nn = 4096\nsigma = 1e-9\n')
    assert spec.geometry.particles == 4096


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("chains = 3\npairs = true", "chains must be an even number"),
        ('name = "emcee"\nchains = 36\npairs = true', "pairs=True needs method"),
        ('chains = 2\npairs = true\nstart = "both"', "multiple of 4"),
        ('start = "cold"', "start"),
    ],
)
def test_pairs_and_start_are_checked_at_load(method, words):
    text = GOOD.replace('kind = "exact"', 'kind = "sample"') + f"[method]\n{method}\n"
    with pytest.raises(runs.SpecError, match=words):
        runs.parse(text, "x.toml")
    ok = GOOD.replace('kind = "exact"', 'kind = "sample"') + (
        '[method]\nchains = 4\npairs = true\nstart = "both"\n'
    )
    kwargs = runs.parse(ok, "x.toml").method.sample_kwargs()
    assert kwargs["pairs"] is True and kwargs["start"] == "both"


DIGEST_BEFORE_RECORD_EVERY = "9705cc4ad00290ee"


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("record_every = 0", "record_every"),
        ('record_every = "sometimes"', "record_every"),
        ('name = "emcee"\nchains = 36\nrecord_every = 2', "record_every=2 needs method"),
    ],
)
def test_record_every_is_checked_at_load_and_left_out_of_the_digest_when_absent(method, words):
    """record_every goes through config.check_record_every (the check sample() uses); a spec
    that does not give it keeps the digest it had before the option existed, so stored
    results are not recomputed."""
    sample_spec = GOOD.replace('kind = "exact"', 'kind = "sample"')
    with pytest.raises(runs.SpecError, match=words):
        runs.parse(sample_spec + f"[method]\n{method}\n", "x.toml")
    plain = runs.parse(sample_spec + "[method]\nchains = 4\n", "x.toml")
    given = runs.parse(sample_spec + "[method]\nchains = 4\nrecord_every = 2\n", "x.toml")
    assert "record_every" not in plain.method.sample_kwargs()
    assert given.method.sample_kwargs()["record_every"] == 2
    # the digest of this spec before record_every existed (computed at commit 624ba39)
    assert plain.digest() == DIGEST_BEFORE_RECORD_EVERY
    assert given.digest() != plain.digest()
