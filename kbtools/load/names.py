"""File and folder names every tool can write down: CODEOWNERS, links, terminals, reports.

A name in the knowledge base ends up as a line of `.github/CODEOWNERS`, in a
finding, in a GitHub annotation. A newline or a tab in a name would split or
forge such a line, so a name with one is refused before the file is read
(`kb check` reports `file-name`), and `kb codeowners` refuses such a path on
its own as well. Names may hold any printable character and plain spaces
inside; the characters CODEOWNERS gives a meaning to (`#`, `*`, `?`, `[`,
`]`, `!`, space) are escaped where the name is written.
"""

from __future__ import annotations

import os


def shown(name: str) -> str:
    """A name (or path) as printable text: bytes that are not UTF-8 as \\xNN, control characters escaped.

    Names read from the file system keep undecodable bytes as lone surrogates
    (Python's `surrogateescape`); those can be neither printed nor written
    as UTF-8, so they are shown as the bytes they stand for.
    """
    if name.isprintable():
        return name
    try:
        text = os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a surrogate that stands for no byte (not a name from the file system)
        text = name
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def problem(name: str) -> str | None:
    """Why one file or folder name cannot be used, or None when it can."""
    if name.isprintable() and "\\" not in name and name.strip() == name:
        return None
    if any("\udc80" <= c <= "\udcff" for c in name):
        return "is not valid UTF-8"
    for c in name:
        if not c.isprintable() and c != " ":
            return f"holds the character U+{ord(c):04X}, which CODEOWNERS and other tools cannot write down"
    if name.strip() != name:
        return "begins or ends with a space"
    return "holds a backslash, which CODEOWNERS reads as an escape"


def path_problem(path: str) -> str | None:
    """Why a relative path (forward slashes) cannot be used: its first unusable part, or None."""
    for part in path.split("/"):
        found = problem(part)
        if found:
            return f"'{shown(part)}' {found}"
    return None
