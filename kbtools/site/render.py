"""HTML for generated pages: Jinja templates with autoescaping, and the helpers they use.

Every value from the knowledge base reaches HTML through a template with
autoescape on, or through `markupsafe.escape`; nothing is pasted in raw.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from jinja2 import Environment
from markupsafe import Markup, escape
from mkdocs.structure.toc import AnchorLink

from ..kb import split_ref
from ..templates import environment
from . import urls
from .htmltext import as_html, text_of
from .view import SiteView

MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")
TYPE_NAMES = {"sop": "SOPs", "policy": "Policies", "process": "Processes",
              "template": "Templates", "article": "Articles"}
TYPE_NAME = {"sop": "SOP", "policy": "Policy", "process": "Process",
             "template": "Template", "article": "Article"}
STATE_LABEL = {"ok": "Current", "due-soon": "Due soon", "overdue": "Overdue", "future": "Date in the future"}
STATE_CLASS = {"ok": "current", "due-soon": "due-soon", "overdue": "overdue", "future": "overdue"}


def date_text(day: dt.date) -> str:
    """Unambiguous in every locale: 14 September 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_html(day: dt.date | None) -> Markup:
    if day is None:
        return Markup("&mdash;")
    return Markup(f'<time datetime="{day.isoformat()}">{escape(date_text(day))}</time>')


def days_text(days: int | None) -> str:
    if days is None:
        return ""
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


class Links:
    """Relative links from one page to the others, by source path."""

    def __init__(self, view: SiteView, page_url: str, url_of: Callable[[str], str | None]):
        self.view = view
        self._url_of = url_of
        self._up = "../" * page_url.count("/")  # from this page up to the site root

    def href(self, src: str, anchor: str | None = None) -> str | None:
        url = self._url_of(src)
        if url is None:
            return None
        rel = self._up + url or "./"
        return f"{rel}#{anchor}" if anchor else rel

    def static(self, path: str) -> str:
        """A relative link to a file the build writes beside the pages (not a page)."""
        return self._up + path

    def link(self, src: str, text: str, anchor: str | None = None, cls: str | None = None) -> Markup:
        href = self.href(src, anchor)
        if href is None:
            return escape(text)
        # f-strings with escape(), as Markup.format would escape (its formatter is slow: a page has hundreds)
        attrs = f' class="{escape(cls)}"' if cls else ""
        return Markup(f'<a href="{escape(href)}"{attrs}>{escape(text)}</a>')

    def doc(self, doc_id: str, with_title: bool = False, anchor: str | None = None) -> Markup:
        """A link to a document the audience sees; anything else is its id as text."""
        entry = self.view.docs.get(doc_id)
        if entry is None:
            return escape(doc_id)
        text = f"{doc_id} {entry.model.title}" if with_title else doc_id
        return self.link(urls.doc(doc_id), text, anchor)

    def name(self, ref: str) -> str:
        kind, _, ident = ref.partition(":")
        if kind == "role":
            role = self.view.roles.get(ident)
            if role is None:
                return ref
            abbr = role.model.abbreviation
            return f"{role.model.name} ({abbr})" if abbr else role.model.name
        return self.view.display_name(ref)

    def ref(self, ref: str) -> Markup:
        """A person, team or role by name; linked to the owner page where the build has one."""
        found = split_ref(ref)
        name = self.name(ref)
        owner = found is not None and found[0] in ("person", "team") and found[1] in self.view.table(found[0])
        if not owner or not self.view.internal:
            return escape(name)
        return self.link(urls.owner(ref), name)

    def role(self, role_id: str) -> Markup:
        return escape(self.name(f"role:{role_id}"))

    def department(self, dept_id: str) -> Markup:
        dept = self.view.departments.get(dept_id)
        return self.link(urls.department(dept_id), dept.model.name if dept else dept_id)


def _review_badge(state: str | None) -> Markup:
    if state is None:
        return Markup("&mdash;")
    return Markup(f'<span class="kb-badge kb-badge--{escape(STATE_CLASS[state])}">{escape(STATE_LABEL[state])}</span>')


def _environment() -> Environment:
    env = environment("kbtools.site")
    env.filters["date"] = date_html
    env.filters["days"] = days_text
    env.filters["badge"] = _review_badge
    env.globals.update(
        urls=urls, TYPE_NAMES=TYPE_NAMES, TYPE_NAME=TYPE_NAME,
        STATE_LABEL=STATE_LABEL, STATE_CLASS=STATE_CLASS,
    )
    return env


ENV = _environment()


def render(template: str, **context: object) -> str:
    return ENV.get_template(template).render(**context)


# -- table of contents -------------------------------------------------------

# A heading with an id, or a step's heading naming its step's anchor (`data-kb-toc`, which the sanitiser
# keeps out of document bodies). Never past the next tag: linear.
_HEADING = re.compile(r'<h([23]) (?:id|data-kb-toc)="([^"<>]+)"[^<>]*>')
_ID = re.compile(r'\sid="([^"]+)"')


def toc_entries(html: str) -> list[AnchorLink]:
    """h2/h3 headings with ids, nested, for MkDocs' table of contents; titles as escaped text.
    A document's steps are h3 headings under its Steps heading, so they are listed under it.

    One pass: each heading's end is found from where its start tag ends, and the search
    goes on from there (a heading that never ends ends the scan), so no text is read twice.
    """
    out: list[AnchorLink] = []
    pos = 0
    while (found := _HEADING.search(html, pos)) is not None:
        level, ident = found.group(1), found.group(2)
        end = html.find(f"</h{level}>", found.end())
        if end < 0:
            break
        pos = end + 5
        title = as_html(text_of(html[found.end():end]).replace("\u00b6", "").strip())  # no permalink sign
        link = AnchorLink(title, ident, int(level))
        if link.level == 3 and out:
            out[-1].children.append(link)
        else:
            out.append(link)
    return out


def anchor_ids(html: str) -> set[str]:
    return set(_ID.findall(html))
