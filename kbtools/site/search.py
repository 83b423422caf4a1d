"""The site's search: what Material's search plugin indexes, and what the kb plugin adds to its index.

Material's search plugin (`- search` in mkdocs.yml) reads every page's HTML and writes
`search/search_index.json`; its lunr-based worker answers the queries in the browser. The kb
plugin shapes both ends at build time:

- before the search plugin reads a page (`for_index`), it sees a copy of the page's HTML with
  a space around every block, table and list element, so a label and its value ("Type", "SOP";
  "CSM", "Julia Berg") are two words instead of one ("TypeSOP"), and with an id on every step's
  heading and on every glossary term, so each step is an entry of its own at `#step-<id>` and
  each term at `#term-<slug>`, and without the tags of inline elements (links, tooltips, dates:
  the text stays), which the plugin would parse for nothing; the page itself is published as
  rendered;
- after it wrote the index (`finish_index`), each document's first entry is titled with the
  document's id before its title ("SOP-CS-001 Account transition"), which lunr's title boost
  then ranks first for a search by id, and each document's and account's first entry holds its
  id in a field of its own (`id`, weighted ten times a title); every entry whose title or text names a glossary term,
  by its term, expansion or an alias, gets the term's names in a field of its own
  (`synonyms` for the text, `title_synonyms` for the title, weighted as those; indexed, never
  shown), so "CSM" finds "customer success manager" and the other way round;
- `search/kb-facets.json` beside the index lists each document page's type, department and
  status, the choices' names, and (internal builds) the gap page, for
  docs/assets/javascripts/search-results.js, which narrows the results in the browser and
  offers "Report a knowledge gap" when a search finds nothing.

Every value added is escaped HTML, as Material writes the rest (its worker prints titles and
texts as HTML), and JSON is written with json.dumps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape

from .. import models
from . import urls
from .incremental import search_index_text
from .render import TYPE_NAME
from .view import SiteView

SEARCH_INDEX = "search/search_index.json"
FACETS = "search/kb-facets.json"
# The index fields of the glossary names an entry's text and its title name a term by, each
# weighted as the field the names were found in (Material's defaults: text 1, title 1,000).
SYNONYMS = {"text": "synonyms", "title": "title_synonyms"}
# The id of the document or account a page is, in a field of its own weighted ten times a title:
# a search by id finds its page first even where another title holds the same words ("... (100)").
ID_FIELD, ID_BOOST = "id", 10.0
STATUS_NAME = {"draft": "Draft", "in-review": "In review", "approved": "Approved", "retired": "Retired"}

# -- what the search plugin reads --------------------------------------------------------------

# Elements whose text Material's parser would join to the next element's ("TypeSOP"): blocks,
# table cells, list items, definition lists. `[^<>]*` stops at the next tag, so the scan is linear.
_BLOCK = (
    r"</?(?:address|article|aside|blockquote|br|caption|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]"
    r"|header|hr|li|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)\b[^<>]*>"
)
# Such a tag with text or another tag right after it, and right before it.
_BLOCK_THEN = re.compile(_BLOCK + r"(?=\S)")
_AFTER_BLOCK = re.compile(r"<(?<=\S<)" + _BLOCK[1:])  # `<` first: the regex engine skips ahead to one
# An element closed where the next opens ("<span>Role: IM</span><span>Assignee: ...</span>").
_TOUCHING = re.compile(r"(</[a-zA-Z][a-zA-Z0-9]*>)(?=<[a-zA-Z])")
# A step: its list item carries the anchor, its first heading the title (sop_sections.html).
_STEP = re.compile(r'(<li\b[^<>]*\bid="(step-[^"<>]+)"[^<>]*>\s*<h([2-6]))(?![^<>]*\bid=)')
# A glossary term: `<dt id="term-...">` (glossary.html), read as a heading of its own.
_TERM = re.compile(r'<dt\b([^<>]*\bid="term-[^"<>]*"[^<>]*)>(.*?)</dt>', re.S)
# Inline elements: their tags change nothing the search plugin writes (it keeps p, code, pre, lists,
# sub and sup), but parsing them is half its work on a document page (tooltips, links, dates,
# labels). An element the page marks for the search plugin (`data-search-exclude`) keeps its tags,
# and so does every element of its name on that page (a closing tag does not say which it closes).
# The heading permalinks go whole: the plugin finds them to leave their text out of titles.
_INLINE = ("a", "abbr", "b", "button", "em", "i", "label", "mark", "small", "span", "strong", "time")
_INLINE_TAG = r"</?(?:{})\b[^<>]*>"
_INLINE_TAGS = re.compile(_INLINE_TAG.format("|".join(_INLINE)), re.I | re.A)
_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")
_PERMALINK = re.compile(r'<a\b[^<>]*\bclass="headerlink"[^<>]*>[^<]*</a>')
# What Material's search plugin strips from a page after reading it (plugins/search/plugin.py).
_SEARCH_ATTR = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")


def for_index(html: str, src: str) -> str:
    """The HTML of a page as the search plugin should read it (the page is published unchanged)."""
    if src == urls.GLOSSARY:
        html = _TERM.sub(r"<h2\1>\2</h2>", html)
    html = _STEP.sub(r'\1 id="\2"', html)
    # A space only where a block's tag touches text or another tag (the parser reads any run of
    # spaces as one): after it, then before it where no space came first.
    html = _AFTER_BLOCK.sub(r" \g<0>", _BLOCK_THEN.sub(r"\g<0> ", html))
    html = _TOUCHING.sub(r"\1 ", html)
    # Last, once the spaces between touching elements are in: inline tags out, their text stays.
    return _without_inline_tags(_PERMALINK.sub("", html))


def _without_inline_tags(html: str) -> str:
    marked = _marked(html) & set(_INLINE)
    if not marked:
        return _INLINE_TAGS.sub("", html)
    names = [name for name in _INLINE if name not in marked]
    return re.sub(_INLINE_TAG.format("|".join(names)), "", html, flags=re.I | re.A) if names else html


def published(original: str, read: str, after: str) -> str:
    """The page's HTML once the search plugin has read `read` and left `after`: the original, with
    the search attributes stripped as the plugin strips them when it changed what it read."""
    return original if after == read else _SEARCH_ATTR.sub("", original)


def _marked(html: str) -> set[str]:
    """The names of the elements that carry a `data-search-` attribute (a page has a few, if any)."""
    names = set()
    at, after = html.find("data-search-"), 0
    while at >= 0:
        start = html.rfind("<", after, at)  # none since the last one: in the same tag (or text)
        if start >= 0:
            name = _TAG_NAME.match(html, start)
            names.add(name.group(1).lower() if name else "")
        at, after = html.find("data-search-", at + 1), at
    return names


# -- glossary synonyms -------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_TAGS = re.compile(r"<[^<>]*>|&(?:amp|lt|gt|quot|#39);")


def _acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


@dataclass(frozen=True, slots=True)
class _Name:
    words: tuple[str, ...]  # as compared: exact for an acronym, casefolded otherwise
    exact: bool
    term: int  # the term (index in Glossary.names) it names


class Glossary:
    """Every name of every glossary term (term, expansion, aliases), found in an entry's words."""

    def __init__(self, terms: Iterable[models.Term]) -> None:
        self.names: list[list[str]] = []
        self.single: dict[tuple[bool, str], set[int]] = {}
        self.multi: list[_Name] = []
        for term in terms:
            names = list(dict.fromkeys(n for n in (term.term, term.expansion, *term.aliases) if n))
            index = len(self.names)
            self.names.append(names)
            for name in names:
                exact = _acronym(name)
                words = tuple(w if exact else w.casefold() for w in _WORD.findall(name))
                if len(words) == 1:
                    self.single.setdefault((exact, words[0]), set()).add(index)
                elif words:
                    self.multi.append(_Name(words, exact, index))

    def found(self, text: str) -> set[int]:
        """The terms `text` names (a plural "s" allowed on the last word)."""
        words = _WORD.findall(_TAGS.sub(" ", text))
        exact = set(words) | {w[:-1] for w in words if w.endswith("s")}
        folded = {w.casefold() for w in exact}
        hits: set[int] = set()
        for key in [(True, w) for w in exact] + [(False, w) for w in folded]:
            terms = self.single.get(key)
            if terms:
                hits |= terms
        if self.multi:
            seq = " ".join(words)
            seq_folded = seq.casefold()
            for name in self.multi:
                if name.term in hits or not set(name.words) <= (exact if name.exact else folded):
                    continue
                pattern = r"\b" + r"\W+".join(map(re.escape, name.words)) + r"s?\b"
                if re.search(pattern, seq if name.exact else seq_folded):
                    hits.add(name.term)
        return hits

    def synonyms(self, text: str) -> str:
        """The names of the terms `text` names, as escaped text for the index ("" when none)."""
        return " · ".join(str(escape(n)) for t in sorted(self.found(text)) for n in self.names[t])


# -- the index ---------------------------------------------------------------------------------


# The last build's synonyms by entry text, under its glossary's names: a pure function of both,
# so a preview build finds those of every page it did not change here (one build's, at most).
_LAST_SYNONYMS: dict[str, dict[str, str]] = {}


class _Synonyms:
    def __init__(self, glossary: Glossary, last: dict[str, str]) -> None:
        self.glossary, self.last = glossary, last
        self.now: dict[str, str] = {}

    def of(self, text: str) -> str:
        found = self.now.get(text)
        if found is None:
            found = self.last.get(text)
            if found is None:
                found = self.glossary.synonyms(text)
            self.now[text] = found
        return found


def finish_index(site_dir: Path, view: SiteView, url_of: Mapping[str, str]) -> bool:
    """Rewrite the search index the search plugin wrote (ids in titles, synonyms) and write the
    facets beside it. False when there is no index (the search plugin is not configured)."""
    index = site_dir / SEARCH_INDEX
    if not index.is_file():
        return False
    data = json.loads(index.read_text(encoding="utf-8"))
    config = dict(data.get("config", {}))
    fields = dict(config.get("fields") or {})
    for field, name in SYNONYMS.items():
        fields[name] = {"boost": (fields.get(field) or {}).get("boost", 1.0)}
    fields[ID_FIELD] = {"boost": ID_BOOST * (fields.get("title") or {}).get("boost", 1.0)}
    config["fields"] = fields
    docs_at = {url_of.get(urls.doc(d)): e.model for d, e in view.docs.items() if d not in view.redirects}
    ids_at = {url_of.get(urls.account(a)): a for a in view.accounts} | {u: d.id for u, d in docs_at.items()}
    glossary = Glossary(view.terms)
    key = repr(glossary.names)
    names = _Synonyms(glossary, _LAST_SYNONYMS.get(key, {}))
    entries = [_entry(entry, docs_at, ids_at, names) for entry in data.get("docs", [])]
    _LAST_SYNONYMS.clear()  # kept for the next build under `mkdocs serve`: the texts of unchanged pages
    _LAST_SYNONYMS[key] = names.now
    index.write_text(search_index_text(config, entries), encoding="utf-8")
    (site_dir / FACETS).write_text(facets_text(view, docs_at), encoding="utf-8")
    return True


def _entry(entry: dict[str, Any], docs_at: Mapping[str | None, models.Sop], ids_at: Mapping[str | None, str],
           names: _Synonyms) -> dict[str, Any]:
    out = dict(entry)
    location = str(out.get("location", ""))
    doc = docs_at.get(location)
    if doc is not None:  # a document's first entry: its id first, as a word of the title
        out["title"] = f"{escape(doc.id)} {escape(doc.title)}"
    ident = ids_at.get(location)
    if ident is not None:
        out[ID_FIELD] = str(escape(ident))
    else:
        out.pop(ID_FIELD, None)
    for field, name in SYNONYMS.items():
        found = names.of(str(out.get(field, "")))
        if found:
            out[name] = found
        else:
            out.pop(name, None)
    return out


def search_text(entry: Mapping[str, Any]) -> str:
    """Everything an index entry holds that a reader may see or find it by (for the leak guard)."""
    return "\n".join(str(entry.get(k, "")) for k in ("title", "text", ID_FIELD, *SYNONYMS.values()))


def facets_text(view: SiteView, docs_at: Mapping[str | None, models.Sop]) -> str:
    """search/kb-facets.json: the choices of each facet and every document page's values."""
    shown = [(url, doc) for url, doc in docs_at.items() if url is not None]
    types = sorted({d.type for _, d in shown}, key=list(TYPE_NAME).index)
    departments = sorted({d.department for _, d in shown},
                         key=lambda i: view.departments[i].model.name.casefold() if i in view.departments else i)
    statuses = sorted({d.status for _, d in shown}, key=list(STATUS_NAME).index)
    facets = [
        {"key": "type", "label": "Type", "options": [[t, TYPE_NAME[t]] for t in types]},
        {"key": "department", "label": "Department",
         "options": [[d, view.departments[d].model.name if d in view.departments else d] for d in departments]},
        {"key": "status", "label": "Status", "options": [[s, STATUS_NAME[s]] for s in statuses]},
    ]
    data = {
        "facets": facets,
        "pages": {url: [d.type, d.department, d.status] for url, d in sorted(shown)},
        "gaps": urls.published(urls.GAPS) if view.internal else None,
    }
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), sort_keys=True).replace("<", "\\u003c")
