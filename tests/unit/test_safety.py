"""The content-safety lint: every spelling a browser would run, and linear time on hostile bodies."""

from __future__ import annotations

import pytest

from conftest import only
from kbtools.checks.safety import scan
from timing import assert_linear

SOP = "sops/ops/SOP-OPS-001.md"
JS = "javascript: URLs are not allowed"


@pytest.mark.parametrize("body, offset, message", [
    # reference-style links and definitions
    ("[x]: javascript:alert(1)", 5, JS),
    ("[x]:\n  <javascript:alert(1)>", 8, JS),
    ("[a\nb]: javascript:alert(1)", 7, JS),
    ("   [Portal]: JAVASCRIPT:alert(1) \"title\"", 13, JS),
    # character references, with or without ';', in any case
    ("[x](&#106;avascript:alert(1))", 4, JS),
    ("[x](&#106avascript:alert(1))", 4, JS),
    ("[x](&#x6A;avascript:alert(1))", 4, JS),
    ("[x](&#X6a&#X61vascript:alert(1))", 4, JS),
    ("[x](&#0000000000000106;avascript:alert(1))", 4, JS),
    ("[x](javascript&colon;alert(1))", 4, JS),
    ('<a href="javascript&#58;alert(1)">x</a>', 9, JS),
    ('<a href="&#x4A;&#x61;&#x56;&#x61;&#x53;&#x63;&#x52;&#x69;&#x50;&#x74;&#x3A;alert(1)">x</a>', 9, JS),
    # what browsers strip: tabs, newlines, control characters inside; spaces and controls before
    ("[x](java\tscript:alert(1))", 4, JS),
    ('<a href="java&Tab;script:alert(1)">x</a>', 9, JS),
    ('<a href="java&NewLine;scr&#10;ipt:alert(1)">x</a>', 9, JS),
    ("[x](java\x01script:alert(1))", 4, JS),
    ('<a href="  \x01javascript:alert(1)">x</a>', 12, JS),
    ("[x](JaVaScRiPt:alert(1))", 4, JS),
    ("[x](javascript\\:alert(1))", 4, JS),  # a Markdown escape
    ("[x](vbscript:msgbox(1))", 4, "vbscript: URLs are not allowed"),
    # any attribute, and url= / url( inside one
    ('<object data="javascript:alert(1)">', 14, JS),
    ('<button formaction="javascript:alert(1)">', 20, JS),
    ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', 42, JS),
    ('<div style="background:url(javascript:alert(1))">', 27, JS),
    # handlers, also where a quoted value holds '>' or a tag has no space before them
    ('<div title=">" onclick="alert(1)">x</div>', 15, "event handler attribute onclick="),
    ("<svg/onload=alert(1)>", 5, "event handler attribute onload="),
    ('<a href="x"onclick="y">', 11, "event handler attribute onclick="),
    # an unclosed quote does not hide what comes after it from the lint
    ("<x a='\n\n[y](javascript:alert(1))", 12, JS),
    ("<x a='\n\n<a onclick=alert(1)>", 11, "event handler attribute onclick="),
])
def test_every_spelling_is_found(body, offset, message):
    found = scan(body)
    assert [at for at, _ in found] == [offset], found
    assert found[0][1].startswith(message)


@pytest.mark.parametrize("body", [
    "See [the portal](https://example.com/data), and data: in prose.",
    "[x](https://a.example/?q=1&amp;javascript=2)",
    "Learn javascript: the language. If a<b and c>d, fine.",
    "[^1]: javascript: is what the old tool used",  # a footnote holds text
    "[ref]: https://example.com/javascript:not-a-scheme",
    '<details><summary>More</summary><a href="/sops/sop-ops-001/" title="on=1">x</a></details>',
    "[x](java script:alert(1))",  # a space ends the scheme: a relative link
])
def test_safe_text_passes(body):
    assert scan(body) == []


def test_a_reference_definition_is_located_in_the_file(kb):
    kb.write(SOP, kb.read(SOP) + "\nSee [the form][f].\n\n[f]: &#x6A;avascript:alert(1)\n")
    f = only(kb.findings(), "unsafe-content")
    assert (f["line"], f["col"]) == (42, 6)
    assert "hidden with character references" in f["message"]


HOSTILE = ["<a ", '<a x="', "<a b='", "<", "< ", "<x/", "<a\n", "<script ", "[", "[^", "](", "](\t", "]:", "[a]",
           "\\", "&#x", "&amp", "[x](&#106;", '<a href="&#106;', " on=", "url("]


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_bodies_take_linear_time(unit):
    # the old pattern took 26 s on 96 KB of '<a '
    assert_linear(f"from kbtools.checks.safety import scan\ndef run(n):\n    scan({unit!r} * (n // {len(unit)}))")


@pytest.mark.parametrize("text", ["[x](&#{z}106;avascript:x)", "<a href={s}javascript:x>", "<a on{a}=x>"])
def test_long_runs_inside_one_construct_take_linear_time(text):
    filled = f"{text!r}.format(z='0' * n, s=' ' * n, a='a' * n)"
    assert_linear(f"from kbtools.checks.safety import scan\ndef run(n):\n    assert scan({filled})")
