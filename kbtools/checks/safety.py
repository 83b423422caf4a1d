"""Content safety: no script, event handlers or script/data URLs in SOP bodies.

The site sanitises every body (nh3); this lint tells the author first, and
catches what a browser would run however it is spelt:

* a `<script` tag;
* an `on...=` attribute in a tag, both as Markdown sees raw HTML (from `<` to
  the next `<` or `>`, quotes ignored) and as a browser does (a quoted value
  may hold `>`);
* a `javascript:`, `vbscript:` or `data:` URL in a Markdown link or image
  (`[x](...)`), a reference definition (`[x]: ...`), an autolink (`<...>`) or
  any attribute value (`href`, `src`, ...; after `url=` or `url(` inside one
  too), also when the scheme is written with character references
  (`&#106;`, `&#x6A`, `&colon;`, with or without `;`), Markdown backslash
  escapes, in any case, or with tabs, newlines or other control characters
  inside it or spaces before it, which browsers skip.

Every pass reads the text once, left to right: no regular expression here
can backtrack over more than the construct it matches, and the passes over
tags never read a tag twice, so hostile bodies cost linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.entities import html5

from ..findings import Finding
from . import Context, check

_SCHEMES = ("javascript", "vbscript", "data")
_LONGEST = max(map(len, _SCHEMES))
_SCRIPT = re.compile(r"<\s*script\b", re.IGNORECASE)
# Raw HTML as Markdown finds it: from '<' and a letter to the next '<' or '>'.
_CHUNK = re.compile(r"<[A-Za-z][^<>]*")
_HANDLER = re.compile(r"[\s/\"'`](on[A-Za-z]+)\s*=")
_VALUE = re.compile(r"=\s*[\"'`]?|\burl\s*[=(]\s*[\"']?", re.IGNORECASE)
# Markdown: a link or image's destination, a reference definition's (not a footnote's), an autolink.
_LINK = re.compile(r"\]\(\s*<?|\[(\^?)[^\[\]]*\]:\s*<?|<")
# A tag as a browser reads it.
_TAG = re.compile(r"<[A-Za-z][^\s/>]*")
_GAP = re.compile(r"[\s/]*")
_NAME = re.compile(r"=?[^\s/>=]*")
_EQUALS = re.compile(r"\s*=\s*")
_UNQUOTED = re.compile(r"[^\s>]*")
_NUMERIC = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));?")
_NAMED = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});?")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


def _char_at(text: str, i: int, end: int) -> tuple[str, int, bool]:
    """The character a browser (or Markdown) reads at `i`, the index after it, and whether it was encoded."""
    c = text[i]
    if c == "&":
        found = _NUMERIC.match(text, i, end)
        if found:
            hex_digits, digits = found.groups()
            significant = (hex_digits or digits).lstrip("0")  # any number of leading zeros is allowed
            number = int(significant, 16 if hex_digits else 10) if 0 < len(significant) <= 7 else 0
            return (chr(number) if 0 < number <= 0x10FFFF else "\ufffd"), found.end(), True
        found = _NAMED.match(text, i, end)
        if found:
            name = found.group(1)
            value = html5.get(name + ";") if found.group().endswith(";") else html5.get(name)
            if value is not None and len(value) == 1:
                return value, found.end(), True
    elif c == "\\" and i + 1 < end and text[i + 1] in _PUNCTUATION:  # a Markdown escape
        return text[i + 1], i + 2, True
    return c, i + 1, False


def scheme_at(text: str, i: int, end: int | None = None) -> tuple[str, int, bool] | None:
    """(scheme, where it starts, whether it was hidden) of a script or data URL that starts at `i`
    (and ends by `end`), else None.

    Reads like a browser: spaces and control characters before the scheme are
    skipped, tabs, newlines and other control characters inside it dropped,
    character references and Markdown escapes decoded, case ignored.
    """
    n = len(text) if end is None else end
    name: list[str] = []
    start = -1
    hidden = False
    while i < n:
        c, after, encoded = _char_at(text, i, n)
        if c <= " " and (c != " " or start < 0):  # control characters anywhere, spaces before the scheme
            i = after
            hidden = hidden or start >= 0
            continue
        if start < 0:
            start = i
        if c == ":":
            scheme = "".join(name).lower()
            return (scheme, start, hidden or encoded) if scheme in _SCHEMES else None
        if c not in _SCHEME_CHARS or len(name) >= _LONGEST:
            return None
        name.append(c)
        hidden = hidden or encoded
        i = after
    return None


def _url(found: tuple[str, int, bool] | None) -> Iterator[tuple[int, str]]:
    if found is not None:
        scheme, at, hidden = found
        how = " (hidden with character references, escapes or control characters)" if hidden else ""
        yield at, (f"{scheme}: URLs are not allowed{how}; "
                   "link to an https:// page or a file in the repository")


def _handler(at: int, name: str) -> tuple[int, str]:
    return at, f"event handler attribute {name}= is not allowed"


def _markdown_chunks(text: str) -> Iterator[tuple[int, str]]:
    """Handlers and URL values in raw HTML as Markdown delimits it (quotes ignored)."""
    for chunk in _CHUNK.finditer(text):
        start, end = chunk.span()
        for attr in _HANDLER.finditer(text, start, end):
            yield _handler(attr.start(1), attr.group(1))
        for value in _VALUE.finditer(text, start, end):
            yield from _url(scheme_at(text, value.end(), end))


def _tags(text: str) -> Iterator[tuple[int, str]]:
    """Handlers and URL values in tags as a browser reads them: a quoted value may hold '>' or '<'."""
    n = len(text)
    pos = 0
    while (tag := _TAG.search(text, pos)) is not None:
        pos = tag.end()
        while True:
            pos = _GAP.match(text, pos).end()  # type: ignore[union-attr]  # matches empty text too
            if pos >= n or text[pos] == ">":
                break
            name = _NAME.match(text, pos).group()  # type: ignore[union-attr]
            at, pos = pos, pos + len(name)
            equals = _EQUALS.match(text, pos)
            if equals is None:
                continue
            pos = equals.end()
            quote = text[pos:pos + 1]
            if quote in ('"', "'"):
                close = text.find(quote, pos + 1)
                end = n if close < 0 else close
                yield from _url(scheme_at(text, pos + 1, end))
                pos = min(end + 1, n)
            else:
                end = _UNQUOTED.match(text, pos).end()  # type: ignore[union-attr]
                yield from _url(scheme_at(text, pos, end))
                pos = end
            if name[:2].lower() == "on" and name[2:].isalpha():
                yield _handler(at, name)


def _links(text: str) -> Iterator[tuple[int, str]]:
    for link in _LINK.finditer(text):
        if link.group(1):  # a footnote ([^1]: ...) holds text, not a URL
            continue
        yield from _url(scheme_at(text, link.end()))


def scan(text: str) -> list[tuple[int, str]]:
    """(offset, message) for every unsafe construct in `text`, once per offset, in order."""
    found: dict[int, str] = {}
    for m in _SCRIPT.finditer(text):
        found.setdefault(m.start(), "raw <script> tag; scripts are not allowed in documents")
    for at, message in (*_markdown_chunks(text), *_tags(text), *_links(text)):
        found.setdefault(at, message)
    return sorted(found.items())


@check("content-safety")
def content_safety(ctx: Context) -> Iterator[Finding]:
    for entry in ctx.kb.docs.values():
        body = entry.body
        if "<" not in body and ":" not in body:
            continue
        for offset, message in scan(body):
            line = body.count("\n", 0, offset)
            col = offset - (body.rfind("\n", 0, offset) + 1) + 1
            yield Finding(entry.path, entry.body_line + line, col, "error", "unsafe-content", message)
