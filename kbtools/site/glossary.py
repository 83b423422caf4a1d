"""The glossary page's A-Z index: the terms under the letter they start with."""

from __future__ import annotations

import string

from .. import models

OTHER = "#"  # terms that start with a digit or a sign


def letter_of(term: str) -> str:
    first = term.strip()[:1].upper()
    return first if first in string.ascii_uppercase else OTHER


def letter_anchor(letter: str) -> str:
    return "kb-letter-other" if letter == OTHER else f"kb-letter-{letter.lower()}"


def by_letter(terms: list[models.Term]) -> dict[str, list[models.Term]]:
    """Every letter A-Z (and `#` when a term needs it), in order, with its terms (maybe none)."""
    groups: dict[str, list[models.Term]] = {letter: [] for letter in string.ascii_uppercase}
    for term in sorted(terms, key=lambda t: t.term.casefold()):
        groups.setdefault(letter_of(term.term), []).append(term)
    return groups
