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

import bisect
import html
import json
import re
from collections.abc import Callable, Iterable, Iterator

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
# The tags of those elements (counted where `_TAG` finds a tag starting at the same place), by name:
# ASCII letters in any case, as a tag's name is compared.
_SKIP_TAG = re.compile(r"<(/)?(?:" + "|".join(sorted(_SKIP)) + r")(?![a-zA-Z0-9])", re.I | re.A)
_TRIE_DEPTH = 6  # levels of the terms' trie before the rest of each term is one alternative
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
        page_html = str(page_html)  # a plain string: slices of markupsafe's Markup would be escaped again
        hits = list(self.pattern.finditer(page_html))
        if not hits:
            return page_html
        out: list[str] = []
        pos = 0
        for match in _in_text(page_html, hits):
            text = match.group(0)
            if _DOC_ID.fullmatch(text):
                target = href(text) if text in self.view.docs else None
                new = f'<a href="{html.escape(target)}">{text}</a>' if target else text
            elif not terms:
                continue
            else:
                title = self.titles.get(" ".join(text.split()))
                new = f'<abbr title="{title}" tabindex="0">{text}</abbr>' if title else text
            out += (page_html[pos:match.start()], new)
            pos = match.end()
        out.append(page_html[pos:])
        return "".join(out)


def _in_text(page_html: str, hits: list[re.Match[str]]) -> Iterator[re.Match[str]]:
    """The hits (in order) that lie in the page's text: not inside a tag, nor inside an element
    the annotator keeps out of (`_SKIP`: links, code, headings, ...), nested or not.

    The terms are found in the whole page at once (a few dozen hits among hundreds of tags). The
    tags' spans tell a hit inside a tag; the skipped elements' opening and closing tags among them,
    counted in order, tell a hit inside such an element (a stray closing tag does not make the
    count negative)."""
    spans = [m.span() for m in _TAG.finditer(page_html)]
    starts = [start for start, _ in spans]
    ends = dict(spans)
    # +1 where such an element opens, -1 where one closes; a self-closing tag (`<a/>`) neither.
    changes = [(m.start(), -1 if m.group(1) else 1) for m in _SKIP_TAG.finditer(page_html)
               if m.start() in ends and page_html[ends[m.start()] - 2:ends[m.start()]] != "/>"]
    depth, done = 0, 0
    for match in hits:
        start = match.start()
        while done < len(changes) and changes[done][0] < start:
            depth = max(depth + changes[done][1], 0)
            done += 1
        tag = bisect.bisect_right(starts, start) - 1
        if depth == 0 and (tag < 0 or spans[tag][1] <= start):
            yield match


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
    branches = [p[0] + r"(?<!\w.)" + p[1:] + models.DOC_ID_TAIL for p in models.DOC_PREFIX.values()]
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
