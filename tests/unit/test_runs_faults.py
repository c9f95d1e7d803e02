"""Faults end cleanly (mcdimer/runs/store.py, lock.py, sweep.py, cli/run.py): a full disk,
signals to the run and its workers, silently corrupted data, two runs on one --out, stale
temporary files, file modes, a closed pipe, crafted result files.

The sweeps here are of kind "exact" (the Eq. (B8) quadrature): no sampler, so they are
fast and their data are deterministic."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from mcdimer import runs
from mcdimer.runs import lock, store

MCDIMER = str(Path(sys.executable).parent / "mcdimer")

EXACT = """
kind = "exact"
figure = "fig8"
seed = 1
[model]
n = 2
C = 20.0
[axes]
ratio = {{start = 0.5, stop = 1.5, num = {num}}}
[output]
bins = 10
"""


def write_spec(tmp_path, num=4, name="ex.toml") -> Path:
    path = tmp_path / name
    path.write_text(EXACT.format(num=num))
    return path


def cli(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([MCDIMER, *map(str, args)], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("stored")
    spec, text = runs.load(write_spec(tmp))
    runs.run_sweep(spec, tmp / "out", text=text, workers=1)
    return tmp / "out"


# --- a full disk ------------------------------------------------------------------------
def test_write_on_a_full_disk_names_the_file_and_leaves_nothing(tmp_path, stored, monkeypatch):
    """ENOSPC in the write: OSError naming the file, no temporary file, old file intact."""
    target = tmp_path / "000000.nc"
    shutil.copy(stored / "points" / "000000.nc", target)
    before = target.read_bytes()
    tree = runs.open_point(stored / "points" / "000001.nc")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store.os, "write", full)
    with pytest.raises(OSError, match="No space left on device") as err:
        store._atomic_write(tree, target)
    assert err.value.filename == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000000.nc"]
    assert target.read_bytes() == before


@pytest.mark.slow
def test_run_on_a_full_filesystem_is_one_line_exit_2(tmp_path):
    """On a 350 KB tmpfs (needs mount rights; skipped, saying so, where there are none)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=350k", "tmpfs", str(mnt)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a 350 KB tmpfs here (no mount rights): disk-full run untested")
    try:
        proc = cli("run", write_spec(tmp_path, num=60), "--out", mnt / "out", "--workers", "2")
        assert proc.returncode == 2
        assert proc.stderr.startswith("mcdimer: error: ")
        assert proc.stderr.strip().endswith("No space left on device")
        assert proc.stderr.count("\n") == 1
        names = os.listdir(mnt / "out" / "points")
        assert names and not [n for n in names if n.endswith(".tmp")]
        for name in names:  # what was stored is whole
            assert store.verify(mnt / "out" / "points" / name)
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# --- signals ------------------------------------------------------------------------------
def _start(tmp_path, workers=2, num=60):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [MCDIMER, "run", str(write_spec(tmp_path, num=num)), "--out", str(out)]
        + ["--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a job
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "points").glob("*.nc")):
        time.sleep(0.05)
    assert list((out / "points").glob("*.nc")), "the run wrote no point in 60 s"
    return proc, out


def _children(pid: int) -> list[int]:
    psutil = pytest.importorskip("psutil")
    return [c.pid for c in psutil.Process(pid).children(recursive=True)]


def _gone(pids, timeout=10.0) -> list[int]:
    """The pids still running after `timeout` s (zombies count as gone)."""
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [
            p
            for p in alive
            if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
        time.sleep(0.05)
    return alive


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGTERM, 143, "terminated (SIGTERM)"), (signal.SIGINT, 130, "interrupted")],
)
def test_sigterm_and_ctrl_c_stop_the_workers_with_one_line(tmp_path, sig, code, word):
    proc, out = _start(tmp_path)
    kids = _children(proc.pid)
    assert kids, "a process pool"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground group
    else:
        os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err.startswith(f"mcdimer: {word}; the points written so far are complete")
    assert err.count("\n") == 1, err  # no worker traceback
    assert _gone(kids) == []
    stored = list((out / "points").glob("*.nc"))
    assert stored and all(store.verify(p) for p in stored)
    assert not list((out / "points").glob(".*.tmp"))


@pytest.mark.slow
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    proc, _ = _start(tmp_path)
    kids = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _gone(kids, timeout=15) == []


# --- corrupted data -------------------------------------------------------------------------
def test_infinities_written_into_a_point_are_detected_and_recomputed(tmp_path, stored):
    out = tmp_path / "out"
    shutil.copytree(stored, out)
    path = out / "points" / "000002.nc"
    with h5py.File(path, "r") as f:
        mean = f["exact_mean"][()]
    raw = bytearray(path.read_bytes())
    at = raw.find(mean[:2].tobytes())
    assert at > 0
    raw[at : at + 16] = np.array([np.inf, np.inf]).tobytes()  # header left intact
    path.write_bytes(bytes(raw))
    assert store.read_attrs(path) is not None  # looks complete ...
    assert not store.verify(path)  # ... but its data do not match the digest
    with pytest.raises(runs.ResultError, match="do not match their stored digest"):
        runs.open_point(path)
    (out / store.SWEEP_FILE).unlink()
    spec, text = runs.load(write_spec(tmp_path))
    logged = []
    res = runs.run_sweep(spec, out, text=text, workers=1, log=logged.append)
    assert (res["computed"], res["skipped"]) == (1, 3)
    assert "000002.nc: corrupted" in logged[0]
    merged = runs.open_results(out).to_dataset()
    assert np.isfinite(merged["exact_mean"].values).all()
    assert store.verify(path)


# --- two runs, one --out ----------------------------------------------------------------------
@pytest.mark.slow
def test_second_run_on_a_locked_out_refuses_naming_the_holder(tmp_path):
    out = tmp_path / "out"
    store.prepare_out(out)
    spec_path = write_spec(tmp_path)
    with lock.OutLock(out, label="first.toml"):
        proc = cli("run", spec_path, "--out", out)
        assert proc.returncode == 2
        assert proc.stderr.startswith(f"mcdimer: error: {out}: in use by mcdimer run of first.toml")
        assert f"pid {os.getpid()}" in proc.stderr and "--wait" in proc.stderr
        assert proc.stderr.count("\n") == 1
        waiting = subprocess.Popen(
            [MCDIMER, "run", str(spec_path), "--out", str(out), "--wait"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        said = waiting.stderr.readline()  # blocks until the waiting run reports
        assert "in use by mcdimer run of first.toml" in said and "waiting (--wait)" in said
        assert waiting.poll() is None and not list((out / "points").glob("*.nc"))
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert len(list((out / "points").glob("*.nc"))) == 4


def test_job_array_tasks_share_the_lock_and_a_killed_holder_leaves_no_lock(tmp_path):
    out = tmp_path / "out"
    store.prepare_out(out)
    (out / lock.LOCK_FILE).write_text('{"pid": 999999999, "host": "gone", "spec": "old"}')
    with lock.OutLock(out, shared=True), lock.OutLock(out, shared=True):
        with pytest.raises(lock.LockedError):
            lock.OutLock(out).__enter__()
    with lock.OutLock(out, label="new"):  # the stale file of a dead run is no lock
        assert '"spec": "new"' in (out / lock.LOCK_FILE).read_text()


# --- temporary files and modes ----------------------------------------------------------------
def test_stale_tmp_files_are_removed_and_results_follow_the_umask(tmp_path):
    out = tmp_path / "out"
    store.prepare_out(out)
    stale = [out / "points" / ".000003-1234-abcd.tmp", out / ".sweep-99-beef.tmp"]
    for path in stale:
        path.write_bytes(b"half a file")
    old = os.umask(0o022)
    try:
        spec, text = runs.load(write_spec(tmp_path))
        runs.run_sweep(spec, out, text=text, workers=1)
    finally:
        os.umask(old)
    assert not any(p.exists() for p in stale)
    assert (out / "points" / "000000.nc").stat().st_mode & 0o777 == 0o644
    assert (out / store.SWEEP_FILE).stat().st_mode & 0o777 == 0o644


# --- show -------------------------------------------------------------------------------------
def test_show_into_a_closed_pipe_is_quiet(stored):
    proc = subprocess.run(
        f"'{MCDIMER}' show '{stored / store.SWEEP_FILE}' | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert proc.stdout.startswith(str(stored / store.SWEEP_FILE))
    assert proc.stderr == ""


@pytest.mark.parametrize("attr", ["spec_json", "point_coords_json", "mcdimer_version"])
def test_show_on_a_file_missing_attributes_is_one_line(tmp_path, stored, attr):
    path = tmp_path / "crafted.nc"
    shutil.copy(stored / "points" / "000001.nc", path)
    with h5py.File(path, "r+") as f:
        del f.attrs[attr]
    proc = cli("show", path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"mcdimer: error: {path}: ")
    assert proc.stderr.count("\n") == 1


# --- the lock file itself ---------------------------------------------------------------------
def test_a_lock_symlink_is_refused_and_its_target_untouched(tmp_path):
    out = tmp_path / "out"
    store.prepare_out(out)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (out / lock.LOCK_FILE).symlink_to(victim)
    for shared in (False, True):
        with pytest.raises(ValueError, match=r"\.lock: the lock file is not a regular file"):
            lock.OutLock(out, shared=shared).__enter__()
    assert victim.read_text() == "precious"


def test_a_lock_fifo_is_refused_without_blocking(tmp_path):
    out = tmp_path / "out"
    store.prepare_out(out)
    os.mkfifo(out / lock.LOCK_FILE)
    with pytest.raises(ValueError, match=r"\.lock: the lock file is not a regular file"):
        lock.OutLock(out).__enter__()


def test_point_tasks_of_two_specs_never_share_an_out(tmp_path):
    """The shared lock carries the spec's digest: a task of another spec is refused while
    tasks of the first run; after they end, the other spec may take the directory."""
    out = tmp_path / "out"
    store.prepare_out(out)
    with lock.OutLock(out, shared=True, label="a.toml", digest="aaaa"):
        with lock.OutLock(out, shared=True, label="a.toml", digest="aaaa"):
            pass  # same spec: shared
        with pytest.raises(lock.LockedError, match="--point tasks of a.toml .* another digest"):
            lock.OutLock(out, shared=True, label="b.toml", digest="bbbb").__enter__()
    with lock.OutLock(out, shared=True, label="b.toml", digest="bbbb"):
        assert '"digest": "bbbb"' in (out / lock.LOCK_FILE).read_text()


def test_point_of_another_spec_through_the_cli_is_refused(tmp_path):
    out = tmp_path / "out"
    first = write_spec(tmp_path, num=4, name="a.toml")
    second = write_spec(tmp_path, num=5, name="b.toml")
    store.prepare_out(out)
    spec, _ = runs.load(first)
    with lock.OutLock(out, shared=True, label="a.toml", digest=spec.digest()):
        proc = cli("run", second, "--out", out, "--point", 0)
    assert proc.returncode == 2
    assert "another digest" in proc.stderr and proc.stderr.count("\n") == 1
    assert not list((out / "points").glob("*.nc"))


def test_control_characters_of_a_title_are_escaped_in_the_lock_message(tmp_path):
    out = tmp_path / "out"
    store.prepare_out(out)
    title = "x\nmcdimer: error: forged\r\x07"
    with lock.OutLock(out, label=title):
        with pytest.raises(lock.LockedError) as err:
            lock.OutLock(out).__enter__()
    message = str(err.value)
    assert "\n" not in message and "\r" not in message and "\x07" not in message
    assert "x\\nmcdimer: error: forged\\r\\x07" in message


def test_a_point_task_of_another_spec_waits_with_wait(tmp_path):
    import threading

    out = tmp_path / "out"
    store.prepare_out(out)
    logged, entered = [], threading.Event()

    def other():
        with lock.OutLock(out, shared=True, wait=True, digest="bbbb", log=logged.append):
            entered.set()

    with lock.OutLock(out, shared=True, label="a.toml", digest="aaaa"):
        task = threading.Thread(target=other)
        task.start()
        assert not entered.wait(0.5)  # held off while a.toml's tasks run
        assert "--point tasks of a.toml" in logged[0] and "waiting (--wait)" in logged[0]
    task.join(10)
    assert entered.is_set()
