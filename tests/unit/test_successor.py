"""A retired document leads to the document in force through `replaced_by`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from kbtools.config import Config
from kbtools.kb import DocEntry, KnowledgeBase
from kbtools.models import Sop


def _doc(ident: str, status: str = "approved", replaced_by: tuple[str, ...] = ()) -> Sop:
    return Sop.model_validate({
        "id": ident, "title": ident, "type": "sop", "status": status, "department": "ops",
        "owner": "team:ops", "audience": "internal", "version": "1.0", "effective": dt.date(2026, 1, 1),
        "last_reviewed": dt.date(2026, 1, 1), "replaced_by": replaced_by})


def _kb(*docs: Sop) -> KnowledgeBase:
    kb = KnowledgeBase(root=Path("."), config=Config())
    for doc in docs:
        kb.docs[doc.id] = DocEntry(doc, f"sops/{doc.id}.md", None)
    return kb


def test_every_old_id_resolves_through_its_successors():
    kb = _kb(_doc("SOP-OPS-001", "retired", ("SOP-OPS-002", "SOP-OPS-003")),
             _doc("SOP-OPS-002", "retired", ("SOP-OPS-004",)), _doc("SOP-OPS-003"), _doc("SOP-OPS-004"))
    assert kb.successor("SOP-OPS-001") == "SOP-OPS-004"  # through the first successor, twice
    assert kb.successor("SOP-OPS-002") == "SOP-OPS-004"
    assert kb.successor("SOP-OPS-003") is None  # in force: no successor
    assert kb.successor("SOP-OPS-009") is None  # unknown


def test_a_chain_that_loops_or_ends_nowhere_resolves_to_nothing():
    loop = _kb(_doc("SOP-OPS-001", "retired", ("SOP-OPS-002",)), _doc("SOP-OPS-002", "retired", ("SOP-OPS-001",)))
    assert loop.successor("SOP-OPS-001") is None
    dead = _kb(_doc("SOP-OPS-001", "retired", ("SOP-OPS-002",)), _doc("SOP-OPS-002", "retired"))
    assert dead.successor("SOP-OPS-001") is None
    missing = _kb(_doc("SOP-OPS-001", "retired", ("SOP-OPS-002",)))
    assert missing.successor("SOP-OPS-001") is None


def test_only_a_retired_document_has_a_successor():
    with pytest.raises(ValidationError, match="only a retired document has replaced_by"):
        _doc("SOP-OPS-001", "approved", ("SOP-OPS-002",))
