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

from html.parser import HTMLParser

from markupsafe import Markup, escape

_NOT_TEXT = frozenset({"script", "style", "template"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _NOT_TEXT:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _NOT_TEXT and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def text_of(fragment: str) -> str:
    """The text a reader sees of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


def as_html(text: object) -> Markup:
    """Plain text (a value from a file) as HTML that prints it: escaped, whitespace collapsed."""
    return escape(" ".join(str(text).split()))


def fragment_as_html(fragment: str) -> Markup:
    """An HTML fragment reduced to its text, escaped: safe wherever a template prints it."""
    return as_html(text_of(fragment))
