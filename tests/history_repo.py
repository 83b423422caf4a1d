"""A git repository of the fixture knowledge base with three versions of two documents, for the
tests of versions compared (tests/e2e/test_history_*.py, tests/unit/test_history.py).

- commit 1, by Sam Seed (an address not in the registry): the fixture as it is;
- commit 2, by Uma Reddy's address (in other letter case, under another name): PRC-FLD-001 1.1
  (words of its body, summary and a step changed, hostile markup in its body) and ART-DSK-002 1.1
  (a line past the loader's limit: a version listed without a diff);
- commit 3, by Olive Outsider: PRC-FLD-001 1.2 (another word, a step added, the markup gone) and
  ART-DSK-002 1.2 (the long line gone).

`back_to_first` instead makes the third commit a revert of the second: both documents at 1.0 again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import copy_site_kb

PRC = "sops/field/PRC-FLD-001.md"
ART = "sops/desk/ART-DSK-002.md"
HOSTILE = "<img src=x onerror=alert(1)>"
LONG_LINE = "x" * 5000  # past limits.line_chars (4,000)
SEED = ("Sam Seed", "seed@outside.example")
UMA = ("Uma on her laptop", "UMA@Kestrel.Example")  # person:uma, uma@kestrel.example
OUTSIDER = ("Olive Outsider", "olive@elsewhere.example")


def git(root: Path, *args: str, author: tuple[str, str] = SEED) -> str:
    name, email = author
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email, "HOME": str(root), "PATH": "/usr/bin:/bin",
           "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", "-C", str(root), *args], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def replace(root: Path, rel: str, *pairs: tuple[str, str]) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, f"{old!r} not in {rel}"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str, author: tuple[str, str]) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, author=author)


def second_version(root: Path) -> None:
    replace(root, PRC,
            ('\nversion: "1.0"', '\nversion: "1.1"'),
            ("summary: Three follow-up visits", "summary: Three follow-up calls"),
            ("title: Closing visit", "title: Closing visit with the customer"),
            ("manager visits the customer", f"manager calls on the customer {HOSTILE}"),
            ("changelog:\n", 'changelog:\n  - {version: "1.1", date: 2026-03-01, summary: Calls instead of visits.}\n'))
    replace(root, ART,
            ('\nversion: "1.0"', '\nversion: "1.1"'),
            ("by hand.\n", f"by hand.\n\n{LONG_LINE}\n"),
            ("changelog:\n", 'changelog:\n  - {version: "1.1", date: 2026-09-20, summary: A long line.}\n'))
    commit(root, "PRC-FLD-001 1.1, ART-DSK-002 1.1", UMA)


def third_version(root: Path, commit_it: bool = True) -> None:
    replace(root, PRC,
            ('\nversion: "1.1"', '\nversion: "1.2"'),
            (f"calls on the customer {HOSTILE}", "calls on the client"),
            ("changelog:\n", "  - id: visit-120\n    title: Last call\n    role: im\n    items: [Survey sent]\n"
                             'changelog:\n  - {version: "1.2", date: 2026-04-01, summary: A last call.}\n'))
    replace(root, ART,
            ('\nversion: "1.1"', '\nversion: "1.2"'),
            (f"\n\n{LONG_LINE}\n", "\n"),
            ("changelog:\n", 'changelog:\n  - {version: "1.2", date: 2026-10-01, summary: Shorter again.}\n'))
    if commit_it:
        commit_third(root)


def commit_third(root: Path) -> None:
    commit(root, "PRC-FLD-001 1.2, ART-DSK-002 1.2", OUTSIDER)


def history_repo(dest: Path, versions: int = 3) -> Path:
    """The fixture knowledge base in a new git repository at `dest`, with `versions` commits (1-3)."""
    root = copy_site_kb(dest)
    git(root, "init", "-q", "-b", "main")
    commit(root, "The fixture knowledge base", SEED)
    for change in (second_version, third_version)[: versions - 1]:
        change(root)
    return root


def shallow_clone(root: Path, dest: Path) -> Path:
    git(root.parent, "clone", "-q", "--depth", "1", f"file://{root}", str(dest))
    return dest


def back_to_first(root: Path, commit_it: bool = True) -> None:
    """The documents as the first commit left them (version 1.0 again), committed by Olive Outsider."""
    git(root, "checkout", "HEAD~1", "--", "sops")
    if commit_it:
        commit(root, "Back to version 1.0", OUTSIDER)
