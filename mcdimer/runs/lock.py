"""A lock on an output directory, so that two runs never write the same points.

`DIR/.lock` is locked with flock(2): the kernel releases it when the holder exits, however
it exits (kill -9 included), so a lock left by a killed run is never mistaken for a live
one; the file's text (pid, host, spec, start time) only names the holder in the error.
A whole run holds it exclusively; `--point` tasks of a job array hold it shared, so that
they run side by side but never beside a whole run. On file systems without flock (some
NFS mounts) the lock is skipped with a warning rather than blocking every run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path

LOCK_FILE = ".lock"


class LockedError(ValueError):
    """The output directory is in use by another run."""


class OutLock:
    """flock on DIR/.lock; use as a context manager."""

    def __init__(self, out, *, shared: bool = False, wait: bool = False, label: str = "", log=None):
        self.path = Path(out) / LOCK_FILE
        self.shared, self.wait, self.label = shared, wait, label
        self.log = log or (lambda msg: None)
        self.fd = None

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return "another mcdimer run"
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
        return (
            f"mcdimer run of {info.get('spec', '?')} (pid {info.get('pid', '?')} on "
            f"{info.get('host', '?')}, since {since})"
        )

    def __enter__(self) -> OutLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self.wait:
                os.close(fd)
                raise LockedError(
                    f"{self.path.parent}: in use by {self.holder()}; wait for it to finish "
                    "(or pass --wait), or use another --out"
                ) from None
            self.log(f"{self.path.parent}: in use by {self.holder()}; waiting (--wait)")
            fcntl.flock(fd, mode)
        except OSError as err:
            if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                os.close(fd)
                raise
            self.log(f"{self.path}: this file system cannot lock files; running unlocked")
        self.fd = fd
        if not self.shared:
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "spec": self.label,
                "since": time.time(),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the flock
            self.fd = None
