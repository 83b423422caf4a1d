"""Sanitising rendered Markdown with nh3, keeping what the Markdown extensions produce.

The allow-list keeps headings with their permalinks, tables, admonitions and
collapsible blocks, content tabs (radio inputs and labels), task lists
(disabled checkboxes), footnotes, definition lists, abbreviations and
highlighted code. Scripts, styles, event handlers, forms, frames and
`javascript:`/`data:` URLs go. Images must come from the site itself, so a
page never loads anything from elsewhere.

A body may not wear the site's own classes either (a "Current" review banner
made of `kb-banner` would look like the real one): `Sanitizer` drops every
class the plugin's templates and the site's stylesheets use that the theme's
stylesheets do not define, read from those files (`site_classes`), never
listed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import nh3

TAGS = nh3.ALLOWED_TAGS | {"input", "label", "details", "summary", "figure", "figcaption"}

ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {"checked", "disabled", "name"},  # `type` is limited below
    "label": {"for"},
    "details": {"open"},
    "div": {"data-tabs"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "time": {"datetime"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "del": {"datetime", "cite"},
    "ins": {"datetime", "cite"},
}
TAG_ATTRIBUTE_VALUES = {"input": {"type": {"checkbox", "radio"}}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


# A URL with a scheme (`https:`, `data:`, `javascript:`): a colon before any `/`, `?` or `#`.
_SCHEME = re.compile(r"^[^/?#]*:")


def same_site_relative(url: str) -> bool:
    """Is `url` a relative reference to a path of this site, however a browser reads it?

    Browsers drop tabs and newlines anywhere in a URL and read `\\` as `/`, so `\\\\host/x`,
    `/\\host/x` and `/<tab>/host/x` all mean `//host/x`, another host. Only a plain relative path
    is kept: no control character, space or backslash, not starting with `/`, no scheme.
    """
    if not url or any(c <= " " or c in "\\\x7f" for c in url):
        return False
    return not url.startswith("/") and not _SCHEME.match(url)


def _same_site_images(element: str, attribute: str, value: str) -> str | None:
    """Drop an image source that is not a relative path of the site (it would be a request elsewhere)."""
    if element == "img" and attribute == "src" and not same_site_relative(value):
        return None
    return value


def _cleaner(attribute_filter: Callable[[str, str, str], str | None]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        tag_attribute_values=TAG_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )


_CLEANER = _cleaner(_same_site_images)


def clean(html: str) -> str:
    return _CLEANER.clean(html)


# -- the site's own classes ----------------------------------------------------------------

_CLASS_ATTR = re.compile(r"""\bclass=(["'])(.*?)\1""", re.S)  # in the plugin's own templates and code
_JINJA_BLOCK = re.compile(r"{%.*?%}", re.S)
_JINJA_VALUE = re.compile(r"{{.*?}}", re.S)
_CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CSS_SKIP = re.compile(r"""/\*.*?\*/|url\((?:"[^"]*"|'[^']*'|[^)]*)\)|"[^"]*"|'[^']*'""", re.S)  # comments, URLs, text


def template_classes(sources: Iterable[str]) -> tuple[set[str], set[str]]:
    """(classes, prefixes) the `class="..."` attributes of templates and code write; a class made
    with a placeholder (`kb-banner--{{ state }}`, `kb-badge--{}`) counts as its fixed start."""
    classes: set[str] = set()
    prefixes: set[str] = set()
    for source in sources:
        for _, value in _CLASS_ATTR.findall(source):
            for token in _JINJA_VALUE.sub("{}", _JINJA_BLOCK.sub(" ", value)).split():
                start = token.split("{", 1)[0]
                if "{" not in token:
                    classes.add(token)
                elif start:
                    prefixes.add(start)
    return classes, prefixes


def stylesheet_classes(sources: Iterable[str]) -> set[str]:
    return {name for source in sources for name in _CSS_CLASS.findall(_CSS_SKIP.sub(" ", source))}


def site_classes(templates: Iterable[str], stylesheets: Iterable[str],
                 theme_stylesheets: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The site's own classes and class prefixes: what its templates, code and stylesheets use,
    less what the theme's stylesheets define (`admonition`, `headerlink`, the task-list parts)."""
    classes, prefixes = template_classes(templates)
    classes |= stylesheet_classes(stylesheets)
    theme = stylesheet_classes(theme_stylesheets)
    return frozenset(classes - theme), tuple(sorted(p for p in prefixes if p not in theme))


_ID_ATTR = re.compile(r"""\bid=(["'])([^"'{}]+)\1""")


def template_ids(sources: Iterable[str]) -> frozenset[str]:
    """The fixed element ids the theme's templates give (`__config`, `__drawer`, ...): a body that repeats
    one would be what the theme's script finds first (`#__config` holds the theme's settings)."""
    return frozenset(m[1] for source in sources for m in _ID_ATTR.findall(source))


class Sanitizer:
    """`clean`, and the site's own classes and the theme's own ids dropped from every element."""

    def __init__(self, own_classes: Iterable[str] = (), own_prefixes: Iterable[str] = (),
                 theme_ids: Iterable[str] = ()):
        self.own_classes = frozenset(own_classes)
        self.own_prefixes = tuple(own_prefixes)
        self.theme_ids = frozenset(theme_ids)
        self._cleaner = _cleaner(self._filter)

    def _filter(self, element: str, attribute: str, value: str) -> str | None:
        if attribute == "class":
            kept = [c for c in value.split() if c not in self.own_classes and not c.startswith(self.own_prefixes)]
            return " ".join(kept) or None
        if attribute == "id" and value in self.theme_ids:
            return None
        return _same_site_images(element, attribute, value)

    def clean(self, html: str) -> str:
        return self._cleaner.clean(html)
