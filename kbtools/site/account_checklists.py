"""The procedures that apply to an account, and its checklists filled in for it (staff site only).

Every account is reviewed from `account_review_checklist` (kb.yml), with that
document's periodic-review steps; an account in transition is handed over by
`account_transition_checklist`. The build publishes a checklist filled in for an
account only where the account needs one: the review checklist of an active
account whose tier's review the policy sets (tiers not in `account_review_local`;
tier 1 and 2), and the transition checklist of an account in transition,
counted from the day its transition started. They are the files `kb checklist
DOC --account ACC` writes, at `checklists/<account>.<doc>[.<run>].<fmt>`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from .. import models
from ..checklist.build import build as build_checklist
from ..checklist.build import runs_of
from ..checklist.render import render
from ..findings import ContentError, KBError
from . import urls
from .downloads import CHECKLIST_FORMATS, _write
from .view import SiteView

log = logging.getLogger("mkdocs.plugins.kb")


@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure an account follows, and whether the site has its checklist filled in for the account."""

    kind: str  # review | transition
    doc_id: str
    run: models.Run | None
    filled: bool
    start: dt.date

    @property
    def run_name(self) -> str | None:
        return models.RUN_NAMES[self.run] if self.run else None

    def files(self, account_id: str) -> dict[str, str]:
        """The filled-in checklist's files by format (none when the site has no such checklist)."""
        if not self.filled:
            return {}
        return {fmt: urls.account_checklist(account_id, self.doc_id, fmt, self.run) for fmt in CHECKLIST_FORMATS}


ChecklistDoc = tuple[str, models.Run | None]  # a document's id and the run of its steps a checklist takes


def checklist_doc(view: SiteView, doc_id: str | None, run: models.Run | None = None) -> ChecklistDoc | None:
    """The document a setting names, when the audience sees it and it makes checklists, with the run
    of its steps to take (`run`, when the document divides its steps into runs)."""
    entry = view.docs.get(doc_id) if doc_id else None
    if entry is None or not entry.model.steps or entry.model.status == "retired":
        return None
    return entry.model.id, run if run in runs_of(entry.model) else None


def procedures(view: SiteView, account: models.Account) -> list[Procedure]:
    """The account's procedures: its review, and its transition while it is in one."""
    found = []
    config = view.config
    review = checklist_doc(view, config.account_review_checklist, "review")
    if review is not None:
        needs = account.status != "closed" and account.tier not in config.account_review_local
        found.append(Procedure("review", *review, filled=needs, start=view.today))
    transition = checklist_doc(view, config.account_transition_checklist)
    if transition is not None and account.status == "transitioning" and account.transition is not None:
        found.append(Procedure("transition", *transition, filled=True, start=account.transition.started))
    return found


def write_account_checklists(view: SiteView, site_dir: Path) -> list[str]:
    """Every filled-in checklist the account pages link to. Returns the files written, relative to
    `site_dir`. One that cannot be filled in (a role nobody on the account or in the registry holds)
    is a warning, so `mkdocs build --strict` fails on it."""
    written: list[str] = []
    if not view.accounts:
        return written
    records = view.knowledge_base(site_dir)
    for account_id, entry in view.accounts.items():
        for procedure in procedures(view, entry.model):
            files = procedure.files(account_id)
            if not files:
                continue
            try:
                checklist = build_checklist(records, procedure.doc_id, account_id=account_id, start=procedure.start,
                                            today=view.today, run=procedure.run)
            except (ContentError, KBError) as exc:
                log.warning("kb: %s: the %s checklist (%s) cannot be filled in for it: %s", entry.path,
                            procedure.kind, procedure.doc_id, exc)
                continue
            for fmt, rel in files.items():
                _write(site_dir / rel, render(checklist, fmt))
                written.append(rel)
    return written
