"""`kb new TYPE --department D --title T`: scaffold a draft document with the next free id."""

from __future__ import annotations

import html
import re

import click

from ..authority import owner_problem
from ..edit import yaml_scalar
from ..fileio import write_atomic
from ..findings import KBError
from ..kb import KnowledgeBase, load_text
from ..models import DOC_PREFIX, DOC_TYPES
from ..validation import did_you_mean
from .common import open_kb, root_option, today_option

SECTIONS = {
    "sop": ["Purpose", "Scope", "Roles and responsibilities", "Procedure", "Related documents"],
    "policy": ["Purpose", "Scope", "Policy", "Roles and responsibilities", "Compliance and exceptions", "Review"],
    "process": ["Overview", "Inputs and triggers", "Process flow", "Outputs", "Related documents"],
    "template": ["How to use this template", "Steps", "Approvals"],
    "article": ["Summary", "What to do", "Still need help?"],
}


def next_id(kb: KnowledgeBase, doc_type: str, code: str) -> str:
    """The next number after every id with this prefix, valid or broken (ids are never reused)."""
    prefix = f"{DOC_PREFIX[doc_type]}-{code}-"
    pattern = re.compile(re.escape(prefix) + r"(\d{3})$")
    broken = [b.partition(":")[2] for b in kb.broken if b.startswith("doc:")]
    used = [int(m.group(1)) for ident in (*kb.docs, *broken) if (m := pattern.match(ident))]
    number = max(used, default=0) + 1
    if number > 999:
        raise KBError(f"no free id left after {prefix}999")
    return f"{prefix}{number:03d}"


def _default_owner(kb: KnowledgeBase, department: str) -> str:
    for team_id, team in kb.teams.items():
        if team.model.department == department and owner_problem(kb, f"team:{team_id}") is None:
            return f"team:{team_id}"
    raise KBError(f"department {department!r} has no team with an active member; give --owner")


def scaffold(ident: str, doc_type: str, title: str, department: str, owner: str, today) -> str:
    audience = "public" if doc_type == "article" else "internal"
    front = [
        "---",
        f"id: {ident}",
        f"title: {yaml_scalar(title)}",
        f"type: {doc_type}",
        "status: draft",
        f"department: {department}",
        f"owner: {owner}",
        f"audience: {audience}",
        'version: "0.1"',
        f"effective: {today.isoformat()}",
        "summary: One or two sentences on what this is for.",
        "changelog:",
        '  - version: "0.1"',
        f"    date: {today.isoformat()}",
        "    summary: First draft.",
    ]
    if doc_type in ("sop", "template", "process"):
        front[-4:-4] = ["steps:", "  - id: first-step", "    title: Describe the first step"]
    body = [f"# {html.escape(title, quote=False)}", ""]
    for section in SECTIONS[doc_type]:
        body += [f"## {section}", "", "To be written.", ""]
    return "\n".join(front + ["---", ""] + body)


@click.command("new")
@click.argument("doc_type", metavar="TYPE", type=click.Choice(DOC_TYPES))
@click.option("--department", required=True, metavar="D", help="Department id from org/departments.yaml.")
@click.option("--title", required=True, metavar="T", help="The document's title.")
@click.option("--owner", metavar="REF", help="person:<id> or team:<id> (default: a team of the department).")
@today_option
@root_option
def command(doc_type, department, title, owner, today, root):
    """Create a draft document with the next free id and the sections its type needs."""
    kb = open_kb(root)
    dept = kb.departments.get(department)
    if dept is None:
        raise KBError(f"unknown department {department!r}{did_you_mean(department, kb.departments)}")
    if not title.strip():
        raise click.BadParameter("the title is empty", param_hint="'--title'")
    if owner is None:
        owner = _default_owner(kb, department)
    elif problem := owner_problem(kb, owner):
        raise KBError(f"cannot own a document: {problem[1]}")
    ident = next_id(kb, doc_type, dept.model.id_code)
    rel = f"sops/{department}/{ident}.md"
    if (kb.root / rel).exists():
        raise KBError(f"{rel} already exists")
    text = scaffold(ident, doc_type, title.strip(), department, owner, today)
    entry, findings = load_text(kb, rel, text)
    if entry is None or findings:  # pragma: no cover - the scaffold is always valid
        raise KBError(f"the scaffold does not load: {findings[0].format() if findings else 'unknown'}")
    write_atomic(kb.root / rel, text)
    click.echo(f"created {rel} ({ident}, draft, owner {owner})")
    return 0
