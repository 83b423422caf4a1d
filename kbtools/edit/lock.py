"""One writer at a time: the knowledge base's lock, `.kb.lock` at its root.

Every command that writes into the knowledge base holds the lock from before it
reads the files until its last write, so it decides on what is on disk and no
other kb changes a file between its reading and its writing. The lock is an
advisory `flock` on `.kb.lock` (the file is never deleted, which would let two
writers lock two different files); the kernel releases it when the process
ends, however it ends. A command waits for the lock at most `KB_LOCK_TIMEOUT`
seconds (default 30), then gives up with a message saying to try again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ..findings import KBError

NAME = ".kb.lock"
TIMEOUT_ENV = "KB_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


def timeout_setting() -> float:
    """Seconds to wait for the lock: $KB_LOCK_TIMEOUT, else the default."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise KBError(f"{TIMEOUT_ENV} is {raw!r}; give the seconds to wait for the lock, e.g. 30")
    return value


def wait_for(fd: int, timeout: float, busy: str) -> None:
    """Take an exclusive flock on `fd`, polling until `timeout` seconds have passed; then KBError(busy)."""
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        left = deadline - time.monotonic()
        if left <= 0:
            raise KBError(busy)
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.05)


@contextlib.contextmanager
def kb_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the knowledge base's lock for the `with` block."""
    wait = timeout_setting() if timeout is None else timeout
    try:
        fd = os.open(root / NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise KBError(f"cannot lock the knowledge base ({NAME} at {root}): {exc.strerror or exc}") from None
    try:
        wait_for(fd, wait, f"another kb command is writing to this knowledge base (it holds {NAME}); "
                           f"waited {wait:g} s; try again when it has finished")
        yield
    finally:
        os.close(fd)
