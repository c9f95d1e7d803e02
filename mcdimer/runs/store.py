"""Results on disk: one self-describing NetCDF file per point, and the merged sweep.

Layout of an output directory (default results/<spec name>/):

    points/000000.nc ...   one file per point (NetCDF-4 via h5netcdf; arviz groups for draws)
    sweep.nc               all points merged, the axes as coordinates (no draws)
    <figure>.png           drawn by `mcdimer figure` from the files above

Each point file carries, in its root attributes, the spec (TOML text and canonical JSON),
the spec digest, the package version, the layout (`result_layout`), the point's index, seed
and coordinates, and `complete = 1`, and `data_digest`, a sha256 of every variable's stored
values and of every attribute but the timings (`UNSEALED_ATTRS`): a changed coordinate,
spec text or model string fails it as changed data do. A file of an older layout is
refused, naming it, like one of another mcdimer version (`--force` recomputes it). Files are
serialised in memory, written to a temporary name in the same directory (mode from the
umask, like any new file) and moved in place with os.replace, so a file that exists is
whole and a full disk fails in a plain write (OSError naming the file), never inside
HDF5. A file that cannot be read, lacks the completion mark, or whose data no longer match
its digest (bit rot, a stray write) is treated as absent and recomputed.

sweep.nc records, in `points_json`, each point file's data digest and its identity on disk
(inode, size, modification time in ns) as they were when merged. A re-run trusts a point
whose file still has that identity without re-hashing it, and when every point is trusted
it leaves sweep.nc as it is (`unchanged_points`): re-running a finished spec reads one
header and stats the point files. A file changed since the merge (rewritten, written into,
replaced) has another identity and is verified in full; reading any file (`open_point`)
always verifies its digest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import tempfile
from pathlib import Path

import h5netcdf
import h5py
import numpy as np
import xarray as xr

from .. import __version__
from ..sampling.dims import DIMS
from .loader import parse
from .points import Point, axis_values, points
from .spec import Spec, SpecError

ENGINE = "h5netcdf"
SWEEP_FILE = "sweep.nc"


class ResultError(ValueError):
    """A result file that cannot be used (foreign version, other spec, corrupted)."""


def package_version() -> str:
    return __version__


def point_path(out: Path, index: int) -> Path:
    return Path(out) / "points" / f"{index:06d}.nc"


def prepare_out(out) -> Path:
    """Create the output directory (and points/) and check it is writable."""
    out = Path(out)
    try:
        (out / "points").mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out / "points", prefix=".probe-"):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ValueError(f"{out}: output directory cannot be written ({reason})") from None
    return out


# Result-file layout: 2 seals the attributes too (layout 1, without this mark, sealed only
# the variables); 3 adds the order observables (ORDER_KEYS in `observable`, Binder
# cumulants, correlation lengths, overlaps, equilibration flags). A file of another
# layout is refused like one of another version.
LAYOUT = 3
# Attributes outside the seal: the seal itself, timings (they differ run to run) and HDF5's
# dimension-scale object references (addresses, written by the library).
TIMING_ATTRS = ("timings_json",)
UNSEALED_ATTRS = frozenset({"data_digest", *TIMING_ATTRS, "DIMENSION_LIST", "REFERENCE_LIST"})


def _value_bytes(value) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        return "\x00".join(map(str, arr.ravel())).encode("utf-8", "surrogatepass")
    return f"{arr.dtype}|{arr.shape}|".encode() + np.ascontiguousarray(arr).tobytes()


def data_digest(f) -> str:
    """sha256 of every dataset's name, dtype, shape and values and of every attribute of
    every group and dataset (but UNSEALED_ATTRS) in an open h5py File: the spec, the point's
    coordinates, the model, ... are sealed with the numbers."""
    names = []
    f.visititems(lambda name, obj: names.append(name))
    digest = hashlib.sha256()
    for name in ["", *sorted(names)]:
        obj = f[name] if name else f
        if hasattr(obj, "dtype"):
            values = obj[()]
            digest.update(f"{name}|{obj.dtype}|{np.shape(values)}|".encode())
            arr = np.asarray(values)
            if arr.dtype.kind == "O":
                digest.update("\x00".join(map(str, arr.ravel())).encode())
            else:
                digest.update(np.ascontiguousarray(arr).tobytes())
        for key in sorted(obj.attrs):
            if key in UNSEALED_ATTRS:
                continue
            digest.update(f"{name}@{key}|".encode())
            digest.update(_value_bytes(obj.attrs[key]))
    return digest.hexdigest()


def verify(path: Path) -> bool:
    """True if the file's stored data still match the `data_digest` written with them."""
    try:
        with h5py.File(path, "r") as f:
            stored = f.attrs.get("data_digest")
            if isinstance(stored, bytes):
                stored = stored.decode()
            return stored is not None and stored == data_digest(f)
    except Exception:  # noqa: BLE001 -- unreadable data is a corrupt file
        return False


TMP_SUFFIX = ".tmp"


def _atomic_write(tree: xr.DataTree, path: Path) -> None:
    """Serialise in memory, seal with the data digest, write a temporary file, move it in."""
    import dask  # here, not at the top: 0.09 s of CPU that reading results does not need

    # In memory there is nothing to lock; with a Dask client alive (the --scheduler path)
    # xarray would otherwise take a distributed lock named after the in-memory buffer.
    with dask.config.set(scheduler="synchronous"):
        buf = io.BytesIO(bytes(tree.to_netcdf(engine=ENGINE)))
    with h5py.File(buf, "r+") as f:
        f.attrs["data_digest"] = data_digest(f)
    data = buf.getvalue()
    tmp = path.parent / f".{path.stem}-{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        # 0o666 & ~umask, as for any new file (mkstemp's 0600 hid results from the group)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OSError(err.errno, err.strerror, str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_tmp(out: Path) -> int:
    """Remove temporary files left by killed runs (call only under the exclusive lock)."""
    removed = 0
    for folder in (Path(out), Path(out) / "points"):
        for tmp in folder.glob(f".*{TMP_SUFFIX}"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def _metadata(spec: Spec, text: str, point: Point) -> dict:
    return {
        "mcdimer_version": package_version(),
        "result_layout": LAYOUT,
        "spec_digest": spec.digest(),
        "spec_json": spec.canonical(),
        "spec_toml": text,
        "kind": spec.kind,
        "figure": spec.figure,
        "point_index": point.index,
        "point_seed": str(point.seed),  # netCDF has no unsigned 64-bit attribute
        "point_coords_json": json.dumps(point.coords),
        "complete": 1,
    }


def write_point(out: Path, spec: Spec, text: str, point: Point, tree: xr.DataTree) -> Path:
    """Store a point's DataTree with its metadata, atomically."""
    root = tree.to_dataset().assign_coords(
        {name: ((), value) for name, value in point.coords.items()}
    )
    root.attrs.update(_metadata(spec, text, point))
    tree = tree.copy()
    tree.dataset = root
    path = point_path(out, point.index)
    _atomic_write(tree, path)
    return path


def read_attrs(path: Path) -> dict | None:
    """Root attributes of a result file, or None if it is unreadable or incomplete."""
    if not Path(path).is_file():  # a FIFO or device would block the reader, or never end
        return None
    try:
        with h5netcdf.File(path, "r") as f:
            attrs = dict(f.attrs)
    except Exception:  # noqa: BLE001 -- any failure to read means: not a usable file
        return None
    if int(np.asarray(attrs.get("complete", 0))) != 1 or "mcdimer_version" not in attrs:
        return None
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}


def check_layout(path: Path, attrs: dict) -> None:
    """ResultError naming the file if its layout is not this store's LAYOUT."""
    layout = attrs.get("result_layout", 1)
    if str(layout) != str(LAYOUT):
        raise ResultError(
            f"{path}: an older result-file layout ({layout}; this mcdimer reads layout "
            f"{LAYOUT}, whose digest seals the attributes as well as the data): recompute it "
            "with --force or use another --out"
        )


def check_attrs(path: Path, attrs: dict, spec: Spec | None = None) -> None:
    """ResultError naming the file if it was written by another version, layout or spec."""
    check_layout(path, attrs)
    version = str(attrs["mcdimer_version"])
    if version != package_version():
        raise ResultError(
            f"{path}: written by mcdimer {version}, this is mcdimer {package_version()}; "
            "recompute it with --force or use another --out"
        )
    if spec is not None and attrs.get("spec_digest") != spec.digest():
        theirs = json.loads(attrs.get("spec_json", "{}"))
        ours = json.loads(spec.canonical())
        diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        raise ResultError(
            f"{path}: computed from a different spec (differs in: {', '.join(diff) or '?'}); "
            "use another --out, or --force to overwrite"
        )


def status(path: Path, spec: Spec, force: bool = False) -> str:
    """'done' (valid, skip), 'missing', 'corrupt' (recompute) or 'stale' (--force only)."""
    if not path.exists():
        return "missing"
    attrs = read_attrs(path)
    if attrs is None:
        return "corrupt"
    try:
        check_layout(path, attrs)  # before the digest: an older file is not a corrupt one
    except ResultError:
        if force:
            return "stale"
        raise
    if not verify(path):
        return "corrupt"
    try:
        check_attrs(path, attrs, spec)
    except ResultError:
        if force:
            return "stale"
        raise
    return "done"


def open_point(path) -> xr.DataTree:
    """A point (or sweep) file, loaded into memory; ResultError if unusable."""
    path = Path(path)
    if not path.exists():
        raise ResultError(f"{path}: result file not found")
    if not path.is_file():
        raise ResultError(
            f"{path}: not a regular file (a directory, FIFO or device), not a result file"
        )
    attrs = read_attrs(path)
    if attrs is None:
        raise ResultError(f"{path}: corrupted or incomplete result file (no completion mark)")
    check_attrs(path, attrs)
    if not verify(path):
        raise ResultError(
            f"{path}: its data do not match their stored digest (corrupted, or written "
            "before digests were stored): recompute it"
        )
    with xr.open_datatree(path, engine=ENGINE) as tree:
        return tree.load()


def spec_of(attrs: dict) -> Spec:
    try:
        return parse(attrs["spec_toml"], "stored spec")
    except (KeyError, SpecError) as err:
        raise ResultError(f"stored spec unusable: {err}") from None


# --- the merged sweep -------------------------------------------------------------------
def _root(path: Path) -> xr.Dataset:
    """The root group of a point file (its draws, in groups, are not read), loaded."""
    with xr.open_dataset(path, engine=ENGINE) as ds:
        return ds.load()


def merge(out: Path, spec: Spec) -> xr.DataTree:
    """All point files merged: root variables gain the axes as dimensions; draws stay out.

    Without axes (one point) the sweep is that point's tree but its draws (the groups of
    [[calls]] stay); with axes, the root groups are read alone. Points are not hashed
    again here: both callers have just checked every one (`status`, or `unchanged_points`
    for files as merged)."""
    pts = points(spec)
    axes = axis_values(spec)
    if not axes:
        with xr.open_datatree(point_path(out, pts[0].index), engine=ENGINE) as tree:
            merged = tree.load()
        for child in ("posterior", "sample_stats"):
            if child in merged.children:
                del merged[child]
        roots = [merged.to_dataset()]
    else:
        roots = [_root(point_path(out, p.index)) for p in pts]
        parts = []
        for p, root in zip(pts, roots, strict=True):
            ds = root.drop_vars(list(axes), errors="ignore")
            ds = ds.expand_dims({DIMS.point: [p.index]})
            ds = ds.assign_coords({k: (DIMS.point, [v]) for k, v in p.coords.items()})
            parts.append(ds)
        ds = xr.concat(
            parts,
            dim=DIMS.point,
            data_vars="minimal",
            coords="minimal",
            join="outer",
            compat="override",
            combine_attrs="drop",
        )
        if len(axes) == 1:
            name = next(iter(axes))
            ds = ds.swap_dims({DIMS.point: name}).drop_vars(DIMS.point)
        else:
            ds = ds.drop_vars(DIMS.point).set_index({DIMS.point: list(axes)}).unstack(DIMS.point)
        merged = xr.DataTree(ds)
    root = merged.to_dataset()
    root.attrs = {
        k: v
        for k, v in roots[0].attrs.items()
        if k
        in (
            "mcdimer_version",
            "result_layout",
            "spec_digest",
            "spec_json",
            "spec_toml",
            "kind",
            "figure",
        )
    }
    root.attrs["points"] = len(pts)
    root.attrs["complete"] = 1
    merged.dataset = root
    return merged


POINTS_ATTR = "points_json"  # sweep.nc: {index: [data_digest, inode, size, mtime_ns]}


def file_identity(path: Path) -> list[int]:
    """[inode, size, mtime_ns] of a file: os.replace gives a rewritten file a new inode,
    a write into it a new mtime."""
    st = os.stat(path)
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def write_sweep(out: Path, spec: Spec) -> Path:
    """Merge the points into sweep.nc, recording each point's digest and file identity
    (`POINTS_ATTR`) as they were before the merge read them."""
    out = Path(out)
    record = {}
    for p in points(spec):
        path = point_path(out, p.index)
        identity = file_identity(path)
        attrs = read_attrs(path) or {}
        record[str(p.index)] = [str(attrs.get("data_digest", "")), *identity]
    tree = merge(out, spec)
    root = tree.to_dataset()
    root.attrs[POINTS_ATTR] = json.dumps(record, separators=(",", ":"))
    tree.dataset = root
    path = out / SWEEP_FILE
    _atomic_write(tree, path)
    return path


def unchanged_points(out: Path, spec: Spec) -> set[int]:
    """Indices of the points whose files are as sweep.nc recorded them when it merged them
    (same inode, size and mtime): valid without re-hashing, and merged already. Empty
    unless sweep.nc is whole (its digest verified), of this version, layout and spec."""
    sweep = Path(out) / SWEEP_FILE
    attrs = read_attrs(sweep) if sweep.exists() else None
    if attrs is None or POINTS_ATTR not in attrs:
        return set()
    try:
        check_attrs(sweep, attrs, spec)
    except ResultError:
        return set()
    if not verify(sweep):
        return set()
    same = set()
    for index, (digest, *identity) in json.loads(attrs[POINTS_ATTR]).items():
        try:
            if digest and identity == file_identity(point_path(out, int(index))):
                same.add(int(index))
        except OSError:
            continue
    return same


def missing_points(out: Path, spec: Spec) -> list[int]:
    return [p.index for p in points(spec) if status(point_path(out, p.index), spec) != "done"]


def first_missing(out: Path, spec: Spec, done=frozenset()) -> int | None:
    """The first point not (validly) stored, or None: stops at the first, so a job-array
    task of a large sweep does not check every file when one is still missing. Points in
    `done` (just checked or written by the caller) are not checked again."""
    for p in points(spec):
        if p.index in done:
            continue
        if (
            not point_path(out, p.index).exists()
            or status(point_path(out, p.index), spec) != "done"
        ):
            return p.index
    return None


def open_results(out, spec: Spec | None = None) -> xr.DataTree:
    """The merged results of a run directory: sweep.nc, or merged now from the point files.

    ResultError (one line, naming the directory) if points are missing or unusable."""
    out = Path(out)
    sweep = out / SWEEP_FILE
    if spec is None:
        attrs = read_attrs(sweep) if sweep.exists() else None
        if attrs is None:
            files = sorted((out / "points").glob("*.nc")) if (out / "points").is_dir() else []
            attrs = next((a for a in map(read_attrs, files) if a is not None), None)
        if attrs is None:
            raise ResultError(f"{out}: no results here (run `mcdimer run SPEC --out {out}`)")
        spec = spec_of(attrs)
    if sweep.exists():
        attrs = read_attrs(sweep)
        if attrs is not None and attrs.get("spec_digest") == spec.digest():
            return open_point(sweep)
    missing = missing_points(out, spec)
    if missing:
        total = len(points(spec))
        raise ResultError(
            f"{out}: {len(missing)} of {total} points missing "
            f"(first: {point_path(out, missing[0])}); run `mcdimer run` on the spec first"
        )
    return merge(out, spec)
