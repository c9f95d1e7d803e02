"""A lock on an output directory, so that two runs never write the same points.

`DIR/.lock` is locked with flock(2): the kernel releases it when the holder exits, however
it exits (kill -9 included), so a lock left by a killed run is never mistaken for a live
one. The file's text (pid, host, spec title, spec digest, start time) names the holder in
the error and tells which spec holds it. A whole run holds it exclusively; `--point` tasks
of a job array hold it shared, so that they run side by side but never beside a whole run,
and only tasks of one spec (one digest) share it: the first task writes its digest while it
briefly holds the lock alone, later tasks compare theirs. The lock file is opened without
following a symbolic link and must be a regular file, so a planted link cannot redirect
the write. On file systems without flock (some NFS mounts) the lock is skipped with a
warning rather than blocking every run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import stat
import time
from pathlib import Path

LOCK_FILE = ".lock"
HOLDER_BYTES = 65536  # the holder's JSON is a few hundred bytes; never read more


class LockedError(ValueError):
    """The output directory is in use by another run."""


def printable(text) -> str:
    """`text` with control and other non-printing characters escaped (\\n, \\x07, \\u200b),
    so that a title or path echoed in a message cannot forge or hide a line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class OutLock:
    """flock on DIR/.lock; use as a context manager.

    digest: the spec digest of this run; a shared (`--point`) lock is refused when tasks of
    a spec with another digest hold it."""

    def __init__(
        self,
        out,
        *,
        shared: bool = False,
        wait: bool = False,
        label: str = "",
        digest: str = "",
        log=None,
    ):
        self.path = Path(out) / LOCK_FILE
        self.shared, self.wait, self.label, self.digest = shared, wait, label, digest
        self.log = log or (lambda msg: None)
        self.fd = None

    def _info(self) -> dict:
        try:
            raw = os.pread(self.fd, HOLDER_BYTES, 0) if self.fd is not None else b""
            info = json.loads(raw.decode() or "{}")
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def holder(self, info: dict | None = None) -> str:
        info = self._info() if info is None else info
        if not info:
            return "another mcdimer run"
        try:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info["since"])))
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            since = "?"
        what = "--point tasks" if info.get("shared") else "mcdimer run"
        return printable(
            f"{what} of {info.get('spec', '?')} (pid {info.get('pid', '?')} on "
            f"{info.get('host', '?')}, since {since})"
        )

    def _open(self) -> int:
        """The lock file, created if absent; never through a symbolic link, and only a
        regular file (a FIFO, device or directory is refused, naming it)."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(self.path, flags, 0o666)
        except OSError as err:
            if err.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                raise ValueError(
                    f"{printable(self.path)}: the lock file is not a regular file (a symbolic "
                    "link, directory or special file): remove it, or use another --out"
                ) from None
            raise OSError(err.errno, err.strerror, str(self.path)) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ValueError(
                f"{printable(self.path)}: the lock file is not a regular file: remove it, or "
                "use another --out"
            )
        os.set_blocking(fd, True)
        return fd

    def _write_info(self) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "spec": self.label,
            "digest": self.digest,
            "shared": self.shared,
            "since": time.time(),
        }
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(info).encode(), 0)

    def _busy(self) -> LockedError:
        return LockedError(
            f"{printable(self.path.parent)}: in use by {self.holder()}; wait for it to finish "
            "(or pass --wait), or use another --out"
        )

    def _lock_exclusive(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self.wait:
                raise self._busy() from None
            self.log(f"{printable(self.path.parent)}: in use by {self.holder()}; waiting (--wait)")
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        self._write_info()

    def _lock_shared(self) -> None:
        """Shared with tasks of this spec only. Alone (the exclusive lock is free), write our
        digest, then downgrade; otherwise share and compare the digest the holders wrote.
        With `wait`, wait for a whole run or for the tasks of another spec to end."""
        said = False

        def waiting(info: dict) -> None:
            nonlocal said
            if not said:
                self.log(
                    f"{printable(self.path.parent)}: in use by {self.holder(info)}; "
                    "waiting (--wait)"
                )
                said = True

        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass
            else:
                self._write_info()
                fcntl.flock(self.fd, fcntl.LOCK_SH)  # not atomic: check what we share below
                info = self._info()
                if info.get("digest", self.digest) == self.digest:
                    return
                if not self.wait:
                    raise self._other_spec(info)
                waiting(info)
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                continue
            try:
                fcntl.flock(self.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # a whole run holds it
                if not self.wait:
                    raise self._busy() from None
                waiting(self._info())
                fcntl.flock(self.fd, fcntl.LOCK_SH)  # until the whole run ends
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                continue
            info = self._info()
            if info.get("digest", self.digest) == self.digest:
                return
            # the holders may have finished since: alone now, the text is stale
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not self.wait:
                    raise self._other_spec(self._info()) from None
                waiting(self._info())
                fcntl.flock(self.fd, fcntl.LOCK_EX)  # until the other spec's tasks end
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def _other_spec(self, info: dict) -> LockedError:
        return LockedError(
            f"{printable(self.path.parent)}: in use by {self.holder(info)}, a spec with "
            f"another digest ({printable(info.get('digest', '?'))}, this one is "
            f"{self.digest}): --point tasks of two specs never share an --out; use another "
            "--out"
        )

    def __enter__(self) -> OutLock:
        self.fd = self._open()
        try:
            if self.shared:
                self._lock_shared()
            else:
                self._lock_exclusive()
        except OSError as err:
            if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                self.__exit__()
                raise
            self.log(
                f"{printable(self.path)}: this file system cannot lock files; running unlocked"
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the flock
            self.fd = None
