"""Pull-request rules: findings of the files changed since a git ref.

`changed_findings` keeps the findings in changed files, plus findings in
other files that the change caused (they are new compared with a check of the
knowledge base as it was at the ref). `version_findings` requires a version
bump and a matching changelog entry when a document's body or steps changed.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from ..findings import Finding, KBError
from ..kb import DocEntry, KnowledgeBase
from ..load.loader import load, load_text


@dataclass(frozen=True)
class Diff:
    changed: set[str]  # paths (relative to the knowledge-base root) added, modified or renamed
    renamed_from: dict[str, str]  # new path -> old path


@overload
def _git(root: Path, *args: str, binary: Literal[False] = False, fail: str | None = None) -> str: ...


@overload
def _git(root: Path, *args: str, binary: Literal[True], fail: str | None = None) -> bytes: ...


def _git(root: Path, *args: str, binary: bool = False, fail: str | None = None) -> str | bytes:
    """Run git in the knowledge-base folder; a failure is a KBError (`fail`, or git's own words)."""
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise KBError("--changed-since needs git, which is not installed") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KBError(fail or f"git {args[0]} failed: {message[-1] if message else 'unknown error'}")
    return proc.stdout if binary else proc.stdout.decode("utf-8", "replace")


def diff_since(root: Path, ref: str) -> Diff:
    prefix = _git(root, "rev-parse", "--show-prefix",
                  fail=f"--changed-since: {root} is not inside a git repository").strip()
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
         fail=f"--changed-since: unknown git ref {ref!r}")

    def rel(path: str) -> str | None:
        return path[len(prefix):] if path.startswith(prefix) else None

    changed: set[str] = set()
    renamed: dict[str, str] = {}
    out = _git(root, "diff", "--name-status", "-M", "-z", ref, "--", ".")
    parts = out.split("\0")
    i = 0
    while i < len(parts) - 1:
        status = parts[i]
        if status.startswith(("R", "C")):
            old, new = rel(parts[i + 1]), rel(parts[i + 2])
            i += 3
            if new:
                changed.add(new)
                if old and status.startswith("R"):
                    renamed[new] = old
        else:
            path = rel(parts[i + 1])  # deleted files too: what they break elsewhere shows as new
            i += 2
            if path:
                changed.add(path)
    # untracked files; ls-files prints paths relative to the folder it runs in
    for path in _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".").split("\0"):
        if path:
            changed.add(path)
    return Diff(changed, renamed)


def baseline(kb: KnowledgeBase, ref: str, today: dt.date) -> list[Finding]:
    """Findings of the knowledge base as it was at `ref` (empty if it had none)."""
    from . import run_checks

    # run in the knowledge-base folder, git archives that folder with paths relative to it
    archive = _git(kb.root, "archive", "--format=tar", ref, binary=True)
    with tempfile.TemporaryDirectory(prefix="kb-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        old_root = Path(tmp)
        if not (old_root / "kb.yml").is_file():
            return []
        try:
            return run_checks(load(old_root), today)
        except KBError:
            return []


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.path, f.code, f.message)


def changed_findings(kb: KnowledgeBase, ref: str, today: dt.date, findings: list[Finding]) -> list[Finding]:
    diff = diff_since(kb.root, ref)
    before = {_key(f) for f in baseline(kb, ref, today)}
    kept = [f for f in findings if f.path in diff.changed or _key(f) not in before]
    kept += version_findings(kb, ref, diff)
    kept.sort(key=Finding.sort_key)
    return kept


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def version_findings(kb: KnowledgeBase, ref: str, diff: Diff) -> list[Finding]:
    """A changed body or steps needs a higher version and a changelog entry for it."""
    found: list[Finding] = []
    by_path = {e.path: e for e in kb.docs.values()}
    for path in sorted(diff.changed):
        entry = by_path.get(path)
        if entry is None:
            continue
        old_path = diff.renamed_from.get(path, path)
        try:
            old_text = _git(kb.root, "show", f"{ref}:./{old_path}")
        except KBError:
            continue  # a new file
        old, _ = load_text(kb, path, old_text)
        if not isinstance(old, DocEntry) or not _content_changed(old, entry):
            continue
        new_sop, old_sop = entry.model, old.model
        if new_sop.status == "draft" and old_sop.status == "draft":
            continue
        if _version_tuple(new_sop.version) <= _version_tuple(old_sop.version):
            found.append(entry.finding(
                "error", "version-not-bumped",
                f"the body or steps changed since {ref} but version is {new_sop.version} "
                f"(was {old_sop.version}); raise it and add a changelog entry",
                "version",
            ))
        elif not new_sop.changelog or new_sop.changelog[0].version != new_sop.version:
            found.append(entry.finding(
                "error", "changelog-missing",
                f"version {new_sop.version} has no changelog entry; add one at the top of changelog",
                "changelog" if new_sop.changelog else "version",
            ))
    return found


def _content_changed(old: DocEntry, new: DocEntry) -> bool:
    if old.body.strip() != new.body.strip():
        return True
    return [s.model_dump() for s in old.model.steps] != [s.model_dump() for s in new.model.steps]
