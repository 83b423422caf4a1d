"""`kb new TYPE --department D --title T`: scaffold a draft document with the next free id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..authority import owner_problem
from ..edit.atomic import write_below
from ..edit.scaffold import default_owner, next_id, scaffold
from ..findings import KBError
from ..load.loader import load_text
from ..load.validation import did_you_mean
from ..models import DOC_TYPES, DocType
from .common import root_option, today_option, writing


@click.command("new")
@click.argument("doc_type", metavar="TYPE", type=click.Choice(DOC_TYPES))
@click.option("--department", required=True, metavar="D", help="Department id from org/departments.yaml.")
@click.option("--title", required=True, metavar="T", help="The document's title.")
@click.option("--owner", metavar="REF", help="person:<id> or team:<id> (default: a team of the department).")
@today_option
@root_option
def new(doc_type: DocType, department: str, title: str, owner: str | None, today: dt.date,
        root: Path | None) -> int:
    """Create a draft document with the next free id and the sections its type needs."""
    if not title.strip():
        raise click.BadParameter("the title is empty", param_hint="'--title'")
    with writing(root) as kb:
        dept = kb.departments.get(department)
        if dept is None:
            raise KBError(f"unknown department {department!r}{did_you_mean(department, kb.departments)}")
        if owner is None:
            owner = default_owner(kb, department)
        elif problem := owner_problem(kb, owner):
            raise KBError(f"cannot own a document: {problem[1]}")
        ident = next_id(kb, doc_type, dept.model.id_code)
        rel = f"sops/{department}/{ident}.md"
        text = scaffold(ident, doc_type, title.strip(), department, owner, today)
        entry, findings = load_text(kb, rel, text)
        if entry is None or findings:  # pragma: no cover - the scaffold is always valid
            raise KBError(f"the scaffold does not load: {findings[0].format() if findings else 'unknown'}")
        write_below(kb.root, rel, text, create_dirs=True, exclusive=True)
    click.echo(f"created {rel} ({ident}, draft, owner {owner})")
    return 0
