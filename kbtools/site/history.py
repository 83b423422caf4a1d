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

A version is a run of commits whose text names the same version number; its author
is the author of the commit that introduced it. A document may go back to an earlier
number (a revert: 1.0, 1.1, then 1.0 again): each run is a version of its own, so a
number can name several versions of a document, and `Version.key` tells them apart
in the comparison pages and snapshots (the number for its first run, `<number>-<n>`
for the n-th). The version on disk is the document as loaded: the last commit's
version when it names the same number, else a version of its own, not committed yet
and without an author.

When there is no history to read (git missing, not a repository, a shallow clone,
git failing or too slow) the build goes on without it: `History.note` says why, and
the pages show the changelog alone with that note. Nothing here raises.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..findings import Finding
from ..kb import DocEntry, KnowledgeBase
from ..load.loader import load_text
from ..load.yamlsrc import YAMLSourceError, decode
from ..models import Change
from .view import SiteView

GIT_TIMEOUT = 120  # seconds for one git call; a slower one counts as no history
DOCS = "sops"
# Where a blob's version changed: its `version:` line (the loader reads the version itself).
_VERSION_LINE = re.compile(r"""^version:[ \t]*["']?([0-9][0-9.]*)""", re.M)
_HEAD_WINDOW = 65536
_COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
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
    key: str = ""  # unique among the document's versions: the number, `<number>-<n>` for its n-th run
    label: str = ""  # the number, with the commit when the document has other versions of that number

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

    def page(self, doc_id: str, old: Version, new: Version) -> str:
        """The source path of the page comparing two versions (compare.py makes it)."""
        return compare_src(doc_id, old.key, new.key)

    def changelog(self, doc_id: str, entries: Sequence[Change]) -> list[Version | None]:
        """The version each changelog entry (newest first) is about: of the entries naming a number,
        the first is the newest version of that number, the second the one before, and so on."""
        newest: dict[str, list[Version]] = {}
        for version in reversed(self.of(doc_id)):
            newest.setdefault(version.version, []).append(version)
        seen: dict[str, int] = {}
        found: list[Version | None] = []
        for entry in entries:
            n = seen[entry.version] = seen.get(entry.version, -1) + 1
            runs = newest.get(entry.version, [])
            found.append(runs[n] if n < len(runs) else None)
        return found

    def pairs(self, doc_id: str) -> list[tuple[Version, Version]]:
        """Each version with the one before it, of those whose texts loaded (one that did not is skipped)."""
        return list(itertools.pairwise(v for v in self.of(doc_id) if v.entry is not None))

    def previous(self, doc_id: str, version: Version | None) -> Version | None:
        """The version before `version`, when both can be compared."""
        return next((old for old, new in self.pairs(doc_id) if new is version), None)


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
                   "--format=%H", "--raw", "-M", "--no-abbrev", "-z", "--", DOCS)
        authors = _authors(_git(root, "log", "--topo-order", "--diff-merges=first-parent",
                                "--format=%H%x00%aI%x00%an%x00%ae%x00%H", "-z", "--", DOCS))
        lineage = _lineage(log, authors)
        wanted = {entry.path: lineage.get(entry.path, []) for entry in view.docs.values()}
        blobs = sorted({blob for changes in wanted.values() for _, blob in changes})
        texts = _blobs(root, blobs, view.config.limits.file_bytes + 1)
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


def _authors(out: bytes) -> dict[str, Commit]:
    """Each commit's date and author, from records of five NUL-separated fields (a commit's id, its
    date, name, e-mail and its id again: no field can hold a NUL, and the id at both ends shows
    that the fields were read in step)."""
    fields = out.decode("utf-8", "replace").split("\0")
    if fields and fields[-1].strip() == "":
        fields.pop()
    if len(fields) % 5:
        raise GitError("git log gave authors in an unexpected form")
    found: dict[str, Commit] = {}
    for i in range(0, len(fields), 5):
        commit_id, date, name, email, again = (f.strip("\n") for f in fields[i:i + 5])
        if commit_id != again or not _COMMIT_ID.fullmatch(commit_id):
            raise GitError("git log gave authors in an unexpected form")
        try:
            when: dt.datetime | None = dt.datetime.fromisoformat(date)
        except ValueError:
            when = None
        found[commit_id] = (commit_id, when, name, email)
    return found


def _lineage(log: bytes, authors: dict[str, Commit]) -> dict[str, list[tuple[Commit, str]]]:
    """Each path's (commit, blob) writes, oldest first, carried along renames to the path it has now.

    The log is a stream of NUL-separated fields: a commit's id, then its changes, each a
    `:modes ids status` field followed by its path (two for a rename or copy). Paths are read by
    position, so no file name can pass for a commit."""
    found: dict[str, list[tuple[Commit, str]]] = {}
    fields = [f.strip("\n") for f in log.decode("utf-8", "replace").split("\0")]
    commit: Commit | None = None
    i = 0
    while i < len(fields):
        raw = fields[i]
        parts = raw.split()
        if not raw.startswith(":"):
            commit = authors.get(raw) if _COMMIT_ID.fullmatch(raw) else None
            i += 1
            continue
        paths = 2 if len(parts) == 5 and parts[4][:1] in ("R", "C") else 1
        names, i = fields[i + 1:i + 1 + paths], i + 1 + paths
        if commit is None or len(parts) != 5 or len(names) != paths:
            continue
        blob, status = parts[3], parts[4]
        if paths == 2:
            old, new = names
            before = found.pop(old, []) if status[0] == "R" else list(found.get(old, []))
            found[new] = [*before, (commit, blob)]
        elif status == "D":
            found.pop(names[0], None)
        elif status == "A":
            found[names[0]] = [(commit, blob)]
        else:
            found.setdefault(names[0], []).append((commit, blob))
    return found


def _blobs(root: Path, blobs: list[str], keep: int) -> dict[str, bytes]:
    """The contents of blobs, in one `git cat-file --batch`, each cut after `keep` bytes: a version
    past the file size limit is read only so far (the loader then reports it too large), so a huge
    file once committed costs no memory. Streamed, with the ids written from a thread (git answers
    while it is still being asked) and the whole call within GIT_TIMEOUT."""
    if not blobs:
        return {}
    try:
        proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except OSError as exc:
        raise GitError(f"git could not run: {exc.strerror}") from None
    assert proc.stdin is not None and proc.stdout is not None
    timer = threading.Timer(GIT_TIMEOUT, proc.kill)
    writer = threading.Thread(target=_ask, args=(proc.stdin, blobs), daemon=True)
    timer.start()
    writer.start()
    try:
        return _read_batch(proc.stdout, blobs, keep)
    finally:
        timer.cancel()
        proc.kill()
        proc.wait()
        writer.join()


def _ask(pipe: IO[bytes], blobs: list[str]) -> None:
    try:
        with pipe:
            pipe.write("".join(f"{b}\n" for b in blobs).encode("ascii"))
    except OSError:  # git ended early (killed, failed): the reader says so
        pass


def _read_batch(out: IO[bytes], blobs: list[str], keep: int) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for blob in blobs:
        header = out.readline().split()
        if not header:
            raise GitError("git cat-file gave less than it was asked for (or took too long)")
        if len(header) != 3 or header[1] != b"blob" or not header[2].isdigit():
            continue  # `<id> missing`, or not a file
        size = int(header[2])
        data = out.read(min(size, keep))
        left = size - len(data) + 1  # and the newline after the contents
        while left > 0:
            chunk = out.read(min(left, 1 << 20))
            if not chunk:
                raise GitError("git cat-file stopped in the middle of a file")
            left -= len(chunk)
        found[blob] = data
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
        if versions and versions[-1].version == number:
            versions[-1].blob = blob  # the same version again: its text is the latest
            continue
        versions.append(Version(number, commit_id, when, author, email, people.get(email.casefold()), blob=blob))
    current = entry.model.version
    if versions and versions[-1].version == current:
        versions[-1].entry = entry
    else:
        versions.append(Version(current, entry=entry))
    _name(versions)
    for version in versions[:-1]:
        version.entry, version.note = _load(scratch, entry, texts.get(version.blob, b""))
        if version.entry is not None and version.entry.model.version != version.version:
            version.entry, version.note = None, "This version's text names another version, so it is not compared"
    return versions


def _name(versions: list[Version]) -> None:
    """Each version's key and label (a number named by several versions tells them apart)."""
    runs: dict[str, int] = {}
    for version in versions:
        runs[version.version] = n = runs.get(version.version, 0) + 1
        version.key = version.version if n == 1 else f"{version.version}-{n}"
    for version in versions:
        again = f" (commit {version.short})" if version.commit else " (not committed yet)"
        version.label = version.version + (again if runs[version.version] > 1 else "")


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
