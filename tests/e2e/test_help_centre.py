"""The help centre's settings (kb.yml `help_centre:`): what `kb check` says of them and what a
public build does with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SITE_TODAY, Sites, copy_site_kb, finish, mkdocs_build, run_kb, without_contact

TOPICS = """\
help_centre:
  topics:
    - id: supply
      title: Water supply and interruptions
      documents: [ART-DSK-001, SOP-FLD-001, ART-DSK-010]
    - id: later
      title: Coming later
      tags: [nothing-has-this-tag]
"""


def _with_help_centre(root: Path, settings: str) -> None:
    text = (root / "kb.yml").read_text(encoding="utf-8")
    text = text[:text.index("help_centre:")] + settings
    (root / "kb.yml").write_text(text, encoding="utf-8")


def _line_of(root: Path, needle: str) -> int:
    lines = (root / "kb.yml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_topics_naming_internal_or_unknown_documents_and_empty_topics_are_findings(tmp_path, capsys):
    root = copy_site_kb(tmp_path / "kb")
    _with_help_centre(root, TOPICS)
    result = run_kb(["check", "--root", str(root), "--today", SITE_TODAY, "--format", "json"], capsys)
    assert result.code == 1
    found = {f["code"]: f for f in result.json()["findings"] if f["path"] == "kb.yml"}
    assert set(found) == {"topic-not-public", "unknown-document", "topic-empty"}
    internal = found["topic-not-public"]
    assert (internal["line"], internal["severity"]) == (_line_of(root, "SOP-FLD-001"), "error")
    assert "SOP-FLD-001" not in internal["message"]  # the public build reports it: it names no internal document
    unknown = found["unknown-document"]
    assert "'ART-DSK-010'" in unknown["message"] and "did you mean" in unknown["message"]
    empty = found["topic-empty"]
    assert (empty["line"], empty["severity"]) == (_line_of(root, "id: later"), "warning")
    text = run_kb(["check", "--root", str(root), "--today", SITE_TODAY], capsys).out
    assert f"kb.yml:{internal['line']}:{internal['col']}: error: help centre topic 'supply' lists" in text


def test_the_public_build_fails_on_a_topic_naming_an_internal_document_without_naming_it(tmp_path):
    root = copy_site_kb(tmp_path / "kb")
    _with_help_centre(root, TOPICS)
    code, out = finish(mkdocs_build(root, tmp_path / "site", "public"))
    assert code != 0 and "Traceback" not in out
    assert "[topic-not-public]" in out and "SOP-FLD-001" not in out


@pytest.mark.parametrize("settings,words", [
    ("help_centre:\n  contact: {text: Call us.}\n", "contact needs a url, an email or both"),
    ("help_centre:\n  contact: {text: Call us., url: 'javascript:alert(1)'}\n", "contact.url"),
    ("help_centre:\n  contact: {text: Call us., url: 'https://x.example/\"><script>'}\n", "contact.url"),
    ("help_centre:\n  topics:\n    - {id: other, title: Other, tags: [meters]}\n", "is the help centre's own"),
    ("help_centre:\n  topics:\n    - {id: a, title: A}\n", "chooses no articles"),
    ("help_centre:\n  topics:\n    - {id: a, title: A, tags: [x]}\n    - {id: a, title: B, tags: [y]}\n",
     "used twice"),
])
def test_unusable_help_centre_settings_stop_the_command_with_their_line(tmp_path, capsys, settings, words):
    root = copy_site_kb(tmp_path / "kb")
    _with_help_centre(root, settings)
    result = run_kb(["check", "--root", str(root), "--today", SITE_TODAY], capsys)
    assert result.code == 2
    assert words in result.err and result.err.startswith("kb: error: kb.yml:") and "Traceback" not in result.err


# -- "Still need help?" on every page customers can land on ---------------------------------------


def _pages(site: Path) -> dict[str, str]:
    """Every page of a built site (its pages and the page of an unknown address, not the downloads)."""
    found = [*site.rglob("index.html"), site / "404.html"]
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in found}


def test_every_public_page_ends_with_contact_support_once_and_no_staff_page_has_it(sites: Sites):
    pages = _pages(sites.public)
    kinds = {"index.html", "topics/supply/index.html", "sops/art-dsk-001/index.html", "glossary/index.html",
             "help/index.html", "404.html"}  # home, topic, article, glossary, hand-written, unknown address
    assert kinds <= set(pages)
    for rel, text in pages.items():
        assert text.count('class="kb-contact"') == 1, rel
        assert text.count('id="kb-contact"') == 1, rel
        article = text[text.index('<article class="md-content__inner'):text.index("</article>")]
        assert 'class="kb-contact"' in article, rel  # in the page's content, after the widget
        assert "Our service desk answers day and night" in article, rel
        assert 'href="https://kestrel.example/contact"' in article, rel
    staff = _pages(sites.internal)
    assert len(staff) > len(pages) and "help/index.html" in staff  # the public hand-written page, for staff
    assert [rel for rel, text in staff.items() if "kb-contact" in text] == []


def test_without_a_contact_the_public_pages_have_no_contact_section(tmp_path):
    root = without_contact(copy_site_kb(tmp_path / "kb"))
    code, out = finish(mkdocs_build(root, tmp_path / "site", "public"))
    assert code == 0, out
    pages = _pages(tmp_path / "site")
    assert "help/index.html" in pages and [rel for rel, text in pages.items() if "kb-contact" in text] == []


# -- the preview (mkdocs serve --dirty) of the help centre ends where a full build ends ------------


def _article_changed(root: Path) -> None:  # "Updated N days ago" on the article and its topic's page
    path = root / "sops/desk/ART-DSK-001.md"
    text = path.read_text(encoding="utf-8").replace('version: "1.2"', 'version: "1.3"', 1)
    path.write_text(text.replace("changelog:\n", "changelog:\n  - {version: \"1.3\", date: 2026-11-21, "
                                                 "summary: Clearer.}\n", 1), encoding="utf-8")


def _topic_renamed(root: Path) -> None:  # the home page, the topic's page, every page's navigation
    path = root / "kb.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Meters and readings", "title: Your meter"),
                    encoding="utf-8")


def _contact_changed(root: Path) -> None:  # the end of every page, hand-written ones too
    path = root / "kb.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("answers day and night", "answers in the daytime"),
                    encoding="utf-8")


@pytest.mark.parametrize("change,unrelated", [(_article_changed, "sops/art-dsk-002/index.html"),
                                              (_topic_renamed, "sops/art-dsk-001/index.html"),
                                              (_contact_changed, "sops/art-dsk-001/index.html")])
def test_the_public_preview_ends_with_the_files_of_a_full_build(tmp_path, monkeypatch, change, unrelated):
    from test_site_incremental import assert_same_files, preview_session, site_files

    monkeypatch.setenv("KB_TODAY", SITE_TODAY)
    monkeypatch.setenv("KB_AUDIENCE", "public")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    site, full = preview_session(tmp_path, change, unrelated)
    assert_same_files(site, full)
    shown = site_files(site)
    if change is _topic_renamed:
        assert "Your meter" in shown["index.html"].decode("utf-8")
    elif change is _contact_changed:
        assert "answers in the daytime" in shown["help/index.html"].decode("utf-8")
    else:
        assert "Updated 1 day ago" in shown["topics/supply/index.html"].decode("utf-8")


def test_the_customers_feedback_wording_is_printed_as_text(tmp_path):
    root = copy_site_kb(tmp_path / "kb")
    with (root / "kb.yml").open("a", encoding="utf-8") as fh:
        fh.write("  feedback:\n    ask: 'Tell us <img src=x onerror=alert(1)>'\n")
    code, out = finish(mkdocs_build(root, tmp_path / "site", "public"))
    assert code == 0, out
    page = (tmp_path / "site/sops/art-dsk-001/index.html").read_text(encoding="utf-8")
    assert "Tell us &lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
