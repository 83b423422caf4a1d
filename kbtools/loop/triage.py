"""Items of the store seen through the knowledge base: whose they are, where they belong.

The store keeps what was submitted (a document id, never its owner); the
owner and department come from the knowledge base as it is now, so an item
follows its document when the document changes hands. Feedback on a page
that is not a document, and gaps reported from nowhere, belong to the team
that governs every document (`kmt_team` in kb.yml).
"""

from __future__ import annotations

from typing import Any

from ..kb import KnowledgeBase
from .store import Item


def owner_of(kb: KnowledgeBase, item: Item) -> str:
    """The owner reference (`person:<id>` or `team:<id>`) an item is for."""
    entry = kb.docs.get(item.doc) if item.doc else None
    return entry.model.owner if entry else f"team:{kb.config.kmt_team}"


def department_of(kb: KnowledgeBase, item: Item) -> str | None:
    entry = kb.docs.get(item.doc) if item.doc else None
    return entry.model.department if entry else None


def item_data(kb: KnowledgeBase, item: Item) -> dict[str, Any]:
    """An item as data, the shape of the JSON outputs and the webhook (keys are only ever added)."""
    entry = kb.docs.get(item.doc) if item.doc else None
    owner = owner_of(kb, item)
    return {
        "id": item.ref,
        "kind": item.kind,
        "state": item.state,
        "created": item.created.isoformat().replace("+00:00", "Z"),
        "updated": item.updated.isoformat().replace("+00:00", "Z"),
        "audience": item.audience,
        "doc": item.doc,
        "title": entry.model.title if entry else None,
        "version": item.version,
        "page": item.page,
        "helpful": item.helpful,
        "text": item.text,
        "gap_kind": item.gap_kind,
        "product": item.product,
        "account": item.account,
        "sender": item.sender,
        "person": item.person,
        "owner": owner,
        "owner_name": kb.display_name(owner),
        "department": department_of(kb, item),
        "resolved_doc": item.resolved_doc,
        "resolved_version": item.resolved_version,
        "reason": item.reason,
    }
