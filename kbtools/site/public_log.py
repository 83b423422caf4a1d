"""What a build reports of `kb check`'s findings: the public build only those about public content.

The internal build (and `kb check` in CI) reports every finding. The public
build reports the findings about the documents and training it publishes and
about kb.yml, and its log names nothing the public site does not show: a
message about a public document that names an internal document, account,
training, person or team has that name replaced. Everything else is counted,
not shown.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..config import CONFIG_FILE
from ..findings import Finding
from ..kb import KnowledgeBase
from .annotate import LeakGuard, written_forms
from .view import SiteView

HIDDEN = "(not public)"


def hidden_people(kb: KnowledgeBase, view: SiteView) -> set[str]:
    """The ids, references, names and addresses of the people and teams the view leaves out (a
    message may quote a bare id: "unknown person 'petr', did you mean 'petra'?")."""
    names: set[str] = set()
    for ident, person in kb.people.items():
        if ident not in view.people:
            names |= {ident, f"person:{ident}", person.model.name, person.model.email}
    for ident, team in kb.teams.items():
        if ident not in view.teams:
            names |= {ident, f"team:{ident}", team.model.name}
    return names


def shown_findings(kb: KnowledgeBase, view: SiteView, findings: list[Finding],
                   guard: LeakGuard | None) -> tuple[list[Finding], int]:
    """The findings a build of `view` reports, and how many it leaves to the internal build; `guard`
    finds the build's hidden documents, training and accounts (None on the staff site)."""
    if view.internal or guard is None:
        return findings, 0
    paths = {e.path for e in view.docs.values()} | {CONFIG_FILE}
    shown_training = {t.id for t in view.training}
    paths |= {e.path for i, e in kb.training.items() if i in shown_training}
    kept = [f for f in findings if f.path in paths]
    if not kept:
        return kept, len(findings)
    people = {form for name in hidden_people(kb, view) for form in written_forms(name)}
    patterns = [guard.pattern]  # documents, training and accounts
    if people:
        words = "|".join(re.escape(n) for n in sorted(people, key=len, reverse=True))
        patterns.append(re.compile(rf"(?<![\w-])(?:{words})(?![\w-])"))  # whole words: an id may be one
    for pattern in patterns:
        if pattern is not None:
            kept = [replace(f, message=pattern.sub(HIDDEN, f.message)) for f in kept]
    return kept, len(findings) - len(kept)
