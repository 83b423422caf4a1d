"""The one loader: files -> models -> `KnowledgeBase`.

Every file is read once. Problems met while loading (bad encoding, YAML,
schema) become findings; loading never raises for bad content. A record
whose file does not load still holds its id (in `KnowledgeBase.broken`), so
references to it are not reported again and its id is never reused.

`load_text` loads one file's text without touching disk, to validate an
edit before it is written and to read a file as it was at a git revision.

A `ParseCache` passed to `load` keeps what parsing each file's YAML gave, by its
text, from one load to the next: the preview loads the whole knowledge base again
on every save, and parsing is most of a load. Everything else (reading, checking
sizes, validating) is done again, so a load with a cache gives what one without
gives.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .. import models
from ..config import FOLDERS, REGISTRY_FILES, Folder, RecordKind, RegistryFile, folder_of, read_config
from ..findings import Finding, printable
from ..kb import DocEntry, Entry, KnowledgeBase
from . import limits as size_limits
from . import names
from .validation import did_you_mean, findings_from
from .yamlsrc import LazyPos, Positions, YAMLSourceError, decode, parse, split_front_matter

M = TypeVar("M", bound=BaseModel)

# The id a record file names, found in its raw text or bytes when the file does not load
# (`Loader._hold_ids`): a line `id: <id>`, in the first RAW_ID_WINDOW characters.
RAW_ID_WINDOW = 65536


def _raw_id(pattern: str) -> re.Pattern[str]:
    return re.compile(r"^id:[ \t]*[\"']?(" + pattern + r")(?![\w-])", re.M)


RAW_IDS: dict[RecordKind, re.Pattern[str]] = {
    "document": _raw_id(models.DOC_ID),
    "account": _raw_id(models.ACCOUNT_ID_RE.strip("^$")),
    "training": _raw_id(models.TRAINING_ID_RE.strip("^$")),
}
# The same in a registry file: `id: <slug>` (`term: <text>` in the glossary) at the start of a line,
# after a list's `- ` or inside a flow mapping.
_RAW_KEY = r"(?:^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)"
_RAW_REGISTRY_ID = re.compile(_RAW_KEY + r"id:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)", re.M)
_RAW_TERM = re.compile(_RAW_KEY + r"term:[ \t]*(?:\"([^\"\n]+)\"|'([^'\n]+)'|([^\s#,{}\[\]'\"][^\n#,{}]*))", re.M)


def _raw_text(raw: str | bytes) -> str:
    """What was read, as text to look for ids in: bytes that are not UTF-8 are dropped, so that a
    damaged line (`\\xffid: SOP-CSC-001`) still names its id."""
    return raw.decode("utf-8", "ignore") if isinstance(raw, bytes) else raw


# The model of each record kind, and of each registry file as a whole (it words a malformed file's problem).
MODELS: dict[RecordKind, type[BaseModel]] = {
    "document": models.Sop, "account": models.Account, "training": models.Training,
    "department": models.Department, "team": models.Team, "role": models.Role,
    "person": models.Person, "term": models.Term,
}
REGISTRY_MODELS: dict[str, type[BaseModel]] = {
    "departments.yaml": models.DepartmentsFile, "teams.yaml": models.TeamsFile, "roles.yaml": models.RolesFile,
    "people.yaml": models.PeopleFile, "glossary.yaml": models.GlossaryFile,
}


class ParseCache:
    """What `parse` gave for a text (and its limits), kept for the next load: the value and its
    positions (found when first asked for, then kept too: a finding about an unchanged file does
    not parse it again). A load keeps only the entries it used, so the cache holds one knowledge
    base's files at most."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int, int, int], tuple[object, LazyPos]] = {}
        self._now: dict[tuple[str, int, int, int], tuple[object, LazyPos]] = {}

    def parse(self, text: str, line_offset: int, max_depth: int, max_aliases: int) -> tuple[object, LazyPos]:
        """The value of the text (`parse` without positions) and its positions when asked for."""
        key = (text, line_offset, max_depth, max_aliases)
        if key in self._now:
            return self._now[key]
        found = self._last.get(key)
        if found is None:
            found = (_values(text, line_offset, max_depth, max_aliases),
                     LazyPos(text, line_offset, max_depth, max_aliases))
        self._now[key] = found
        return found

    def finish(self) -> None:
        self._last, self._now = self._now, {}


def load(root: Path, cache: ParseCache | None = None) -> KnowledgeBase:
    """Read kb.yml (exit 2 when it is unusable), then every record file under `root`."""
    config, warnings, config_pos = read_config(root)
    kb = KnowledgeBase(root=root, config=config, findings=warnings, config_pos=config_pos)
    loader = Loader(kb, cache=cache)
    for folder in FOLDERS:
        for rel in loader.files(folder):
            loader.load_file(rel, folder)
    if cache is not None:
        cache.finish()
    return kb


def load_text(kb: KnowledgeBase, rel: str, text: str) -> tuple[Entry[Any] | None, list[Finding]]:
    """Load `text` as the document, account or training file `rel`, without touching disk."""
    folder = folder_of(rel)
    if folder is None or folder.kind is None:
        raise ValueError(f"{rel} is not a document, account or training file")
    scratch = KnowledgeBase(root=kb.root, config=kb.config)
    Loader(scratch, {rel: text}).load_file(rel, folder)
    return next(iter(scratch.table(folder.kind).values()), None), scratch.findings


class Loader:
    """Fills one `KnowledgeBase`; `overrides` supply file texts in place of the disk's."""

    def __init__(self, kb: KnowledgeBase, overrides: dict[str, str] | None = None, cache: ParseCache | None = None):
        self.kb = kb
        self.root = kb.root
        self.overrides = overrides or {}
        self.cache = cache

    def files(self, folder: Folder) -> list[str]:
        """The record files of a folder, sorted; links, pipes and devices are reported and skipped.

        A file or folder whose name cannot be written down safely (`names.problem`) is reported
        and not read, but a record file under such a name still holds its id (`_hold`).
        """
        found: list[str] = []
        unread: list[str] = []  # files reported instead of read: they count as checked
        stack: list[tuple[Path, bool]] = [(self.root / folder.name, False)]
        while stack:
            current, refused = stack.pop()
            try:
                with os.scandir(current) as it:
                    for item in it:
                        if item.name.startswith("."):
                            continue
                        rel = Path(item.path).relative_to(self.root).as_posix()
                        is_dir = item.is_dir(follow_symlinks=False)
                        why = None if refused else names.problem(item.name)
                        if why:
                            what = "folder" if is_dir else "file"
                            inside = "; nothing in it is read" if is_dir else "; the file is not read"
                            self._fail(printable(rel), "file-name",
                                       f"{what} name '{printable(item.name)}' {why}: rename it{inside}")
                            if not is_dir:
                                unread.append(printable(rel))
                        if is_dir:
                            stack.append((Path(item.path), refused or why is not None))
                        elif refused or why:
                            if item.is_file(follow_symlinks=False):
                                self._hold(rel, folder)
                        elif not self._reads(folder, item.name):
                            if self._stray(rel, item.name, folder):
                                unread.append(rel)
                                if item.is_file(follow_symlinks=False):  # SOP-CSC-009.MD still names its id
                                    self._hold(rel, folder)
                        elif not item.is_file(follow_symlinks=False):  # a link, pipe or device: never read it
                            self.kb.findings.append(Finding(
                                rel, 0, 0, "warning", "not-a-file",
                                "not a regular file (a link, pipe or device); skipped"))
                        else:
                            found.append(rel)
            except FileNotFoundError:
                continue
            except OSError as exc:
                where = printable(current.relative_to(self.root).as_posix())
                self._fail(where, "read", f"cannot read folder: {exc.strerror}")
        found.sort()
        self.kb.files.extend(sorted(found + unread))
        return found

    @staticmethod
    def _reads(folder: Folder, file_name: str) -> bool:
        if folder.kind is None:
            return file_name in REGISTRY_FILES
        return file_name.endswith(folder.suffixes)

    def _stray(self, rel: str, file_name: str, folder: Folder) -> bool:
        """Report a file the folder holds but the loader does not read (`unknown-file`); False for an attachment."""
        if folder.kind is None:
            known = ", ".join(REGISTRY_FILES)
            message = f"not a registry file; org/ holds {known}{did_you_mean(file_name, REGISTRY_FILES)}"
        elif folder.misspelt(file_name):
            right = file_name[: file_name.rfind(".")] + folder.suffixes[0]
            message = (f"not read: {folder.name}/ reads files ending in {' or '.join(folder.suffixes)} "
                       f"(case matters); rename it to {right}")
        elif folder.attachments:
            return False  # a training material's notes or slides
        else:
            message = f"not read: {folder.name}/ holds only files ending in {' or '.join(folder.suffixes)}"
        self.kb.findings.append(Finding(rel, 0, 0, "warning", "unknown-file", message))
        return True

    def _hold(self, rel: str, folder: Folder) -> None:
        """Keep the ids a file that is not loaded names (a record file under a name that is refused or
        misspelt, org/People.yaml), so that they are neither "unknown" nor reused."""
        spec = None
        if folder.kind is None:
            stem, dot, suffix = rel.rsplit("/", 1)[-1].casefold().rpartition(".")
            spec = REGISTRY_FILES.get(stem + ".yaml") if dot + suffix in folder.suffixes else None
            if spec is None:
                return
        try:
            with open(self.root / rel, "rb") as f:
                head = f.read(RAW_ID_WINDOW if spec is None else self.kb.config.limits.file_bytes)
        except OSError:
            head = b""
        if spec is not None:  # partial only if the file itself is missing, not beside its misspelling
            self._hold_registry(spec, head, incomplete=not (self.root / folder.name / spec.name).is_file())
        elif folder.kind is not None:
            self._hold_ids(folder.kind, rel, head)

    def _hold_ids(self, kind: RecordKind, rel: str, raw: str | bytes) -> None:
        """Add the id a record file names (in its text, and for accounts and training in its name) to `broken`."""
        found = RAW_IDS[kind].findall(_raw_text(raw[:RAW_ID_WINDOW]))[:1]
        if kind != "document":  # accounts and training are named by their ids
            found.append(rel.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        for ident in found:
            self.kb.broken.add(f"{kind}:{ident}")

    def load_file(self, rel: str, folder: Folder) -> None:
        if folder.kind is None:
            self._registry(rel)
        elif folder.kind == "document":
            self._document(rel)
        else:
            self._named_record(rel, folder.kind)

    # -- reading --------------------------------------------------------------------

    def _fail(self, rel: str, code: str, message: str, line: int = 0, col: int = 0) -> None:
        self.kb.findings.append(Finding(rel, line, col, "error", code, message))

    def _text(self, rel: str, hold: Callable[[str | bytes], None]) -> str | None:
        """The file's text, or None after reporting why not; `hold` gets what was read of a file that
        is not read on (too large, a line too long, not UTF-8), to keep the ids it names.

        Never more than the file size limit is read, and a file over a limit is not parsed.
        """
        limits = self.kb.config.limits
        if rel in self.overrides:
            text = self.overrides[rel]
            size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
            if size > limits.file_bytes:
                head = text[: limits.file_bytes + 1].encode("utf-8", "surrogatepass")
                self.kb.findings.append(size_limits.too_large(rel, size, head, limits))
                hold(text)
                return None
        else:
            try:
                with open(self.root / rel, "rb") as f:
                    size = os.fstat(f.fileno()).st_size
                    # what the file holds, but never more than one byte past the limit (a file may grow)
                    data = f.read(min(size, limits.file_bytes) + 1)
                    size = max(size, len(data))
            except OSError as exc:
                self._fail(rel, "read", f"cannot read file: {exc.strerror}")
                return None
            if len(data) > limits.file_bytes:
                self.kb.findings.append(size_limits.too_large(rel, size, data, limits))
                hold(data)
                return None
            try:
                text = decode(data)
            except YAMLSourceError as exc:
                self._fail(rel, exc.code, exc.message, exc.line, exc.col)
                hold(data)
                return None
        long_line = size_limits.long_line(text, limits.line_chars)
        if long_line is not None:
            self.kb.findings.append(size_limits.line_finding(rel, *long_line, limits))
            hold(text)
            return None
        if not text.strip():
            self._fail(rel, "empty-file", "file is empty", 1, 1)
            return None
        return text

    def _mapping(self, rel: str, text: str, line_offset: int = 0,
                 what: str = "file") -> tuple[dict[str, Any], LazyPos] | None:
        """The YAML mapping in `text` and its positions (found when first asked for), or None after
        reporting why not."""
        limits = self.kb.config.limits
        depth, aliases = limits.yaml_depth, limits.yaml_aliases
        pos: LazyPos | None = None
        try:
            if self.cache is not None:
                value, pos = self.cache.parse(text, line_offset, depth, aliases)
            else:
                value = _values(text, line_offset, depth, aliases)
        except YAMLSourceError as exc:
            self._fail(rel, exc.code, exc.message, exc.line, exc.col)
            return None
        if not isinstance(value, dict):
            line = line_offset + 1
            if value is None:
                self._fail(rel, "empty-file", f"{what} has no content", line, 1)
            else:
                self._fail(rel, "not-a-mapping", f"{what} must be a mapping of keys, not {_kind(value)}", line, 1)
            return None
        return value, pos or LazyPos(text, line_offset, depth, aliases)

    def _validate(self, model: type[M], data: dict[str, Any], rel: str, pos: Positions,
                  base: tuple[str | int, ...] = (), kind: RecordKind | None = None) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.kb.findings.extend(findings_from(exc, model, data, rel, pos, base))
            ident = data.get("term" if kind == "term" else "id")
            if kind and isinstance(ident, str):
                self.kb.broken.add(f"{kind}:{ident.casefold() if kind == 'term' else ident}")
            return None

    # -- record kinds ------------------------------------------------------------------

    def _document(self, rel: str) -> None:
        # A document that does not load still holds its id: never reused, not "unknown".
        text = self._text(rel, lambda raw: self._hold_ids("document", rel, raw))
        if text is None:
            return
        self._hold_ids("document", rel, text)
        try:
            front, front_line, body, body_line = split_front_matter(text)
        except YAMLSourceError as exc:
            self._fail(rel, exc.code, exc.message, exc.line, exc.col)
            return
        found = self._mapping(rel, front, front_line - 1, "front matter")
        if found is None:
            return
        data, pos = found
        sop = self._validate(models.Sop, data, rel, pos, (), "document")
        if sop is None:
            return
        self.kb.broken.discard(f"document:{sop.id}")
        self._add("document", sop.id, DocEntry(sop, rel, pos, (), body, body_line))

    def _named_record(self, rel: str, kind: RecordKind) -> None:
        """An account or training file, named by its id: a file that does not load still holds that id,
        and the id its text names."""
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        text = self._text(rel, lambda raw: self._hold_ids(kind, rel, raw))
        if text is None:
            self.kb.broken.add(f"{kind}:{stem}")
            return
        found = self._mapping(rel, text)
        if found is None:
            self._hold_ids(kind, rel, text)
            return
        data, pos = found
        record = self._validate(MODELS[kind], data, rel, pos, (), kind)
        if record is None:
            self.kb.broken.add(f"{kind}:{stem}")
        else:
            self._add(kind, record.id, Entry(record, rel, pos))  # type: ignore[attr-defined]

    def _registry(self, rel: str) -> None:
        spec = REGISTRY_FILES[rel.rsplit("/", 1)[-1]]  # files() reads no other names
        text = self._text(rel, lambda raw: self._hold_registry(spec, raw))
        if text is None:
            return
        found = self._mapping(rel, text)
        if found is None:
            self._hold_registry(spec, text)
            return
        data, pos = found
        items = data.get(spec.key)
        if set(data) != {spec.key} or not isinstance(items, tuple):
            # Let the file's model word the problem (unknown key, missing list, ...).
            self._validate(REGISTRY_MODELS[spec.name], data, rel, pos)
            if not isinstance(items, tuple):
                return
        for i, item in enumerate(items):
            self._registry_item(rel, spec, pos, i, item)

    def _hold_registry(self, spec: RegistryFile, raw: str | bytes, incomplete: bool = True) -> None:
        """Keep the ids (or terms) a registry file names when it does not load: its records are partial."""
        text = _raw_text(raw)
        if incomplete:
            self.kb.incomplete.add(spec.kind)
        if spec.kind == "term":
            for quoted, single, plain in _RAW_TERM.findall(text):
                self.kb.broken.add(f"term:{(quoted or single or plain.rstrip()).casefold()}")
        else:
            for ident in _RAW_REGISTRY_ID.findall(text):
                self.kb.broken.add(f"{spec.kind}:{ident}")

    def _registry_item(self, rel: str, spec: RegistryFile, pos: Positions, i: int, item: object) -> None:
        base = (spec.key, i)
        if not isinstance(item, dict):
            line, col = pos.locate(base)
            self._fail(rel, "not-a-mapping", f"{spec.key}[{i}] must be a mapping, not {_kind(item)}", line, col)
            return
        record = self._validate(MODELS[spec.kind], item, rel, pos, base, spec.kind)
        if record is None:
            return
        entry = Entry(record, rel, pos, base)
        if isinstance(record, models.Term):
            key = record.term.casefold()
            if self._add("term", key, entry):
                for alias in record.aliases:
                    self.kb.aliases.setdefault(alias.casefold(), key)
        else:
            self._add(spec.kind, record.id, entry)  # type: ignore[attr-defined]

    def _add(self, kind: RecordKind, ident: str, entry: Entry[Any]) -> bool:
        """Add a record; a repeated id goes to `duplicates` instead. True when added."""
        table = self.kb.table(kind)
        taken = ident in table or (kind == "term" and ident in self.kb.aliases)
        if taken:
            self.kb.duplicates.append((kind, entry))
        else:
            table[ident] = entry
        return not taken


def _values(text: str, line_offset: int, max_depth: int, max_aliases: int) -> object:
    """The value of a YAML text, without positions (`LazyPos` finds them when asked)."""
    return parse(text, line_offset, max_depth=max_depth, max_aliases=max_aliases, positions=False)[0]


def _kind(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
