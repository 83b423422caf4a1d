"""What one audience sees of the knowledge base.

`build_view` filters the loaded knowledge base once; every page is made from
the `SiteView` alone, so nothing outside the audience can reach a page, a
link, the search index or a tooltip. The view holds no reference to the
knowledge base it came from: its tables (documents, accounts, departments,
teams, people, roles, terms, training) are already the audience's.

- public: approved documents with `audience: public`, training marked public,
  the glossary terms those documents use, their departments, and the teams,
  people and roles they name. No accounts, owners or reviews.
- internal: public and internal documents in any status, all training that is
  not restricted, the whole glossary, accounts, owners and the review dashboard.
- `restricted` content is in no build.

With `feedback.fallback: mailto` in kb.yml, the view also holds the e-mail
addresses of the owners of its documents and of the governing team (the
feedback widget's links on static hosting), in either audience.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .. import models
from ..config import Config
from ..digest import recipients
from ..kb import DocEntry, Entry, KnowledgeBase, split_ref
from ..reviews import ReviewItem, review_items

if TYPE_CHECKING:
    from .history import History

AUDIENCES = ("public", "internal")
SEEN_BY = {"public": {"public"}, "internal": {"public", "internal"}}  # audience -> what it may see


@dataclass(frozen=True, slots=True)
class TrainingLink:
    """A training material that links to one document (and maybe some of its steps)."""

    training: models.Training
    steps: list[str]


@dataclass
class SiteView:
    audience: str
    today: dt.date
    config: Config
    docs: dict[str, DocEntry] = field(default_factory=dict)
    accounts: dict[str, Entry[models.Account]] = field(default_factory=dict)  # internal builds only
    departments: dict[str, Entry[models.Department]] = field(default_factory=dict)
    teams: dict[str, Entry[models.Team]] = field(default_factory=dict)
    people: dict[str, Entry[models.Person]] = field(default_factory=dict)
    roles: dict[str, Entry[models.Role]] = field(default_factory=dict)
    terms: list[models.Term] = field(default_factory=list)
    training: list[models.Training] = field(default_factory=list)
    reviews: list[ReviewItem] = field(default_factory=list)
    review_of: dict[tuple[str, str], ReviewItem] = field(default_factory=dict)
    related_by: dict[str, list[str]] = field(default_factory=dict)
    # retired documents shown only to send readers on: old id -> the document in force it leads to
    redirects: dict[str, str] = field(default_factory=dict)
    training_for: dict[str, list[TrainingLink]] = field(default_factory=dict)
    kmt_name: str = ""  # the governing team, which feedback on hand-written pages and knowledge gaps go to
    recipients: dict[str, list[str]] = field(default_factory=dict)  # owner -> addresses (`fallback: mailto` only)
    history: History | None = None  # internal builds: each document's versions from git (history.py)

    @property
    def internal(self) -> bool:
        return self.audience == "internal"

    def doc_review(self, doc_id: str) -> ReviewItem | None:
        return self.review_of.get(("sop", doc_id))

    def table(self, kind: str) -> dict[str, Any]:
        """The audience's people, teams or roles (what a `person:`, `team:` or `role:` reference names)."""
        tables: dict[str, dict[str, Any]] = {"person": self.people, "team": self.teams, "role": self.roles}
        return tables.get(kind, {})

    def display_name(self, ref: str) -> str:
        found = split_ref(ref)
        entry = self.table(found[0]).get(found[1]) if found else None
        return entry.model.name if entry else ref

    def members(self, team_id: str) -> list[Entry[models.Person]]:
        return [p for p in self.people.values() if p.model.team == team_id]

    def owners(self) -> list[str]:
        """Every team and person reference, teams first (internal builds only)."""
        if not self.internal:
            return []
        teams = [f"team:{t}" for t in sorted(self.teams)]
        people = [f"person:{p}" for p in sorted(self.people, key=lambda p: self.people[p].model.name)]
        return teams + people

    def owned_docs(self, ref: str) -> list[DocEntry]:
        return [d for d in self.docs.values() if d.model.owner == ref]

    def owned_accounts(self, ref: str) -> list[Entry[models.Account]]:
        return [a for a in self.accounts.values() if a.model.owner == ref]

    def due(self, ref: str | None = None) -> list[ReviewItem]:
        """Overdue and due-soon items (of one owner), soonest first."""
        return [
            i for i in self.reviews
            if i.state in ("overdue", "due-soon", "future") and (ref is None or i.owner == ref)
        ]

    def knowledge_base(self, root: Path) -> KnowledgeBase:
        """The view as a knowledge base of its own (for the checklist builder): only the audience's records."""
        return KnowledgeBase(
            root=root, config=self.config, docs=dict(self.docs), accounts=dict(self.accounts),
            departments=dict(self.departments), teams=dict(self.teams), roles=dict(self.roles),
            people=dict(self.people),
        )


def doc_visible(doc: models.Sop, audience: str) -> bool:
    if doc.audience not in SEEN_BY[audience]:
        return False
    return audience == "internal" or doc.status == "approved"


def build_view(kb: KnowledgeBase, audience: str, today: dt.date) -> SiteView:
    view = SiteView(audience, today, kb.config)
    view.docs = {i: e for i, e in sorted(kb.docs.items()) if doc_visible(e.model, audience)}
    # A retired document with a successor the audience sees keeps its URL, which leads there.
    for ident, entry in sorted(kb.docs.items()):
        target = kb.successor(ident)
        if target in view.docs and entry.model.audience in SEEN_BY[audience]:
            view.redirects[ident] = target
            view.docs.setdefault(ident, entry)
    view.docs = dict(sorted(view.docs.items()))
    if view.internal:
        view.accounts = dict(kb.accounts)
        view.departments, view.teams = dict(kb.departments), dict(kb.teams)
        view.people, view.roles = dict(kb.people), dict(kb.roles)
    else:
        used = {e.model.department for e in view.docs.values()}
        view.departments = {d: e for d, e in kb.departments.items() if d in used}
        named = set().union(*(_named(e.model) for e in view.docs.values()))
        view.teams = {i: e for i, e in kb.teams.items() if f"team:{i}" in named}
        view.people = {i: e for i, e in kb.people.items() if f"person:{i}" in named}
        view.roles = {i: e for i, e in kb.roles.items() if f"role:{i}" in named}
    view.terms = _terms(kb, view)
    view.reviews = [i for i in review_items(kb, today) if _review_visible(i, view)]
    view.review_of = {(i.kind, i.id): i for i in view.reviews}
    related_by: dict[str, list[str]] = defaultdict(list)
    for ident, entry in view.docs.items():
        for other in entry.model.related:
            if other in view.docs:
                related_by[other].append(ident)
    view.related_by = dict(related_by)
    view.training, view.training_for = _training(kb, view)
    kmt = f"team:{kb.config.kmt_team}"
    view.kmt_name = kb.display_name(kmt)
    if kb.config.feedback.fallback == "mailto":  # the feedback links name the owners' addresses
        owners = {e.model.owner for e in view.docs.values()} | {kmt}
        # A public page names only the people the audience's view has (those its documents name):
        # a team's other members' addresses stay off the customers' site.
        shown = {p.model.email for p in view.people.values()}
        view.recipients = {ref: [a for a in recipients(kb, ref) if view.internal or a in shown]
                           for ref in sorted(owners)}
    return view


_REF = re.compile(models.ANY_REF_RE)


def _named(record: BaseModel) -> set[str]:
    """Every person, team and role a record names, at any depth: its references, and role ids (`role:`)."""
    found: set[str] = set()
    stack: list[Any] = [record.model_dump()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "role" and isinstance(value, str):
                    found.add(f"role:{value}")
                stack.append(value)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str) and _REF.match(item):
            found.add(item)
    return found


def _review_visible(item: ReviewItem, view: SiteView) -> bool:
    if item.kind == "sop":
        return item.id in view.docs
    return view.internal


def _terms(kb: KnowledgeBase, view: SiteView) -> list[models.Term]:
    terms = sorted((e.model for e in kb.terms.values()), key=lambda t: t.term.casefold())
    if view.internal:
        return terms
    used = set()
    for entry in view.docs.values():
        for word in entry.model.terms:
            found = kb.term_lookup(word)
            if found is not None:
                used.add(found.model.term)
    return [t for t in terms if t.term in used]


def _training(kb: KnowledgeBase, view: SiteView) -> tuple[list[models.Training], dict[str, list[TrainingLink]]]:
    shown: list[models.Training] = []
    by_doc: dict[str, list[TrainingLink]] = defaultdict(list)
    for entry in sorted(kb.training.values(), key=lambda e: e.model.id):
        material = entry.model
        if material.audience not in SEEN_BY[view.audience]:
            continue
        links = [link for link in material.links if link.sop in view.docs]
        if not links:
            continue
        shown.append(material)
        for link in links:
            by_doc[link.sop].append(TrainingLink(material, list(link.steps)))
    return shown, dict(by_doc)
