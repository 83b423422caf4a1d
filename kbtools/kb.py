"""The core: load a repository into an in-memory knowledge base.

Files -> models -> KnowledgeBase. Every file is read once; every record keeps
the source position of each of its values (`Entry.at`). Problems met while
loading (bad encoding, YAML, schema) become findings; loading never raises
for bad content. Consumers (checks, checklists, site, CLI) only read the
`KnowledgeBase`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from . import models
from .findings import ContentError, Finding, KBError
from .validation import findings_from
from .yamlsrc import Pos, YAMLSourceError, decode, parse, split_front_matter

CONFIG_FILE = "kb.yml"
# file name -> (list key, model, the kind its ids have in references and `broken`)
REGISTRY_FILES = {
    "departments.yaml": ("departments", models.Department, "department"),
    "teams.yaml": ("teams", models.Team, "team"),
    "roles.yaml": ("roles", models.Role, "role"),
    "people.yaml": ("people", models.Person, "person"),
    "glossary.yaml": ("terms", models.Term, "term"),
}
_RAW_DOC_ID = re.compile(r"^id:[ \t]*[\"']?((?:SOP|POL|PRC|TPL|ART)-[A-Z]{2,6}-[0-9]{3})\b", re.M)
YAML_SUFFIXES = (".yaml", ".yml")

M = TypeVar("M", bound=BaseModel)


@dataclass(slots=True)
class Entry(Generic[M]):
    """One validated record and where it came from."""

    model: M
    path: str  # relative to the root, forward slashes
    pos: Pos | None
    base: tuple = ()  # path of the record inside its file (registry lists)

    def at(self, *keys, key: bool = False) -> tuple[int, int]:
        """Line and column of a value inside this record (of its key with key=True)."""
        if isinstance(self.pos, Pos):
            return self.pos.locate(self.base + keys, key=key)
        return (1, 1)

    def finding(self, severity: str, code: str, message: str, *keys, key: bool = False) -> Finding:
        line, col = self.at(*keys, key=key)
        return Finding(self.path, line, col, severity, code, message)  # type: ignore[arg-type]


@dataclass(slots=True)
class DocEntry(Entry[models.Sop]):
    body: str = ""
    body_line: int = 1


@dataclass
class KnowledgeBase:
    root: Path
    config: models.Config
    docs: dict[str, DocEntry] = field(default_factory=dict)
    accounts: dict[str, Entry[models.Account]] = field(default_factory=dict)
    departments: dict[str, Entry[models.Department]] = field(default_factory=dict)
    teams: dict[str, Entry[models.Team]] = field(default_factory=dict)
    roles: dict[str, Entry[models.Role]] = field(default_factory=dict)
    people: dict[str, Entry[models.Person]] = field(default_factory=dict)
    terms: dict[str, Entry[models.Term]] = field(default_factory=dict)
    training: dict[str, Entry[models.Training]] = field(default_factory=dict)
    # Records whose id repeats an earlier one: (kind, entry), for the id check.
    duplicates: list[tuple[str, Entry]] = field(default_factory=list)
    # "kind:id" of records whose files failed to load (doc:SOP-CSC-001, person:jdoe):
    # they exist, their own errors are reported, references to them are not.
    broken: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    # -- lookups used by every consumer -----------------------------------

    def members(self, team_id: str) -> list[Entry[models.Person]]:
        return [p for p in self.people.values() if p.model.team == team_id]

    def table(self, kind: str) -> dict[str, Entry]:
        """The records of one kind: doc, account, training, person, team, role, department, term."""
        return {
            "doc": self.docs, "account": self.accounts, "training": self.training, "person": self.people,
            "team": self.teams, "role": self.roles, "department": self.departments, "term": self.terms,
        }[kind]

    def is_broken(self, kind: str, ident: str) -> bool:
        return f"{kind}:{ident}" in self.broken

    def resolves(self, ref: str) -> bool:
        """Does a person:/team:/role: reference name something that exists?"""
        kind, _, ident = ref.partition(":")
        if kind not in ("person", "team", "role"):
            return False
        return ident in self.table(kind) or ref in self.broken

    def display_name(self, ref: str) -> str:
        kind, _, ident = ref.partition(":")
        entry = self.table(kind).get(ident) if kind in ("person", "team", "role") else None
        return entry.model.name if entry else ref

    def require(self, kind: str, ident: str, what: str) -> Entry:
        """The record, or an error a person can act on: 'has errors' (exit 1) or unknown (exit 2)."""
        entry = self.table(kind).get(ident)
        if entry is not None:
            return entry
        if self.is_broken(kind, ident):
            raise ContentError(f"{ident} has errors; run kb check and fix them first")
        from .validation import did_you_mean

        raise KBError(f"unknown {what} {ident!r}{did_you_mean(ident, self.table(kind))}")

    def term_lookup(self, word: str) -> Entry[models.Term] | None:
        return self.terms.get(word.casefold())


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds kb.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise KBError(f"no knowledge base found: no {CONFIG_FILE} in {start} or any folder above it")


def load_config(root: Path) -> models.Config:
    """Read kb.yml. A config that cannot be used stops the command (exit 2)."""
    path = root / CONFIG_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KBError(f"{CONFIG_FILE}: cannot read: {exc.strerror}") from None
    try:
        value, pos = parse(decode(data))
    except YAMLSourceError as exc:
        raise KBError(f"{CONFIG_FILE}:{exc.line}:{exc.col}: error: {exc.message} [{exc.code}]") from None
    if value is None:
        return models.Config()
    if not isinstance(value, dict):
        raise KBError(f"{CONFIG_FILE}: error: the file must be a mapping of settings")
    try:
        return models.Config.model_validate(value)
    except ValidationError as exc:
        problems = findings_from(exc, models.Config, value, CONFIG_FILE, pos)
        raise KBError("\n".join(f.format() for f in problems)) from None


def load(root: Path) -> KnowledgeBase:
    config = load_config(root)
    kb = KnowledgeBase(root=root, config=config)
    _Loader(kb).run()
    return kb


def load_text(kb: KnowledgeBase, rel: str, text: str) -> tuple[Entry | None, list[Finding]]:
    """Load `text` as the document, account or training file `rel`, without touching disk.

    Used to validate an edit before it is written and to read a file as it was
    at an earlier git revision.
    """
    scratch = KnowledgeBase(root=kb.root, config=kb.config)
    loader = _Loader(scratch, {rel: text})
    if rel.startswith("sops/"):
        loader._doc(rel)
        table: dict = scratch.docs
    elif rel.startswith("accounts/"):
        loader._record(rel, models.Account, scratch.accounts, "account")
        table = scratch.accounts
    elif rel.startswith("training/"):
        loader._record(rel, models.Training, scratch.training, "training")
        table = scratch.training
    else:
        raise ValueError(f"{rel} is not a document, account or training file")
    return next(iter(table.values()), None), scratch.findings


class _Loader:
    def __init__(self, kb: KnowledgeBase, overrides: dict[str, str] | None = None):
        self.kb = kb
        self.root = kb.root
        self.overrides = overrides or {}

    # -- files -------------------------------------------------------------

    def run(self) -> None:
        for rel in self._files("org", YAML_SUFFIXES):
            self._registry(rel)
        for rel in self._files("sops", (".md",)):
            self._doc(rel)
        for rel in self._files("accounts", YAML_SUFFIXES):
            self._record(rel, models.Account, self.kb.accounts, "account")
        for rel in self._files("training", YAML_SUFFIXES):
            self._record(rel, models.Training, self.kb.training, "training")

    def _files(self, folder: str, suffixes: tuple[str, ...]) -> list[str]:
        top = self.root / folder
        found: list[str] = []
        stack = [top]
        while stack:
            current = stack.pop()
            try:
                with os.scandir(current) as it:
                    for item in it:
                        if item.name.startswith("."):
                            continue
                        if item.is_dir(follow_symlinks=False):
                            stack.append(Path(item.path))
                        elif item.name.endswith(suffixes):
                            rel = Path(item.path).relative_to(self.root).as_posix()
                            if item.is_file(follow_symlinks=False):
                                found.append(rel)
                            else:  # a link, pipe or device: never read it
                                self.kb.findings.append(Finding(
                                    rel, 0, 0, "warning", "not-a-file",
                                    "not a regular file (a link, pipe or device); skipped"))
            except FileNotFoundError:
                continue
            except OSError as exc:
                self._fail(Path(current).relative_to(self.root).as_posix(), "read", f"cannot read folder: {exc.strerror}")
        found.sort()
        self.kb.files.extend(found)
        return found

    def _fail(self, rel: str, code: str, message: str, line: int = 0, col: int = 0) -> None:
        self.kb.findings.append(Finding(rel, line, col, "error", code, message))

    def _text(self, rel: str) -> str | None:
        if rel in self.overrides:
            text = self.overrides[rel]
        else:
            try:
                data = (self.root / rel).read_bytes()
            except OSError as exc:
                self._fail(rel, "read", f"cannot read file: {exc.strerror}")
                return None
            try:
                text = decode(data)
            except YAMLSourceError as exc:
                self._fail(rel, exc.code, exc.message, exc.line, exc.col)
                return None
        if not text.strip():
            self._fail(rel, "empty-file", "file is empty", 1, 1)
            return None
        return text

    def _yaml(self, rel: str, text: str, line_offset: int = 0, what: str = "file"):
        try:
            value, pos = parse(text, line_offset)
        except YAMLSourceError as exc:
            self._fail(rel, exc.code, exc.message, exc.line, exc.col)
            return None, None
        if not isinstance(value, dict):
            line = line_offset + 1
            if value is None:
                self._fail(rel, "empty-file", f"{what} has no content", line, 1)
            else:
                self._fail(rel, "not-a-mapping", f"{what} must be a mapping of keys, not {_kind(value)}", line, 1)
            return None, None
        return value, pos

    def _yaml_file(self, rel: str):
        """A YAML file's mapping and positions, or (None, None) after reporting why not."""
        text = self._text(rel)
        return (None, None) if text is None else self._yaml(rel, text)

    def _validate(self, model: type[M], data: dict, rel: str, pos, base: tuple = (),
                  kind: str | None = None) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.kb.findings.extend(findings_from(exc, model, data, rel, pos, base))
            ident = data.get("term" if kind == "term" else "id")
            if kind and isinstance(ident, str):
                self.kb.broken.add(f"{kind}:{ident.casefold() if kind == 'term' else ident}")
            return None

    # -- kinds ---------------------------------------------------------------

    def _doc(self, rel: str) -> None:
        text = self._text(rel)
        if text is None:
            return
        # A document that does not load still holds its id: never reused, not "unknown".
        for ident in _RAW_DOC_ID.findall(text, 0, 4096)[:1]:
            self.kb.broken.add(f"doc:{ident}")
        try:
            front, front_line, body, body_line = split_front_matter(text)
        except YAMLSourceError as exc:
            self._fail(rel, exc.code, exc.message, exc.line, exc.col)
            return
        data, pos = self._yaml(rel, front, front_line - 1, "front matter")
        if data is None:
            return
        sop = self._validate(models.Sop, data, rel, pos, (), "doc")
        if sop is None:
            return
        self.kb.broken.discard(f"doc:{sop.id}")
        entry = DocEntry(sop, rel, pos, (), body, body_line)
        self._add(self.kb.docs, sop.id, entry, "document")

    def _record(self, rel: str, model: type[M], table: dict, kind: str) -> None:
        # Account and training files are named by their id: a file that does
        # not load still holds that id.
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self.kb.broken.add(f"{kind}:{stem}")
        data, pos = self._yaml_file(rel)
        if data is None:
            return
        record = self._validate(model, data, rel, pos, (), kind)
        if record is not None:
            self.kb.broken.discard(f"{kind}:{stem}")
            self._add(table, record.id, Entry(record, rel, pos), kind)

    def _registry(self, rel: str) -> None:
        name = rel.rsplit("/", 1)[-1]
        spec = REGISTRY_FILES.get(name)
        if spec is None:
            known = ", ".join(REGISTRY_FILES)
            self.kb.findings.append(
                Finding(rel, 0, 0, "warning", "unknown-file", f"not a registry file; org/ holds {known}")
            )
            return
        key, model, kind = spec
        data, pos = self._yaml_file(rel)
        if data is None:
            return
        wrapper = models.SCHEMAS[key if key != "terms" else "glossary"]
        extra = [k for k in data if k != key]
        if extra or not isinstance(data.get(key), tuple):
            # Let the wrapper model word the problem (unknown key, missing list, ...).
            self._validate(wrapper, data, rel, pos)
            if not isinstance(data.get(key), tuple):
                return
        table = getattr(self.kb, key)
        for i, item in enumerate(data[key]):
            if not isinstance(item, dict):
                line, col = pos.locate((key, i)) if isinstance(pos, Pos) else (1, 1)
                self._fail(rel, "not-a-mapping", f"{key}[{i}] must be a mapping, not {_kind(item)}", line, col)
                continue
            record = self._validate(model, item, rel, pos, (key, i), kind)
            if record is None:
                continue
            ident = record.term.casefold() if isinstance(record, models.Term) else record.id
            self._add(table, ident, Entry(record, rel, pos, (key, i)), key)
            if isinstance(record, models.Term):
                for alias in record.aliases:
                    table.setdefault(alias.casefold(), table[ident])

    def _add(self, table: dict, ident: str, entry: Entry, kind: str) -> None:
        if ident in table:
            self.kb.duplicates.append((kind, entry))
        else:
            table[ident] = entry


def _kind(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
