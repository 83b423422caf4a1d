"""The site benchmark's baseline: the plugin's pages as hand-written Markdown.

bench/site.py asks what the `kb` plugin costs over a site an author would
have written by hand. This module writes that site: every page the plugin
generates, written out beforehand, each document's body with its metadata,
review banner, roles, steps, related documents and history as plain Markdown,
and the generated listings as the HTML the plugin makes, with the same theme,
features, extensions and navigation and only the search plugin. The plain
pages carry no glossary tooltips, so the plugin's tooltip work counts
against it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import yaml

from kbtools import models
from kbtools.kb import KnowledgeBase
from kbtools.site import urls
from kbtools.site.nav import build_nav
from kbtools.site.pages import all_pages
from kbtools.site.render import TYPE_NAME, Links, date_text
from kbtools.site.sop_page import banner, step_views
from kbtools.site.view import SiteView, build_view


def page_url(src: str) -> str:
    """The URL MkDocs gives a source path with use_directory_urls."""
    stem = src[:-3]
    if stem == "index":
        return ""
    return (stem[: -len("index")] if stem.endswith("/index") else stem + "/")


def md_cell(text: object) -> str:
    """`text` made safe for one Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_link(text: str, target: str, src: str) -> str:
    """A Markdown link from page `src` to page `target`."""
    return f"[{md_cell(text)}]({urls.relative_src(target, src)})"


def head_lines(view: SiteView, doc: models.Sop, body: str) -> list[str]:
    """Title, review banner, metadata table, summary and body."""
    src = urls.doc(doc.id)
    b = banner(view, doc)
    owner = md_link(view.display_name(doc.owner), urls.owner(doc.owner), src)
    dept = md_link(view.departments[doc.department].model.name, urls.department(doc.department), src)
    due = date_text(b.due) if b.due else "-"
    return [
        f"# {doc.title}", "",
        f'!!! note "Review: {b.state}"',
        f"    Last reviewed {date_text(doc.last_reviewed)}; next review due {due}.", "",
        "| ID | Type | Status | Version | Department | Owner | Effective | Last review | Next review |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| `{doc.id}` | {TYPE_NAME[doc.type]} | {doc.status} | {doc.version} | {dept} | {owner} "
        f"| {date_text(doc.effective)} | {date_text(doc.last_reviewed)} | {due} |", "",
        md_cell(doc.summary or ""), "",
        body.split("\n", 1)[1] if body.startswith("# ") else body, "",
    ]


def roles_lines(view: SiteView, doc: models.Sop) -> list[str]:
    if not doc.roles:
        return []
    out = ["## Roles and responsibilities", "", "| Role | Responsibilities |", "|---|---|"]
    out += [f"| {md_cell(view.display_name('role:' + d.role))} | {'<br>'.join(map(md_cell, d.responsibilities))} |"
            for d in doc.roles]
    return [*out, ""]


def steps_lines(view: SiteView, doc: models.Sop) -> list[str]:
    """Each step as a heading with its role, approval gate, guidance and checklist items."""
    if not doc.steps:
        return []
    out = ["## Steps", ""]
    for s in step_views(doc):
        out += [f"### Step {s.number} {s.step.title} {{#{urls.step_anchor(s.step.id)}}}", ""]
        if s.step.role:
            out += [f"Role: {view.display_name('role:' + s.step.role)}", ""]
        if s.step.approval:
            covers = ", ".join(f"[Step {c.number}](#{urls.step_anchor(c.step.id)})" for c in s.covers)
            out += ['!!! note "Approval gate"',
                    f"    Approved by {view.display_name(s.step.approval.by)}. Covers {covers}.", ""]
        if s.step.guidance:
            out += [s.step.guidance, ""]
        out += [f"- [ ] {text}" for text, _ in s.items()] + [""]
    return out


def related_lines(view: SiteView, doc: models.Sop) -> list[str]:
    related = [r for r in doc.related if r in view.docs]
    if not related:
        return []
    src = urls.doc(doc.id)
    return ["## Related documents", ""] + [
        f"- {md_link(r + ' ' + view.docs[r].model.title, urls.doc(r), src)}" for r in related] + [""]


def history_lines(doc: models.Sop) -> list[str]:
    if not doc.changelog:
        return []
    out = ["## Document history", "", "| Version | Date | Change |", "|---|---|---|"]
    return out + [f"| {c.version} | {date_text(c.date)} | {md_cell(c.summary)} |" for c in doc.changelog] + [""]


def plain_document(view: SiteView, doc_id: str) -> str:
    """A document's page as an author would write it by hand."""
    entry = view.docs[doc_id]
    doc = entry.model
    return "\n".join(head_lines(view, doc, entry.body.lstrip()) + roles_lines(view, doc) + steps_lines(view, doc)
                     + related_lines(view, doc) + history_lines(doc))


def plain_config(kb_root: Path, view: SiteView) -> str:
    """The knowledge base's mkdocs.yml with the search plugin alone and the plugin's navigation written out."""
    config = yaml.safe_load((kb_root / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV ", ""))
    config["plugins"] = ["search"]
    config["nav"] = json.loads(json.dumps(build_nav(view, ["authoring.md"])))  # its titles are Markup: as plain str
    return yaml.safe_dump(config, sort_keys=False)


def write_plain(kb: KnowledgeBase, today: dt.date, plain: Path) -> int:
    """Write the plain site of `kb` (internal audience) into `plain`; returns its number of pages."""
    view = build_view(kb, "internal", today)
    pages = all_pages(view, "Northwind knowledge base")
    url_of = {p.src: page_url(p.src) for p in pages}
    docs = plain / "docs"
    shutil.copytree(kb.root / "docs", docs)
    for page in pages:
        if page.markdown:
            text = plain_document(view, page.src[len("sops/"):-3].upper())
        else:
            text = page.render(Links(view, url_of[page.src], url_of.get), "")
        target = docs / page.src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
    (plain / "mkdocs.yml").write_text(plain_config(kb.root, view), encoding="utf-8")
    return sum(1 for _ in docs.rglob("*.md"))
