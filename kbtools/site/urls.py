"""Where every generated page lives: source paths derived from ids, never from files.

A document's page is `sops/<id in lower case>.md`, published at
`/sops/<id>/`, so moving or renaming its file in `sops/` never breaks a link.
"""

from __future__ import annotations

import posixpath

HOME = "index.md"
DEPARTMENTS = "departments/index.md"
TYPES = "types/index.md"
TAGS = "tags.md"
OWNERS = "owners/index.md"
REVIEWS = "reviews.md"
GLOSSARY = "glossary.md"
ACCOUNTS = "accounts/index.md"
GAPS = "gaps.md"  # "Report a knowledge gap", internal builds only


def doc(doc_id: str) -> str:
    return f"sops/{doc_id.lower()}.md"


def department(dept_id: str) -> str:
    return f"departments/{dept_id}/index.md"  # an index: the department's navigation section opens on it


def topic(topic_id: str) -> str:
    return f"topics/{topic_id}/index.md"  # a help centre topic (public builds): its navigation section opens on it


def doc_type(type_id: str) -> str:
    return f"types/{type_id}.md"


def owner(ref: str) -> str:
    kind, _, ident = ref.partition(":")
    return f"owners/{kind}-{ident}.md"


def account(account_id: str) -> str:
    return f"accounts/{account_id.lower()}.md"


def checklist(doc_id: str, fmt: str, run: str | None = None) -> str:
    """A document's blank checklist, a static file beside the pages (md, csv or html); of one run's steps
    (`setup`, `review`) when `run` is given."""
    return f"checklists/{doc_id.lower()}.{run}.{fmt}" if run else f"checklists/{doc_id.lower()}.{fmt}"


def account_checklist(account_id: str, doc_id: str, fmt: str, run: str | None = None) -> str:
    """A document's checklist filled in for one account (the account pages link to it), beside the blank ones:
    `checklists/<account>.<doc>[.<run>].<fmt>` (no document id starts like an account id)."""
    return checklist(f"{account_id}.{doc_id}", fmt, run)


def step_anchor(step_id: str) -> str:
    return f"step-{step_id}"


def tag_anchor(tag: str) -> str:
    return f"tag-{tag}"


def term_anchor(term: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in term.casefold()).strip("-")
    return f"term-{slug}"


def relative_src(target_src: str, from_src: str) -> str:
    """A Markdown link from one source file to another (MkDocs resolves it to a URL)."""
    return posixpath.relpath(target_src, posixpath.dirname(from_src) or ".")


def published(src: str) -> str:
    """Where a page's source is published (directory URLs): `sops/sop-x-001.md` -> `sops/sop-x-001/`."""
    stem = src.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"
