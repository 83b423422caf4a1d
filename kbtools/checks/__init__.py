"""Checks: small functions that read the knowledge base and yield findings.

Each module registers its checks with `@check`; `run_checks` runs them all.
Codes are stable: tools and people filter on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from ..findings import Finding
from ..kb import KnowledgeBase
from ..load.validation import did_you_mean

# Did-you-mean hints per file: each compares a value with every record of its kind, so a file
# with thousands of unknown references would cost thousands times the knowledge base.
HINTS_PER_FILE = 20


@dataclass(frozen=True, slots=True)
class Context:
    kb: KnowledgeBase
    today: dt.date
    hints: dict[str, int] = field(default_factory=dict)  # path -> hints given

    def hint(self, path: str, word: str, choices: Iterable[object]) -> str:
        """`did_you_mean`, for the first HINTS_PER_FILE unknown values of a file; "" after that."""
        given = self.hints.get(path, 0)
        if given >= HINTS_PER_FILE:
            return ""
        self.hints[path] = given + 1
        return did_you_mean(word, choices)


CheckFn = Callable[[Context], Iterable[Finding]]
CHECKS: list[tuple[str, CheckFn]] = []
F = TypeVar("F", bound=CheckFn)


def check(name: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        CHECKS.append((name, fn))
        return fn

    return register


def run_checks(kb: KnowledgeBase, today: dt.date) -> list[Finding]:
    """Load findings plus every check's findings, sorted by file and line."""
    from . import help_centre, ids, journal, ownership, references, reviews, safety  # noqa: F401  (registers)

    ctx = Context(kb, today)
    findings = list(kb.findings)
    for _name, fn in CHECKS:
        findings.extend(fn(ctx))
    findings.sort(key=Finding.sort_key)
    return findings
