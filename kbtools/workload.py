"""Who owns what, and how much of it is overdue or due soon.

One count serves `kb owners` (every owner in the knowledge base) and the
site's owners directory and review dashboard (what one audience sees).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .kb import Entry
from .reviews import ReviewItem


@dataclass(slots=True)
class Workload:
    owner: str  # person:<id> or team:<id>
    documents: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    overdue: int = 0  # overdue, or reviewed on a date after today
    due_soon: int = 0

    @property
    def total(self) -> int:
        """What the workload limit counts: documents and accounts."""
        return len(self.documents) + len(self.accounts)


def workloads(docs: Iterable[Entry[Any]], accounts: Iterable[Entry[Any]], training: Iterable[Entry[Any]],
              reviews: Iterable[ReviewItem]) -> dict[str, Workload]:
    """Per owner reference, what they own (ids in the order given) and how much of it is due."""
    out: dict[str, Workload] = {}

    def of(ref: str) -> Workload:
        return out.setdefault(ref, Workload(ref))

    for entry in docs:
        of(entry.model.owner).documents.append(entry.model.id)
    for entry in accounts:
        of(entry.model.owner).accounts.append(entry.model.id)
    for entry in training:
        of(entry.model.owner).training.append(entry.model.id)
    for item in reviews:
        if item.state in ("overdue", "future"):
            of(item.owner).overdue += 1
        elif item.state == "due-soon":
            of(item.owner).due_soon += 1
    return out
