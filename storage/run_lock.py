"""One long-running bot per SQLite store: an advisory lock on `<store>.lock`, held for the process lifetime.

The kernel drops a `flock` when its process ends, however it ends (even SIGKILL), so a crashed bot never blocks
the next start and no stale-lock guessing is needed. Short commands (`feeds add`, `lookup`) do not take it: they
share the store with the running bot through SQLite's own locking. A PostgreSQL store would use a lease row or an
advisory lock in the database instead; the outbox claims already let several workers share one store safely.
"""
from __future__ import annotations

import os
from types import TracebackType

from storage.database import StoreError

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks, so no guard against a second bot
    fcntl = None  # type: ignore[assignment]


class RunLock:
    """`with RunLock(path):` holds the store's lock, or raises `StoreError` naming the process that has it."""

    def __init__(self, db_path: str) -> None:
        self._db_path = db_path
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        if fcntl is None or self._db_path == ":memory:":
            return self
        try:
            fd = os.open(f"{self._db_path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"store {self._db_path}: cannot create its lock file ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"store {self._db_path}: another `milestone-bot run` (pid {holder}) is already using it; "
                "stop that one first"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the lock; the file stays (deleting it would race a new start)
            self._fd = None


def lock_holder(db_path: str) -> str | None:
    """The pid of the `run` holding the store's lock, or None when no bot runs on it (for `status`)."""
    if fcntl is None or db_path == ":memory:" or not os.path.exists(f"{db_path}.lock"):
        return None
    try:
        fd = os.open(f"{db_path}.lock", os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.read(fd, 32).decode(errors="replace").strip() or "unknown"
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
