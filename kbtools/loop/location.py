"""Where the feedback store is: `--store PATH`, else `$KB_STORE`, else `<root>/.kb/store.sqlite3`.

One answer for every command: `kb serve` creates the store there, the triage
commands and the digest read it there. The default lies in `.kb/`, which git
ignores: the store is operational data and never part of the repository. A
relative `--store` or `$KB_STORE` is taken from the current folder, as any
path on the command line is.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..findings import KBError
from .store import Store

STORE_ENV = "KB_STORE"
DEFAULT = Path(".kb") / "store.sqlite3"


def store_location(root: Path, given: Path | None = None) -> Path:
    """The store's path: the option, else the environment (empty is unset), else the default under `root`."""
    if given is not None:
        return given
    if env := os.environ.get(STORE_ENV):
        return Path(env)
    return root / DEFAULT


def missing_message(path: Path) -> str:
    return f"no feedback store at {path}; kb serve creates it, or set --store / {STORE_ENV}"


def open_existing(path: Path, *, read_only: bool = False) -> Store:
    """The store at `path`, which must exist (only `kb serve` creates one): a KBError (exit 2) when it does not."""
    if not path.is_file():
        raise KBError(missing_message(path))
    return Store(path, create=False, read_only=read_only, migrate=False)
