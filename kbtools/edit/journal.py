"""Writes across several files (`kb owners reassign`, `kb accounts import`): finished or undone,
never left half-way unnoticed.

Before the first file is touched, the journal `.kb-journal.json` at the root
records the command and, for every file, its content before and after with
their SHA-256 (a file the write creates has no content before: null, and an
undo removes it). Then the files are replaced (each atomically: every
temporary file is written first, then they are renamed into place one by
one) and the journal is removed. A kb killed in between leaves the journal behind:
`kb check` reports it (`interrupted-write`), other writers refuse to start,
and `kb recover --resume` finishes the write or `kb recover --rollback` undoes
it; a file someone changed since is named, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..findings import ContentError, KBError
from .atomic import read_below, remove_below, write_below, write_many_below

NAME = ".kb-journal.json"
VERSION = 1
State = Literal["old", "new", "changed"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str  # relative to the root
    old: bytes | None  # None: the write creates the file
    new: bytes


@dataclass(frozen=True, slots=True)
class Journal:
    command: str
    started: str
    files: tuple[FileChange, ...]

    def states(self, root: Path) -> list[tuple[FileChange, State]]:
        """Each file and what it holds now: its old content, its new one, or something else."""
        found: list[tuple[FileChange, State]] = []
        for change in self.files:
            current = _current(root, change.path)
            state: State = "new" if current == change.new else "old" if current == change.old else "changed"
            found.append((change, state))
        return found

    def describe(self, root: Path) -> str:
        """One line for a person: what was interrupted, how far it got, what to run."""
        states = self.states(root)
        written = sum(1 for _, s in states if s == "new")
        changed = [c.path for c, s in states if s == "changed"]
        text = (f"`{self.command}` (started {self.started}) was interrupted after writing {written} "
                f"of {len(states)} files")
        if changed:
            text += f"; changed since, by someone else: {', '.join(changed)}"
        return text + "; run `kb recover --resume` to finish it or `kb recover --rollback` to undo it"


_UNREADABLE = b"\0unreadable"  # stands for a file that is there but cannot be read: neither old nor new


def _current(root: Path, rel: str) -> bytes | None:
    """The file's bytes now; None when it does not exist."""
    if not os.path.lexists(root / rel):
        return None
    try:
        return read_below(root, rel)
    except KBError:
        return _UNREADABLE


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _encode(journal: Journal) -> str:
    files = [{"path": c.path, "old_sha256": None if c.old is None else sha256(c.old), "new_sha256": sha256(c.new),
              "old": None if c.old is None else _text(c.old), "new": _text(c.new)} for c in journal.files]
    return json.dumps({"version": VERSION, "command": journal.command, "started": journal.started,
                       "files": files}, indent=1) + "\n"


def _decode(raw: bytes) -> Journal:
    data: Any = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"not a version {VERSION} journal")
    files = []
    for item in data["files"]:
        old = None if item["old"] is None else _bytes(item["old"])
        change = FileChange(str(item["path"]), old, _bytes(item["new"]))
        if (None if old is None else sha256(old)) != item["old_sha256"] or sha256(change.new) != item["new_sha256"]:
            raise ValueError(f"the contents recorded for {change.path} do not match their SHA-256")
        files.append(change)
    return Journal(str(data["command"]), str(data["started"]), tuple(files))


def read(root: Path) -> Journal | None:
    """The journal of an interrupted write, or None when there is none."""
    if not os.path.lexists(root / NAME):
        return None
    raw = read_below(root, NAME)
    try:
        return _decode(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise KBError(f"{NAME} is damaged ({exc}); the files it names may be half-written: "
                      "check them with git diff, then delete it") from None


def pending_problem(root: Path) -> str | None:
    """Why a writer must not start (an interrupted write is pending), or None."""
    found = read(root)
    if found is None:
        return None
    return (f"an interrupted write must be finished or undone first: `{found.command}` "
            f"(started {found.started}); run kb recover --resume or kb recover --rollback")


def write_files(root: Path, command: str, changes: list[FileChange]) -> None:
    """Replace (or create) every file with its new content, journaled. The caller holds the lock."""
    for change in changes:
        if _current(root, change.path) != change.old:
            happened = "was created" if change.old is None else "changed"
            raise KBError(f"{change.path} {happened} while kb was working; nothing was written")
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_below(root, NAME, _encode(Journal(command, started, tuple(changes))), exclusive=True)
    write_many_below(root, [(change.path, change.new, change.old is None) for change in changes])
    remove_below(root, NAME)


def finish(root: Path, journal: Journal, how: Literal["resume", "rollback"]) -> list[str]:
    """Give every file its new (resume) or old (rollback) content; the paths written. The caller holds the lock.

    A file that holds neither is someone else's change: nothing is written and the journal stays.
    """
    states = journal.states(root)
    changed = [c.path for c, s in states if s == "changed"]
    if changed:
        raise ContentError(f"{len(changed)} file(s) changed since the write was interrupted, so neither "
                           f"finishing nor undoing it is safe: {', '.join(changed)}; put them right by hand "
                           "(git diff shows what changed), then run kb recover --discard")
    target: State = "new" if how == "resume" else "old"
    written = []
    for change, state in states:
        if state != target:
            content = change.new if how == "resume" else change.old
            if content is None:
                remove_below(root, change.path)
            else:
                write_below(root, change.path, content)
            written.append(change.path)
    remove_below(root, NAME)
    return written


def discard(root: Path) -> None:
    """Forget the journal, leaving every file as it is. The caller holds the lock."""
    remove_below(root, NAME)
