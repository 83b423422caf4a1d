"""`kb new TYPE --department D --title T`: scaffold a draft document with the next free id."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import click

from ..authority import owner_problem
from ..checks import run_checks
from ..config import document_path
from ..edit.atomic import write_below
from ..edit.scaffold import default_owner, next_id, scaffold
from ..findings import Finding, KBError
from ..kb import DocEntry, KnowledgeBase
from ..load.loader import load_text
from ..load.validation import did_you_mean
from ..models import DOC_TYPES, DocType
from .common import root_option, today_option, writing


@click.command("new")
@click.argument("doc_type", metavar="TYPE", type=click.Choice(DOC_TYPES))
@click.option("--department", required=True, metavar="D", help="Department id from org/departments.yaml.")
@click.option("--title", required=True, metavar="T", callback=lambda ctx, param, value: one_line_title(value),
              help="The document's title: one line of text.")
@click.option("--owner", metavar="REF", help="person:<id> or team:<id> (default: a team of the department).")
@today_option
@root_option
def new(doc_type: DocType, department: str, title: str, owner: str | None, today: dt.date,
        root: Path | None) -> int:
    """Create a draft document with the next free id and the sections its type needs.

    The new file is checked as `kb check` would check it before it is
    written; a title that would make it fail is refused, and nothing is written.
    """
    with writing(root) as kb:
        dept = kb.departments.get(department)
        if dept is None:
            raise KBError(f"unknown department {department!r}{did_you_mean(department, kb.departments)}")
        if owner is None:
            owner = default_owner(kb, department)
        elif problem := owner_problem(kb, owner):
            raise KBError(f"cannot own a document: {problem[1]}")
        ident = next_id(kb, doc_type, dept.model.id_code)
        rel = document_path(department, ident)
        text = scaffold(ident, doc_type, title, department, owner, today)
        if problems := scaffold_problems(kb, rel, text, today):
            raise KBError(f"refusing to write {rel}: it would not pass kb check: "
                          + "; ".join(f.format() for f in problems))
        write_below(kb.root, rel, text, create_dirs=True, exclusive=True)
    click.echo(f"created {rel} ({ident}, draft, owner {owner})")
    return 0


def one_line_title(value: str) -> str:
    """The title, stripped; a usage error when it is empty or not one line of printable text."""
    title = value.strip()
    if not title:
        raise click.BadParameter("the title is empty", param_hint="'--title'")
    for i, c in enumerate(title, 1):
        if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS:
            name = unicodedata.name(c, "a control character")
            raise click.BadParameter(f"the title must be one line of text; character {i} is U+{ord(c):04X} "
                                     f"({name})", param_hint="'--title'")
    return title


# Characters that reorder the text around them on screen (the "Trojan Source" ones).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def scaffold_problems(kb: KnowledgeBase, rel: str, text: str, today: dt.date) -> list[Finding]:
    """What `kb check` would report about `text` as the new file `rel` (nothing, for a scaffold that is fine)."""
    entry, findings = load_text(kb, rel, text)
    if entry is None or findings:
        return findings or [Finding(rel, 0, 0, "error", "invalid-record", "the new document does not load")]
    assert isinstance(entry, DocEntry)
    kb.docs[entry.model.id] = entry
    kb.files.append(rel)
    try:
        return [f for f in run_checks(kb, today) if f.path == rel]
    finally:
        del kb.docs[entry.model.id]
        kb.files.remove(rel)
