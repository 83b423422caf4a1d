"""Sanitising rendered Markdown with nh3, keeping what the Markdown extensions produce.

The allow-list keeps headings with their permalinks, tables, admonitions and
collapsible blocks, content tabs (radio inputs and labels), task lists
(disabled checkboxes), footnotes, definition lists, abbreviations and
highlighted code. Scripts, styles, event handlers, forms, frames and
`javascript:`/`data:` URLs go. Images must come from the site itself, so a
page never loads anything from elsewhere.
"""

from __future__ import annotations

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


def _same_site_images(element: str, attribute: str, value: str) -> str | None:
    """Drop an image source that points outside the site (it would be a request elsewhere)."""
    if element == "img" and attribute == "src" and ("//" in value or ":" in value.split("/", 1)[0]):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    attribute_filter=_same_site_images,
    tag_attribute_values=TAG_ATTRIBUTE_VALUES,
    url_schemes=URL_SCHEMES,
    link_rel=None,
)


def clean(html: str) -> str:
    return _CLEANER.clean(html)
