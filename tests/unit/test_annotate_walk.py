"""The annotator finds tooltips and document links in a page's text only, as a walk through the
page tag by tag would: never inside a tag, a link, code, a heading or another skipped element,
nested or not. The walk below is that reading written out plainly; the annotator must agree with
it on any mix of tags, quotes, terms and document ids."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import SITE_TODAY
from kbtools.site.annotate import _SKIP, _TAG, DOC_ID, Annotator, words_pattern
from kbtools.site.view import build_view

_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def spelled(word: str) -> int:
    """A word's length as matched: its white space at the ends gone, any run inside as one."""
    return len(" ".join(word.split()))


def walked(annotator: Annotator, page: str, href: Callable[[str], str | None], terms: bool) -> str:
    """Tag by tag: the text between two tags annotated unless an element in `_SKIP` is open; in
    the text, a document id or else the longest term, as one list of alternatives."""
    words = [r"\s+".join(map(re.escape, w.split())) for w in sorted(annotator.titles, key=spelled, reverse=True)]
    pattern = re.compile(rf"(?<!\w)(?:({DOC_ID})|{'|'.join(words)})(?!\w)")

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if match.group(1):
            target = href(text) if text in annotator.view.docs else None
            return f'<a href="{html.escape(target)}">{text}</a>' if target else text
        if not terms:
            return text
        title = annotator.titles.get(" ".join(text.split()))
        return f'<abbr title="{title}" tabindex="0">{text}</abbr>' if title else text

    out, skipping, pos = [], 0, 0
    for tag in _TAG.finditer(page):
        text = page[pos:tag.start()]
        out.append(text if skipping else pattern.sub(replace, text))
        out.append(tag.group(0))
        pos = tag.end()
        name = _NAME.match(tag.group(0))
        if name and name.group(1).lower() in _SKIP and not tag.group(0).endswith("/>"):
            skipping = max(skipping + (-1 if tag.group(0).startswith("</") else 1), 0)
    rest = page[pos:]
    out.append(rest if skipping else pattern.sub(replace, rest))
    return "".join(out)


@pytest.fixture(scope="module")
def annotator(site_kb):
    return Annotator(build_view(site_kb, "internal", dt.date.fromisoformat(SITE_TODAY)))


PIECES = [
    "<p>", "</p>", "<a href='#'>", "</a>", "<A>", "</A >", "<abbr>", "</abbr>", "<code>", "</code>",
    "<h2 id=\"x\">", "</h2>", "<br/>", "<a/>", "<a ", "<code title=\"", "<img alt=\"FSR > SOP-FLD-001\">",
    "<b title='<code>'>", "</b>", "<span>", "</span>", "<abbreviation>", "</codex>", "<", ">", "\"", "'", " ",
    "\n", "FSR", "FSRs", "xFSR", "SOP-FLD-001", "SOP-NONE-999", "Work Orders", "Field\n Service  Reports",
    "smart meter", "WO", "a", "&amp;",
]


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.booleans())
def test_annotating_agrees_with_a_walk_through_the_tags(annotator, pieces, terms):
    page = "".join(pieces)
    href = lambda doc_id: f"../{doc_id.lower()}/?a&b"  # noqa: E731
    assert annotator.annotate(page, href, terms) == walked(annotator, page, href, terms)


def test_the_walk_is_not_trivially_the_identity(annotator):
    page = "<p>FSR <code>FSR</code> SOP-FLD-001</p><a>FSR</a><img alt=\"FSR\">"
    out = annotator.annotate(page, lambda doc_id: "x/")
    assert out.count("<abbr") == 1 and out.count('<a href="x/">SOP-FLD-001</a>') == 1
    assert out == walked(annotator, page, lambda doc_id: "x/", True)


@example(["a", "a b"], ["a", " ", "b"])  # the longer of two words, one the other's beginning
@example(["ab", "a"], ["ab", "x"])  # the shorter, where the longer runs on into a word
@example([";", "a;", "a "], ["a", ";"])  # "a " is "a": the longer is "a;"
@given(st.lists(st.text("abA- &;", min_size=1, max_size=4), min_size=1, max_size=8),
       st.lists(st.sampled_from(["a", "ab", "abc", "AB", "b", " ", "\n", "-", "SOP-AB-123", "&amp;", ";", "x"]),
                max_size=30))
def test_the_words_pattern_finds_what_a_list_of_alternatives_finds(words, pieces):
    """Any words (shared beginnings, one inside another, spaces, punctuation): the same matches."""
    text = "".join(pieces)
    listed = [r"\s+".join(map(re.escape, w.split())) for w in sorted(set(words), key=spelled, reverse=True)
              if w.split()]
    plain = re.compile(rf"(?<!\w)(?:({DOC_ID}){''.join('|' + w for w in listed)})(?!\w)")
    trie = words_pattern(set(words))
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_glossary_of_long_and_nested_names_still_makes_a_pattern():
    words = ["a" * k for k in range(1, 1500)] + ["b" * 50_000, "b c " * 2_000]
    pattern = words_pattern(words)
    assert pattern.fullmatch("a" * 1499) and pattern.fullmatch("b" * 50_000)
    assert [m.group(0) for m in pattern.finditer("aaa aa b c b c")] == ["aaa", "aa"]
