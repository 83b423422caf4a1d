"""Pull-request rules: findings of the files changed since a git ref.

`changed_findings` keeps the findings in changed files, plus findings in
other files that the change caused (they are new compared with a check of the
knowledge base as it was at the ref). `version_findings` requires a version
bump and a matching changelog entry when a document's body or steps changed;
the document as it was is found by its id, wherever its file was then, so
renaming or moving a file does not make an edited document look new.

The tree at the ref is unpacked into a temporary folder; links in it (which
may point anywhere, `/etc/passwd` or `../../..`) are skipped, never followed,
with a warning for those in the knowledge base's folders.
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

from ..config import CONFIG_FILE, WATCHED
from ..findings import Finding, KBError, printable
from ..kb import DocEntry, KnowledgeBase
from ..load.loader import load


@dataclass(frozen=True)
class Diff:
    changed: set[str]  # paths (relative to the knowledge-base root) added, modified, renamed or deleted


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
    out = _git(root, "diff", "--name-status", "-M", "-z", ref, "--", ".")
    parts = out.split("\0")
    i = 0
    while i < len(parts) - 1:
        status = parts[i]
        if status.startswith(("R", "C")):  # the new path; the document it was is matched by its id
            new = rel(parts[i + 2])
            i += 3
            if new:
                changed.add(new)
        else:
            path = rel(parts[i + 1])  # deleted files too: what they break elsewhere shows as new
            i += 2
            if path:
                changed.add(path)
    # untracked files; ls-files prints paths relative to the folder it runs in
    for path in _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".").split("\0"):
        if path:
            changed.add(path)
    return Diff(changed)


@dataclass
class Baseline:
    """The knowledge base as it was at the ref: its findings, its records (None when it had no kb.yml
    or could not be loaded) and the warnings for the links it held."""

    findings: list[Finding]
    kb: KnowledgeBase | None
    skipped: list[Finding]


def baseline(kb: KnowledgeBase, ref: str, today: dt.date) -> Baseline:
    """The knowledge base as it was at `ref`, checked."""
    from . import run_checks

    # run in the knowledge-base folder, git archives that folder with paths relative to it
    archive = _git(kb.root, "archive", "--format=tar", ref, binary=True)
    skipped: list[Finding] = []

    def regular(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        """Unpack files and folders only: a link may point anywhere; it is reported, never followed."""
        if member.isfile() or member.isdir():
            try:
                return tarfile.data_filter(member, dest)
            except tarfile.FilterError:
                pass
        if member.name.split("/", 1)[0] in WATCHED:
            skipped.append(Finding(printable(member.name), 0, 0, "warning", "not-a-file",
                                   f"a link or special file at {ref}; skipped when comparing with {ref}"))
        return None

    with tempfile.TemporaryDirectory(prefix="kb-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter=regular)
        old_root = Path(tmp)
        if not (old_root / CONFIG_FILE).is_file():
            return Baseline([], None, skipped)
        try:
            old = load(old_root)
        except KBError:
            return Baseline([], None, skipped)
        return Baseline(run_checks(old, today), old, skipped)


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.path, f.code, f.message)


def changed_findings(kb: KnowledgeBase, ref: str, today: dt.date, findings: list[Finding]) -> list[Finding]:
    diff = diff_since(kb.root, ref)
    old = baseline(kb, ref, today)
    before = {_key(f) for f in old.findings}
    kept = [f for f in findings if f.path in diff.changed or _key(f) not in before]
    now = {_key(f) for f in kept}
    kept += [f for f in old.skipped if _key(f) not in now]
    if old.kb is not None:
        kept += version_findings(kb, ref, diff, old.kb)
    kept.sort(key=Finding.sort_key)
    return kept


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def version_findings(kb: KnowledgeBase, ref: str, diff: Diff, old_kb: KnowledgeBase) -> list[Finding]:
    """A changed body or steps needs a higher version and a changelog entry for it.

    The document as it was at `ref` is the one with the same id then, wherever its file was.
    """
    found: list[Finding] = []
    for entry in sorted(kb.docs.values(), key=lambda e: e.path):
        if entry.path not in diff.changed:
            continue
        old = old_kb.docs.get(entry.model.id)
        if old is None or not _content_changed(old, entry):
            continue  # a new document, or only its metadata changed
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
