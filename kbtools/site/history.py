"""The versions of each document, from the repository's git history (internal builds only).

Git runs in this module only, with fixed argument lists (never a shell), a timeout,
and two calls for the whole knowledge base however many documents it holds:

- one `git log --raw -M` over `sops/` lists every commit that touched a document
  file, its author and the blobs it wrote, renames followed (a document is the
  file it is now, traced back through its moves);
- one `git cat-file --batch` reads those blobs. A blob's version is found from its
  `version:` line only to see where the version changed; the text of each version
  (as its last commit left it) is then read by the project's loader (`load_text`),
  within the size limits, as the document itself would be.

A version's author is the author of the commit that introduced it. The version on
disk is the document as loaded; when it was not committed yet it is a version of
its own, without an author.

When there is no history to read (git missing, not a repository, a shallow clone,
git failing or too slow) the build goes on without it: `History.note` says why, and
the pages show the changelog alone with that note. Nothing here raises.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding
from ..kb import DocEntry, KnowledgeBase
from ..load.loader import load_text
from ..load.yamlsrc import YAMLSourceError, decode
from .view import SiteView

GIT_TIMEOUT = 120  # seconds for one git call; a slower one counts as no history
DOCS = "sops"
# Where a blob's version changed: its `version:` line (the loader reads the version itself).
_VERSION_LINE = re.compile(r"""^version:[ \t]*["']?([0-9][0-9.]*)""", re.M)
_HEAD_WINDOW = 65536
SHALLOW_NOTE = ("this build was made from a shallow clone of the repository, so who made each version "
                "and the comparisons between versions are not shown; build from a full clone "
                "(git fetch --unshallow) to have them")


@dataclass(slots=True)
class Version:
    """One version of a document: the commit that introduced it and the document as it was."""

    version: str
    commit: str | None = None  # None: not committed yet (the working tree)
    when: dt.datetime | None = None
    author: str = ""  # the git author's name
    email: str = ""
    person: str | None = None  # the registry person whose email the author used (person:<id>)
    entry: DocEntry | None = None  # None when the text did not load (`note` says why)
    note: str | None = None
    blob: str = ""  # the last blob with this version (read at the end)

    @property
    def short(self) -> str:
        return self.commit[:10] if self.commit else ""


@dataclass(slots=True)
class History:
    key: str  # what the history was read from: HEAD's commit id ("" without history)
    note: str | None = None  # why there is no history
    versions: dict[str, list[Version]] = field(default_factory=dict)  # doc id -> oldest first

    @property
    def available(self) -> bool:
        return self.note is None

    def of(self, doc_id: str) -> list[Version]:
        return self.versions.get(doc_id, [])

    def page(self, doc_id: str, old: str, new: str) -> str:
        """The source path of the page comparing two versions (compare.py makes it)."""
        return compare_src(doc_id, old, new)

    def version(self, doc_id: str, version: str) -> Version | None:
        return next((v for v in self.of(doc_id) if v.version == version), None)

    def pairs(self, doc_id: str) -> list[tuple[Version, Version]]:
        """Each version with the one before it, of those whose texts loaded (one that did not is skipped)."""
        return list(itertools.pairwise(v for v in self.of(doc_id) if v.entry is not None))

    def previous(self, doc_id: str, version: str) -> Version | None:
        """The version before `version`, when both can be compared."""
        return next((old for old, new in self.pairs(doc_id) if new.version == version), None)


def compare_src(doc_id: str, old: str, new: str) -> str:
    return f"history/{doc_id.lower()}/{old}..{new}.md"


class GitError(Exception):
    """Git could not answer (the message says why, for the note)."""


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", str(root), "-c", "core.quotepath=off", *args], input=stdin,
                              capture_output=True, check=False, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from None
    except OSError as exc:
        raise GitError(f"git could not run: {exc.strerror}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        message = lines[-1].removeprefix("fatal: ") if lines else f"git {args[0]} failed"
        raise GitError("the folder is not in a git repository" if "not a git repository" in message else message)
    return proc.stdout


def head(root: Path) -> tuple[str, bool]:
    """HEAD's commit id and whether the clone is shallow."""
    out = _git(root, "rev-parse", "--is-shallow-repository", "HEAD").decode("ascii", "replace").split()
    if len(out) != 2:
        raise GitError("git rev-parse gave no commit")
    return out[1], out[0] == "true"


def history_key(root: Path) -> str:
    """What a history read now would be keyed on (incremental builds compare it with the last)."""
    try:
        commit, shallow = head(root)
    except GitError as exc:
        return f"none:{exc}"
    return f"shallow:{commit}" if shallow else commit


def refresh(view: SiteView, root: Path, last: History | None) -> History:
    """The history for `view`: `last` again when it was read for the same documents and HEAD."""
    key = history_key(root)
    if last is not None and last.key == key:
        return last
    return read(view, root, key)


def read(view: SiteView, root: Path, key: str | None = None) -> History:
    key = history_key(root) if key is None else key
    if key.startswith("none:"):
        return _unread(key, key[5:])
    if key.startswith("shallow:"):
        return History(key, SHALLOW_NOTE)
    try:
        log = _git(root, "log", "--reverse", "--topo-order", "--diff-merges=first-parent", "--relative",
                   "--format=%x01%H%x00%aI%x00%an%x00%ae%x00", "--raw", "-M", "--no-abbrev", "-z", "--", DOCS)
        lineage = _lineage(log)
        wanted = {entry.path: lineage.get(entry.path, []) for entry in view.docs.values()}
        blobs = sorted({blob for changes in wanted.values() for _, blob in changes})
        texts = _blobs(root, blobs)
    except GitError as exc:
        return _unread(key, str(exc))
    people = {p.model.email.casefold(): f"person:{pid}" for pid, p in view.people.items() if p.model.email}
    scratch = KnowledgeBase(root=root, config=view.config)
    history = History(key)
    for doc_id, entry in view.docs.items():
        history.versions[doc_id] = _versions(entry, wanted[entry.path], texts, people, scratch)
    return history


def _unread(key: str, why: str) -> History:
    return History(key, f"the repository's history could not be read ({why}), so who made each "
                        "version and the comparisons between versions are not shown")


Commit = tuple[str, dt.datetime | None, str, str]  # id, author date, author name, author email


def _lineage(log: bytes) -> dict[str, list[tuple[Commit, str]]]:
    """Each path's (commit, blob) writes, oldest first, carried along renames to the path it has now."""
    found: dict[str, list[tuple[Commit, str]]] = {}
    for chunk in log.split(b"\x01")[1:]:
        parts = chunk.decode("utf-8", "replace").split("\0")
        if len(parts) < 4:
            continue
        try:
            when: dt.datetime | None = dt.datetime.fromisoformat(parts[1])
        except ValueError:
            when = None
        commit: Commit = (parts[0], when, parts[2], parts[3])
        rest = [p.strip("\n") for p in parts[4:]]
        i = 0
        while i < len(rest):
            raw = rest[i]
            fields = raw.split()
            if not raw.startswith(":") or len(fields) != 5:
                i += 1
                continue
            blob, status = fields[3], fields[4]
            if status[:1] in ("R", "C") and i + 2 < len(rest):
                old, new = rest[i + 1], rest[i + 2]
                i += 3
                before = found.pop(old, []) if status[0] == "R" else list(found.get(old, []))
                found[new] = [*before, (commit, blob)]
                continue
            if i + 1 >= len(rest):
                break
            path = rest[i + 1]
            i += 2
            if status == "D":
                found.pop(path, None)
            elif status == "A":
                found[path] = [(commit, blob)]
            else:
                found.setdefault(path, []).append((commit, blob))
    return found


def _blobs(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """The contents of blobs, in one `git cat-file --batch`."""
    if not blobs:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blobs).encode("ascii"))
    found: dict[str, bytes] = {}
    pos = 0
    for blob in blobs:
        end = out.find(b"\n", pos)
        if end < 0:
            raise GitError("git cat-file gave less than it was asked for")
        header = out[pos:end].split()
        if len(header) != 3 or header[1] != b"blob":
            pos = end + 1  # missing: `<id> missing`
            continue
        size = int(header[2])
        found[blob] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return found


def _version_line(data: bytes) -> str | None:
    found = _VERSION_LINE.search(data[:_HEAD_WINDOW].decode("utf-8", "ignore"))
    return found.group(1) if found else None


def _versions(entry: DocEntry, changes: list[tuple[Commit, str]], texts: dict[str, bytes],
              people: dict[str, str], scratch: KnowledgeBase) -> list[Version]:
    versions: list[Version] = []
    for (commit_id, when, author, email), blob in changes:
        number = _version_line(texts.get(blob, b""))
        if number is None:
            continue
        known = next((v for v in versions if v.version == number), None)
        if known is not None:
            known.blob = blob  # the same version again: its text is the latest
            continue
        versions.append(Version(number, commit_id, when, author, email, people.get(email.casefold()), blob=blob))
    current = entry.model.version
    if versions and versions[-1].version == current:
        versions[-1].entry = entry
    else:
        versions = [v for v in versions if v.version != current]
        versions.append(Version(current, entry=entry))
    for version in versions[:-1]:
        version.entry, version.note = _load(scratch, entry, texts.get(version.blob, b""))
        if version.entry is not None and version.entry.model.version != version.version:
            version.entry, version.note = None, "This version's text names another version, so it is not compared"
    return versions


def _load(scratch: KnowledgeBase, current: DocEntry, data: bytes) -> tuple[DocEntry | None, str | None]:
    """A version's text read by the loader, as the document's file (limits included)."""
    try:
        text = decode(data)
    except YAMLSourceError as exc:
        return None, _not_loaded(exc.message, exc.code)
    loaded, findings = load_text(scratch, current.path, text)
    if isinstance(loaded, DocEntry) and loaded.model.id == current.model.id:
        return loaded, None
    error: Finding | None = next((f for f in findings if f.severity == "error"), None)
    if error is not None:
        return None, _not_loaded(error.message, error.code)
    return None, "This version's text is another document's, so it is not compared"


def _not_loaded(message: str, code: str) -> str:
    return f"This version's text does not load ({message} [{code}]), so it is not compared"
