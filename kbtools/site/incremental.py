"""Incremental builds for the editors' preview (`mkdocs serve --dirty`).

A full build renders every page through Markdown and the theme (about 25 ms a page,
most of it the theme's navigation and the search plugin's parse), so a preview that
rebuilds 1,000 documents on every save is slow however fast the knowledge base loads.
Under a dirty build MkDocs skips every page whose file says it is not modified
(`File.is_modified`) and leaves its output from the last build in place; this module
decides, for each page, whether its output would change.

Each save is answered in two builds:

- the quick build, when a knowledge-base file changed: the whole knowledge base is
  loaded, checked and filtered again (so the pages it rebuilds are right), but only the
  pages of the changed documents (and hand-written pages whose files changed) are
  rebuilt; then it asks the server for a catch-up build;
- the catch-up build, when no knowledge-base file changed: every page's key is computed
  and compared with the key of the output in the site folder; the pages whose keys
  differ (its department, type and owner pages, the dashboard, backlinks, ...) are
  rebuilt, and the search index, downloads and pages API are written whole.

A page's key is a hash of everything its output is made from:

- what the whole site shares: the audience, the build date, the site URL, the text of
  mkdocs.yml, the theme overrides and assets under docs/ (their sizes and times), the
  glossary the tooltips come from, every page's URL and the retired documents' targets;
- the navigation as the theme prints it: its structure, every title in it, and the
  hand-written pages' texts (their titles come from their headings);
- the page's own content: for a document, its body, its title and page metadata, the
  HTML the plugin renders around the body (head, steps, backlinks, training, ...); for a
  generated page, the HTML its template renders; for a hand-written page, its text; and
  the feedback widget's data.

The versions from git (history.py) are read again when HEAD moves or a file changes, and the
pages they make are keyed by their content like any other. After a catch-up build the site
folder holds what a full build of the same files holds (tests/e2e/test_site_incremental.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2.bccache import Bucket, BytecodeCache

from ..config import WATCHED

Signature = dict[str, tuple[int, int]]  # file (relative to the root) -> (mtime in ns, size)


def signature(root: Path, names: Iterable[str] = WATCHED) -> Signature:
    """Size and modification time of every file under the knowledge base's folders (and kb.yml)."""
    found: Signature = {}
    stack = [root / name for name in names]
    while stack:
        path = stack.pop()
        try:
            if path.is_dir():
                with os.scandir(path) as it:
                    stack.extend(Path(item.path) for item in it)
                continue
            stat = path.stat()
        except OSError:
            continue
        found[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed(old: Signature, new: Signature) -> set[str]:
    """Files added, removed or changed between two signatures."""
    return {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel)}


def digest(*parts: object) -> str:
    """A stable hash of values (strings, numbers, and lists, tuples and mappings of them)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class PageState:
    """What a page's output in the site folder was built from, and what the theme needs of it when
    the page is not rebuilt (its title and metadata print in other pages' navigation)."""

    key: str
    title: str | None
    meta: dict[str, Any]
    dest: str


@dataclass
class State:
    """Kept from one build to the next while `mkdocs serve --dirty` runs (the plugin lives on)."""

    sources: Signature = field(default_factory=dict)
    pages: dict[str, PageState] = field(default_factory=dict)  # by the page's source path
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # page URL -> its search entries
    checklists: set[str] = field(default_factory=set)  # the blank checklists in the site folder
    trigger: Path | None = None  # a file in a folder the server watches: writing it asks for a build
    # -- this build
    quick: set[str] | None = None  # the pages a quick build rebuilds; None in a catch-up build
    changed_docs: set[str] = field(default_factory=set)  # ids of the documents whose files changed
    keys: dict[str, str] = field(default_factory=dict)  # page -> its key in this build (computed once)
    built: set[str] = field(default_factory=set)  # pages rebuilt in this build

    def start(self) -> None:
        self.keys = {}
        self.built = set()

    def ask_for_catch_up(self) -> None:
        if self.trigger is not None:
            self.trigger.write_text(str(time.time_ns()), encoding="utf-8")  # new text: the watcher notices


def search_entries(index: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The search index's entries grouped by the URL of their page (a location up to its `#`)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in index.get("docs", []):
        grouped.setdefault(str(entry.get("location", "")).partition("#")[0], []).append(entry)
    return grouped


def search_index_text(config: Mapping[str, Any], entries: list[dict[str, Any]]) -> str:
    """The search index as Material's search plugin writes it."""
    return json.dumps({"config": config, "docs": entries}, separators=(",", ":"), default=str)


class TemplateCodeCache(BytecodeCache):
    """The theme's templates compiled once per serve: MkDocs makes a new Jinja environment for every
    build, which would compile them again. Jinja keys each entry on the template's source, so an
    edited override is compiled anew."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self.code.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()
