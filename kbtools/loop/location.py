"""Where the feedback store is: `--store`, else $KB_STORE, else `.kb/store.sqlite3` in the knowledge base."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT = Path(".kb") / "store.sqlite3"


def store_location(root: Path, given: Path | None = None) -> Path:
    if given is not None:
        return given
    if env := os.environ.get("KB_STORE"):
        return Path(env)
    return root / DEFAULT
