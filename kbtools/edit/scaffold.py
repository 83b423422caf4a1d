"""A new record's next free id (documents and accounts); a new document's default owner and skeleton."""

from __future__ import annotations

import datetime as dt
import html
import re

from ..authority import owner_problem
from ..config import RecordKind
from ..findings import KBError
from ..kb import KnowledgeBase
from ..models import DOC_PREFIX, DocType
from .inplace import yaml_scalar

SECTIONS = {
    "sop": ["Purpose", "Scope", "Roles and responsibilities", "Procedure", "Related documents"],
    "policy": ["Purpose", "Scope", "Policy", "Roles and responsibilities", "Compliance and exceptions", "Review"],
    "process": ["Overview", "Inputs and triggers", "Process flow", "Outputs", "Related documents"],
    "template": ["How to use this template", "Steps", "Approvals"],
    "article": ["Summary", "What to do", "Still need help?"],
}


def next_id(kb: KnowledgeBase, doc_type: DocType, code: str) -> str:
    """The next free id of a document of this type and department (SOP-CSC-004)."""
    return free_ids(kb, "document", f"{DOC_PREFIX[doc_type]}-{code}-", 3, 1)[0]


def next_account_ids(kb: KnowledgeBase, count: int) -> list[str]:
    """The next `count` free account ids, in order (ACC-00125, ACC-00126, ...)."""
    return free_ids(kb, "account", "ACC-", 5, count)


def free_ids(kb: KnowledgeBase, kind: RecordKind, prefix: str, digits: int, count: int) -> list[str]:
    """The `count` numbers after every id with this prefix, valid or broken (ids are never reused)."""
    pattern = re.compile(re.escape(prefix) + rf"(\d{{{digits}}})$")
    broken = [b.partition(":")[2] for b in kb.broken if b.startswith(f"{kind}:")]
    used = [int(m.group(1)) for ident in (*kb.table(kind), *broken) if (m := pattern.match(ident))]
    first = max(used, default=0) + 1
    if first + count - 1 >= 10 ** digits:
        raise KBError(f"no free id left after {prefix}{'9' * digits}"
                      + (f" for {count} new records" if count > 1 else ""))
    return [f"{prefix}{n:0{digits}d}" for n in range(first, first + count)]


def default_owner(kb: KnowledgeBase, department: str) -> str:
    """The first team of the department that has an active member."""
    for team_id, team in kb.teams.items():
        if team.model.department == department and owner_problem(kb, f"team:{team_id}") is None:
            return f"team:{team_id}"
    raise KBError(f"department {department!r} has no team with an active member; give --owner")


def scaffold(ident: str, doc_type: DocType, title: str, department: str, owner: str, today: dt.date) -> str:
    """The text of a new draft document: front matter that passes `kb check`, and its type's sections."""
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
    body = [f"# {heading_text(title)}", ""]
    for section in SECTIONS[doc_type]:
        body += [f"## {section}", "", "To be written.", ""]
    return "\n".join([*front, "---", "", *body])


_MARKDOWN = re.compile(r"([\\`*_\[\]()#|~])")


def heading_text(title: str) -> str:
    """The title as the text of a Markdown heading that shows it as it is: markup is escaped
    (`<`, `>`, `&` as entities; emphasis, code, links, `#` with a backslash)."""
    return _MARKDOWN.sub(r"\\\1", html.escape(title, quote=False))
