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

from ..findings import printable


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
            return f"'{printable(part)}' {found}"
    return None
