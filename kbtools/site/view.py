"""What one audience sees of the knowledge base.

`build_view` filters the loaded knowledge base once; every page is made from
the `SiteView` alone, so nothing outside the audience can reach a page, a
link, the search index or a tooltip.

- public: approved documents with `audience: public`, training marked public,
  and the glossary terms those documents use. No accounts, owners or reviews.
- internal: public and internal documents in any status, all training that is
  not restricted, the whole glossary, accounts, owners and the review dashboard.
- `restricted` content is in no build.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from .. import models
from ..kb import DocEntry, Entry, KnowledgeBase
from ..reviews import ReviewItem, review_items

AUDIENCES = ("public", "internal")
SEEN_BY = {"public": {"public"}, "internal": {"public", "internal"}}  # audience -> what it may see


@dataclass(frozen=True, slots=True)
class TrainingLink:
    """A training material that links to one document (and maybe some of its steps)."""

    training: models.Training
    steps: list[str]


@dataclass
class SiteView:
    kb: KnowledgeBase
    audience: str
    today: dt.date
    docs: dict[str, DocEntry] = field(default_factory=dict)
    terms: list[models.Term] = field(default_factory=list)
    training: list[models.Training] = field(default_factory=list)
    reviews: list[ReviewItem] = field(default_factory=list)
    review_of: dict[tuple[str, str], ReviewItem] = field(default_factory=dict)
    related_by: dict[str, list[str]] = field(default_factory=dict)
    training_for: dict[str, list[TrainingLink]] = field(default_factory=dict)

    @property
    def internal(self) -> bool:
        return self.audience == "internal"

    @property
    def accounts(self) -> dict[str, Entry[models.Account]]:
        return self.kb.accounts if self.internal else {}

    def doc_review(self, doc_id: str) -> ReviewItem | None:
        return self.review_of.get(("sop", doc_id))

    def owners(self) -> list[str]:
        """Every team and person reference, teams first (internal builds only)."""
        if not self.internal:
            return []
        teams = [f"team:{t}" for t in sorted(self.kb.teams)]
        people = [f"person:{p}" for p in sorted(self.kb.people, key=lambda p: self.kb.people[p].model.name)]
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


def doc_visible(doc: models.Sop, audience: str) -> bool:
    if doc.audience not in SEEN_BY[audience]:
        return False
    return audience == "internal" or doc.status == "approved"


def build_view(kb: KnowledgeBase, audience: str, today: dt.date) -> SiteView:
    view = SiteView(kb, audience, today)
    view.docs = {i: e for i, e in sorted(kb.docs.items()) if doc_visible(e.model, audience)}
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
    return view


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
