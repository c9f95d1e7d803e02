"""The result store (mcdimer/runs/store.py) on its own: a point's file round-trips its data
and metadata, its digest catches changed data, and status() tells what to recompute."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mcdimer.runs import parse, points, store

SPEC = """
kind = "exact"
seed = 3
[model]
n = 2
C = 10.0
[axes]
ratio = [0.5, 0.9]
[output]
bins = 4
"""


@pytest.fixture
def stored(tmp_path):
    spec = parse(SPEC)
    point = points(spec)[1]
    tree = xr.DataTree.from_dict(
        {"/": xr.Dataset({"x": ("z", np.array([1.0, 1234.5678, 3.0, 4.0]))}, attrs={"model": "m"})}
    )
    out = store.prepare_out(tmp_path / "out")
    path = store.write_point(out, spec, SPEC, point, tree)
    return spec, point, path


def test_point_round_trips_its_data_and_metadata(stored):
    spec, point, path = stored
    assert path == store.point_path(path.parent.parent, 1) and path.name == "000001.nc"
    tree = store.open_point(path)
    assert tree["x"].values.tolist() == [1.0, 1234.5678, 3.0, 4.0]
    assert float(tree["ratio"]) == 0.9  # the point's coordinates become scalar coordinates
    attrs = store.read_attrs(path)
    assert attrs["spec_digest"] == spec.digest()
    assert int(attrs["point_index"]) == 1 and int(attrs["point_seed"]) == point.seed
    assert store.status(path, spec) == "done"


def test_changed_data_fail_the_digest_and_are_recomputed(stored):
    spec, _, path = stored
    assert store.verify(path)
    raw = bytearray(path.read_bytes())
    marker = np.array([1234.5678]).tobytes()  # a stored value, little-endian float64
    at = raw.find(marker)
    assert at > 0
    raw[at : at + 8] = np.array([np.inf]).tobytes()
    path.write_bytes(bytes(raw))
    assert not store.verify(path)
    assert store.status(path, spec) == "corrupt"
    with pytest.raises(store.ResultError, match="digest"):
        store.open_point(path)


def test_another_spec_or_version_is_refused(stored, monkeypatch):
    spec, _, path = stored
    other = parse(SPEC.replace("C = 10.0", "C = 11.0"))
    with pytest.raises(store.ResultError, match="different spec"):
        store.status(path, other)
    assert store.status(path, other, force=True) == "stale"
    monkeypatch.setattr(store, "package_version", lambda: "0.0.1")
    with pytest.raises(store.ResultError, match="written by mcdimer"):
        store.open_point(path)


def test_missing_and_truncated_files(stored, tmp_path):
    spec, _, path = stored
    assert store.status(tmp_path / "none.nc", spec) == "missing"
    path.write_bytes(path.read_bytes()[:100])
    assert store.status(path, spec) == "corrupt"
    with pytest.raises(store.ResultError, match="corrupted or incomplete"):
        store.open_point(path)


@pytest.mark.parametrize(
    ("attr", "value"),
    [
        ("point_coords_json", '{"ratio": 0.4}'),
        ("spec_toml", SPEC.replace("C = 10.0", "C = 11.0")),
        ("model", "Chain(n=2, K=1.0)"),
    ],
)
def test_changed_attributes_fail_the_digest(stored, attr, value):
    """Every attribute but the timings is sealed: a changed coordinate, spec text or model
    string makes the file corrupt (recomputed), not a done point showing wrong labels."""
    import h5py

    spec, _, path = stored
    with h5py.File(path, "r+") as f:
        f.attrs[attr] = value
    assert not store.verify(path)
    assert store.status(path, spec) == "corrupt"
    with pytest.raises(store.ResultError, match="digest"):
        store.open_point(path)


def test_timings_are_not_sealed(stored):
    import h5py

    spec, _, path = stored
    with h5py.File(path, "r+") as f:
        f.attrs["timings_json"] = '{"sample": 1.5}'
    assert store.status(path, spec) == "done"


def test_an_older_layout_is_refused_naming_the_file(stored):
    """A file sealed before attributes were (no `result_layout`) is neither silently used
    nor called corrupt: refused like another version, recomputed under --force."""
    import h5py

    spec, _, path = stored
    with h5py.File(path, "r+") as f:
        del f.attrs["result_layout"]
        f.attrs["data_digest"] = store.data_digest(f)  # what a layout-1 file would hold
    with pytest.raises(store.ResultError, match=f"{path}: an older result-file layout"):
        store.status(path, spec)
    assert store.status(path, spec, force=True) == "stale"
    with pytest.raises(store.ResultError, match="older result-file layout"):
        store.open_point(path)
