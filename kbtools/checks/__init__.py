"""Checks: small functions that read the knowledge base and yield findings.

Each module registers its checks with `@check`; `run_checks` runs them all.
Codes are stable: tools and people filter on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from ..findings import Finding
from ..kb import KnowledgeBase


@dataclass(frozen=True, slots=True)
class Context:
    kb: KnowledgeBase
    today: dt.date


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
    from . import ids, journal, ownership, references, reviews, safety  # noqa: F401  (registers)

    ctx = Context(kb, today)
    findings = list(kb.findings)
    for _name, fn in CHECKS:
        findings.extend(fn(ctx))
    findings.sort(key=Finding.sort_key)
    return findings
