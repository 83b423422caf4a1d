"""Glossary tooltips, links to documents by id, and the public-build leak guard.

`Annotator` walks the text of a rendered page (never inside links, code,
headings or other markup) and

- wraps every glossary term the audience may see in `<abbr title="...">`,
  which Material shows as a tooltip (`content.tooltips`) on hover and on
  focus: `tabindex="0"` lets the keyboard (Tab) and a tap reach it;
- links every mention of a visible document id (`SOP-CSC-001`) to its page.

In Markdown, `[text](SOP-CSC-001)` or `[text](SOP-CSC-001#step-x)` links to a
document by id, so the link survives the file moving (`rewrite_id_links`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable

from markupsafe import escape

from .. import models
from ..kb import KnowledgeBase
from . import urls
from .view import SiteView

DOC_ID = models.DOC_ID
_DOC_ID = re.compile(DOC_ID)
# A tag, quoted attribute values included. Unrolled (a run of plain characters, then a quoted value,
# ...) and stopping at a `<` outside quotes, so an attempt never scans past the next tag: linear.
_TAG = re.compile(r"""<[^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")
_SKIP = frozenset({"a", "abbr", "code", "pre", "kbd", "samp", "script", "style", "svg", "textarea",
                   "h1", "h2", "h3", "h4", "h5", "h6", "time", "button", "select", "datalist"})
_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
# `[text](SOP-X-001#anchor)`; the text holds no `[`, so an attempt stops at the next one: linear.
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\((" + DOC_ID + r")(#[\w-]+)?\)")


def term_title(term: models.Term) -> str:
    head = f"{term.term}: {term.expansion}" if term.expansion else term.term
    return f"{head}. {term.definition}" + (" (Unconfirmed.)" if term.unconfirmed else "")


class Annotator:
    def __init__(self, view: SiteView):
        self.view = view
        self.titles: dict[str, str] = {}
        for term in view.terms:
            for word in (term.term, *term.aliases):
                self.titles.setdefault(html.escape(word, quote=False), html.escape(term_title(term)))
        self.pattern = words_pattern(self.titles)

    def annotate(self, page_html: str, href: Callable[[str], str | None], terms: bool = True) -> str:
        """Tooltips and document links in the text of `page_html`; `href(doc_id)` links a document."""

        def replace(match: re.Match[str]) -> str:
            text: str = match.group(0)
            if _DOC_ID.fullmatch(text):
                target = href(text) if text in self.view.docs else None
                return f'<a href="{html.escape(target)}">{text}</a>' if target else text
            if not terms:
                return text
            title = self.titles.get(" ".join(text.split()))
            return f'<abbr title="{title}" tabindex="0">{text}</abbr>' if title else text

        return "".join(self._walk(page_html, replace))

    def _walk(self, page_html: str, replace: Callable[[re.Match[str]], str]) -> Iterable[str]:
        skipping = 0
        pos = 0
        for tag in _TAG.finditer(page_html):
            if tag.start() > pos:
                text = page_html[pos:tag.start()]
                yield text if skipping or text.isspace() else self.pattern.sub(replace, text)
            raw = tag.group(0)
            yield raw
            pos = tag.end()
            name = _NAME.match(raw)
            if name and name.group(1).lower() in _SKIP and not raw.endswith("/>"):
                skipping += -1 if raw.startswith("</") else 1
                skipping = max(skipping, 0)
        if pos < len(page_html):
            rest = page_html[pos:]
            yield rest if skipping else self.pattern.sub(replace, rest)


def words_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Any of `words` (HTML-escaped; spaces match any run of white space) or a document id, as a
    whole word, the longest where several start at the same place.

    Written as a trie (`CS(?:C|M)`), each alternative starting with its literal first character:
    the regex engine then skips ahead to the characters a match can start with, and tries the
    words that start there one character at a time, instead of every word at every place. That is
    ten times faster than a list of alternatives on a site's pages, and finds the same matches."""
    first: dict[str, list[list[str]]] = {}
    for tokens in filter(None, map(_tokens, words)):
        first.setdefault(tokens[0], []).append(tokens[1:])
    # Document ids first, as before any word; `(?<!\w.)` after the first character: no word before it.
    branches = [f"{p[0]}(?<!\\w.){p[1:]}-[A-Z]{{2,6}}-[0-9]{{3}}" for p in models.DOC_PREFIX.values()]
    branches += [token + r"(?<!\w.)" + _trie(rests) for token, rests in first.items()]
    return re.compile(rf"(?:{'|'.join(branches)})(?!\w)")


def _tokens(word: str) -> list[str]:
    tokens: list[str] = []
    for n, piece in enumerate(word.split()):
        tokens += [r"\s+"] if n else []
        tokens += [re.escape(c) for c in piece]
    return tokens


def _trie(spelled: list[list[str]], depth: int = 1) -> str:
    """One regex for the token lists: shared beginnings once, longer continuations tried first.
    Below a few levels, the rest of each list is one alternative (longest first): nesting (and
    recursion) stays shallow whatever the glossary holds."""
    if depth >= _TRIE_DEPTH:
        return "(?:" + "|".join("".join(t) for t in sorted(spelled, key=len, reverse=True)) + ")"
    ends = any(not tokens for tokens in spelled)
    after: dict[str, list[list[str]]] = {}
    for tokens in spelled:
        if tokens:
            after.setdefault(tokens[0], []).append(tokens[1:])
    parts = [t + _trie(rests, depth + 1)
             for t, rests in sorted(after.items(), key=lambda kv: -max(map(len, kv[1])))]
    if len(parts) == 1 and not ends:
        return parts[0]
    return "(?:" + "|".join(parts) + ("|" if ends else "") + ")" if parts else ""


_TRIE_DEPTH = 6


def rewrite_id_links(markdown: str, page_src: str, view: SiteView) -> tuple[str, list[str]]:
    """`](SOP-X-001#anchor)` -> a link to that document's page; unknown or hidden ids lose the link.

    Returns the new Markdown and the ids that could not be linked.
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        text: str
        text, doc_id, anchor = match.group(1), match.group(2), match.group(3) or ""
        if doc_id not in view.docs:
            missing.append(doc_id)
            return text
        return f"[{text}]({urls.relative_src(urls.doc(doc_id), page_src)}{anchor})"

    return _MD_LINK.sub(replace, markdown), missing


class LeakGuard:
    """Finds ids and titles of content the audience must not see, in a page or file of the public build."""

    def __init__(self, kb: KnowledgeBase, view: SiteView):
        hidden = [e.model for i, e in kb.docs.items() if i not in view.docs]
        shown_training = {t.id for t in view.training}
        training = [e.model for e in kb.training.values() if e.model.id not in shown_training]
        accounts = [e.model for i, e in kb.accounts.items() if i not in view.accounts]
        names = [(d.id, d.title) for d in hidden] + [(t.id, t.title) for t in training]
        names += [(a.id, a.name) for a in accounts]
        needles = {x for ident, name in names for x in (ident, *written_forms(name))}
        self.pattern = (
            re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
            if needles else None
        )

    def find(self, text: str) -> list[str]:
        return sorted(set(self.pattern.findall(text))) if self.pattern else []


def written_forms(name: str) -> set[str]:
    """A name as a page, the search index or a JSON file may hold it: plain, HTML-escaped the ways
    Jinja, the theme and the standard library escape, and JSON-escaped (with and without `\\u` for `<>&`)."""
    as_json = json.dumps(name)[1:-1]
    safe_json = as_json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return {name, html.escape(name), html.escape(name, quote=False), str(escape(name)), as_json, safe_json}
