"""The knowledge base: every loaded record, by kind and id, and the lookups all consumers share.

Files -> models -> KnowledgeBase (`kbtools.load.loader` fills it). Every record
knows the source position of each of its values (`Entry.at`; worked out from
its file's text when first asked), so a check can point at the line it is
about. Consumers (checks, checklists, site, CLI) only read the `KnowledgeBase`;
none of them opens a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from . import models
from .config import Config, RecordKind
from .findings import ContentError, Finding, KBError, Severity
from .load.validation import did_you_mean
from .load.yamlsrc import Pos, Positions

M = TypeVar("M", bound=BaseModel)


@dataclass(slots=True)
class Entry(Generic[M]):
    """One validated record and where it came from."""

    model: M
    path: str  # relative to the root, forward slashes
    pos: Positions | None  # found when first asked for (`LazyPos`), for most records never
    base: tuple[str | int, ...] = ()  # path of the record inside its file (registry lists)

    def at(self, *keys: str | int, key: bool = False) -> tuple[int, int]:
        """Line and column of a value inside this record (of its key with key=True)."""
        if self.pos is not None:
            return self.pos.locate(self.base + keys, key=key)
        return (1, 1)

    def finding(self, severity: Severity, code: str, message: str, *keys: str | int, key: bool = False) -> Finding:
        line, col = self.at(*keys, key=key)
        return Finding(self.path, line, col, severity, code, message)


@dataclass(slots=True)
class DocEntry(Entry[models.Sop]):
    body: str = ""
    body_line: int = 1


@dataclass
class KnowledgeBase:
    root: Path
    config: Config
    docs: dict[str, DocEntry] = field(default_factory=dict)
    accounts: dict[str, Entry[models.Account]] = field(default_factory=dict)
    departments: dict[str, Entry[models.Department]] = field(default_factory=dict)
    teams: dict[str, Entry[models.Team]] = field(default_factory=dict)
    roles: dict[str, Entry[models.Role]] = field(default_factory=dict)
    people: dict[str, Entry[models.Person]] = field(default_factory=dict)
    # Glossary terms by their casefolded term; `aliases` maps a casefolded alias to its term's key.
    terms: dict[str, Entry[models.Term]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    training: dict[str, Entry[models.Training]] = field(default_factory=dict)
    # Records whose id repeats an earlier one: (kind, entry), for the id check.
    duplicates: list[tuple[RecordKind, Entry[Any]]] = field(default_factory=list)
    # "kind:id" of records whose files failed to load (document:SOP-CSC-001, person:jdoe):
    # they exist, their own errors are reported, references to them are not.
    broken: set[str] = field(default_factory=set)
    # Kinds whose registry file (org/people.yaml, ...) did not load: their records are partial, so
    # a check that needs all of them (a team's active members) cannot tell.
    incomplete: set[RecordKind] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    config_pos: Pos | None = None  # where each setting of kb.yml is (checks of settings point there)
    # team id -> (members, active members), built when first asked for (`_teams`)
    _by_team: dict[str | None, tuple[tuple[Entry[models.Person], ...], tuple[Entry[models.Person], ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _by_team_of: tuple[int, int] = field(default=(0, -1), init=False, repr=False, compare=False)

    def table(self, kind: RecordKind) -> dict[str, Any]:
        """The records of one kind, by id."""
        tables: dict[RecordKind, dict[str, Any]] = {
            "document": self.docs, "account": self.accounts, "training": self.training, "person": self.people,
            "team": self.teams, "role": self.roles, "department": self.departments, "term": self.terms,
        }
        return tables[kind]

    def is_broken(self, kind: RecordKind, ident: str) -> bool:
        return f"{kind}:{ident}" in self.broken

    def config_at(self, *keys: str | int) -> tuple[int, int]:
        """Line and column of a setting's value in kb.yml ((0, 0) when kb.yml is empty or missing)."""
        return self.config_pos.locate(keys) if self.config_pos is not None else (0, 0)

    # -- people and teams ------------------------------------------------------------

    def members(self, team_id: str) -> tuple[Entry[models.Person], ...]:
        return self._teams().get(team_id, ((), ()))[0]

    def active_members(self, team_id: str) -> tuple[Entry[models.Person], ...]:
        return self._teams().get(team_id, ((), ()))[1]

    def _teams(self) -> dict[str | None, tuple[tuple[Entry[models.Person], ...], tuple[Entry[models.Person], ...]]]:
        """Team id -> (members, active members): one pass over the people, not one per question
        (again when people were added since: the loader only adds)."""
        state = (id(self.people), len(self.people))
        if self._by_team_of != state:
            grouped: dict[str | None, list[Entry[models.Person]]] = {}
            for person in self.people.values():
                grouped.setdefault(person.model.team, []).append(person)
            self._by_team = {team: (tuple(ps), tuple(p for p in ps if p.model.active)) for team, ps in grouped.items()}
            self._by_team_of = state
        return self._by_team

    def resolves(self, ref: str) -> bool:
        """Does a person:/team:/role: reference name something that exists?"""
        found = split_ref(ref)
        return found is not None and (found[1] in self.table(found[0]) or ref in self.broken)

    def display_name(self, ref: str) -> str:
        found = split_ref(ref)
        entry = self.table(found[0]).get(found[1]) if found else None
        return entry.model.name if entry else ref

    # -- records by id ------------------------------------------------------------------

    def require(self, kind: RecordKind, ident: str) -> Entry[Any]:
        """The record, or an error a person can act on: 'has errors' (exit 1) or unknown (exit 2)."""
        entry: Entry[Any] | None = self.table(kind).get(ident)
        if entry is not None:
            return entry
        if self.is_broken(kind, ident):
            raise ContentError(f"{ident} has errors; run kb check and fix them first")
        raise KBError(f"unknown {kind} {ident!r}{did_you_mean(ident, self.table(kind))}")

    def successor(self, doc_id: str) -> str | None:
        """The document in force that a retired one leads to through `replaced_by` (its first successor,
        then that one's, ...); None for a document in force, or when the chain ends nowhere or loops."""
        entry = self.docs.get(doc_id)
        if entry is None or not entry.model.replaced_by:
            return None
        seen = {doc_id}
        while entry is not None and entry.model.status == "retired":
            if not entry.model.replaced_by or entry.model.replaced_by[0] in seen:
                return None
            doc_id = entry.model.replaced_by[0]
            seen.add(doc_id)
            entry = self.docs.get(doc_id)
        return doc_id if entry is not None else None

    def term_lookup(self, word: str) -> Entry[models.Term] | None:
        """A glossary term by its term or one of its aliases, in any case."""
        key = word.casefold()
        return self.terms.get(key) or self.terms.get(self.aliases.get(key, ""))


_REF_KINDS: dict[str, RecordKind] = {"person": "person", "team": "team", "role": "role"}


def split_ref(ref: str) -> tuple[RecordKind, str] | None:
    """(kind, id) of a person:/team:/role: reference; None for anything else."""
    kind, _, ident = ref.partition(":")
    found = _REF_KINDS.get(kind)
    return (found, ident) if found else None
