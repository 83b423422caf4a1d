"""Text for the theme: every title and description the plugin hands MkDocs, escaped once.

Material prints page titles, navigation labels, table-of-contents entries and the
meta description without escaping them (MkDocs treats a title as HTML), and the
`<title>` element goes through `striptags`, which turns entities back into
markup. So the plugin never hands the theme a value as it came from a file: it
hands `Markup` that is the value's plain text, escaped (`as_html`). Where MkDocs
made the value itself from Markdown (a heading's HTML), `text_of` reads the
text out of that HTML first.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

# A tag (no `<` or `>` inside it: the HTML the plugin reads has them escaped in values). A `<` that
# opens no tag stays, as text, and is escaped with the rest.
_TAG = re.compile(r"<[^<>]*>")


def text_of(fragment: str) -> str:
    """The text of an HTML fragment: comments and tags dropped, entities decoded, spaces collapsed.

    One pass with `str.find` and a regex that never scans past the next `<` (the standard library's
    HTMLParser takes quadratic time on some unclosed markup), so any input takes linear time.
    """
    parts: list[str] = []
    pos = 0
    while (start := fragment.find("<!--", pos)) != -1:
        parts.append(fragment[pos:start])
        end = fragment.find("-->", start + 4)
        pos = len(fragment) if end == -1 else end + 3
    parts.append(fragment[pos:])
    return " ".join(html.unescape(_TAG.sub("", "".join(parts))).split())


def as_html(text: object) -> Markup:
    """Plain text (a value from a file) as HTML that prints it: escaped, whitespace collapsed."""
    return escape(" ".join(str(text).split()))


def fragment_as_html(fragment: str) -> Markup:
    """An HTML fragment reduced to its text, escaped: safe wherever a template prints it."""
    return as_html(text_of(fragment))
