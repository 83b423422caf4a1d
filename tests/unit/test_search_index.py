"""The search index's pieces (kbtools/site/search.py): what the search plugin reads of a page, the
glossary's names found in an entry, and the index and facets rewritten after the search plugin."""

from __future__ import annotations

import datetime as dt
import json
import re

from conftest import SITE_TODAY
from kbtools import models
from kbtools.site import urls
from kbtools.site.search import FACETS, SEARCH_INDEX, Glossary, finish_index, for_index, published
from kbtools.site.view import build_view


def words_of(html: str) -> list[str]:
    """The words a parser that drops tags reads (Material's joins the text between tags)."""
    return "".join(part for part in html.replace(">", "<").split("<")[::2]).split()


def test_labels_and_values_are_read_as_separate_words():
    html = ('<dl><div><dt>Type</dt><dd><a href="x">SOP</a></dd></div></dl>'
            "<table><tr><th>CSM</th><td>Julia</td></tr></table>")
    assert words_of(html) == ["TypeSOPCSMJulia"]  # what the search indexed before
    assert words_of(for_index(html, "sops/x.md")) == ["Type", "SOP", "CSM", "Julia"]


def test_inline_elements_that_touch_are_read_apart_and_words_are_not_split():
    read = for_index("<p><span>Role: IM</span><span>Assignee: Uma</span> re<strong>view</strong></p>", "x.md")
    text = words_of(read)
    assert "IM" in text and "Assignee:" in text
    assert "review" in text  # text touching an inline element is one word, as the page shows it


def test_no_space_is_added_at_the_start_of_a_page():
    assert for_index('<h1 id="t">Title</h1><p>x</p>', "x.md").startswith('<h1 id="t">')


def test_each_step_heading_gets_its_steps_anchor():
    html = ('<ol class="kb-steps">\n  <li class="kb-step" id="step-gather">\n'
            '    <h3 class="kb-step__title">Step 1 Gather</h3></li></ol>')
    assert '<h3 id="step-gather" class="kb-step__title">' in for_index(html, "sops/x.md")
    already = '<li id="step-a"><h3 id="own">A</h3></li>'
    assert for_index(already, "sops/x.md").count("id=") == 2


def test_glossary_terms_are_headings_only_on_the_glossary_page():
    html = '<dl><dt id="term-csm"><strong>CSM</strong> — Customer Success Manager</dt><dd><p>x</p></dd></dl>'
    assert '<h2 id="term-csm">' in for_index(html, urls.GLOSSARY)
    assert "<h2" not in for_index(html, "sops/x.md")


def sections(html: str) -> list[tuple[str | None, str, str]]:
    """What Material's search plugin makes of a page: each section's anchor, title and text (white
    space as a browser shows it: runs as one, none beside a tag)."""
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(html)
    parser.close()

    def shown(parts: list[str]) -> str:
        return re.sub(r" ?(<[^<>]*>) ?", r"\1", " ".join("".join(parts).split()))

    return [(s.id, shown(s.title), shown(s.text)) for s in parser.data]


def test_inline_tags_are_left_out_of_what_the_search_plugin_reads_and_it_indexes_the_same():
    page = ('<h1 id="t">Meter <em>swaps</em><a class="headerlink" href="#t" title="Permanent link">¶</a></h1>'
            '<p>The <abbr title="Field Service Report" tabindex="0">FSR</abbr> of <a href="../x/">SOP-FLD-001</a>, '
            'due <time datetime="2026-01-02">2 January</time>.</p>'
            '<h2 id="s">Step <strong>2</strong><a class="headerlink" href="#s">¶</a></h2>'
            '<p><span class="kb-status">approved</span> <label>Done</label> <button type="button">Copy link</button>'
            '</p>')
    read = for_index(page, "sops/x.md")
    for tag in ("<a ", "<abbr", "<time", "<em>", "<strong>", "<label>", "<button", "<span"):
        assert tag not in read
    expected = [(None, "Meter swaps", "<p>The FSR of SOP-FLD-001, due 2 January.</p>"),
                ("s", "Step 2", "<p>approved Done Copy link</p>")]
    assert sections(read) == sections(page) == expected


def test_an_element_marked_for_the_search_plugin_keeps_its_tags():
    page = ('<h2 id="s">S</h2><p><span>shown</span> <SPAN data-search-exclude>hidden <span>x</span></SPAN> '
            '<span>after</span> <em>too</em></p>')
    read = for_index(page, "sops/x.md")
    assert "<em>" not in read and read.count("<span>") == 3  # every span kept: a closing tag names no element
    assert sections(read) == sections(page) == [(None, "", ""), ("s", "S", "<p>shown after too</p>")]


def test_the_page_is_published_as_rendered():
    original = '<p data-search-exclude="x">a</p>'
    read = for_index(original, "x.md")
    assert published(original, read, read) == original  # the search plugin left it alone
    assert published(original, read, "changed") == "<p>a</p>"  # it stripped its attributes


def glossary() -> Glossary:
    return Glossary([
        models.Term(term="AM", expansion="Account Manager", definition="d"),
        models.Term(term="SF", expansion="Salesforce", definition="d", aliases=("SFDC",)),
        models.Term(term="CRED SERV", expansion="Credentialing Service", definition="d"),
    ])


def test_an_acronym_is_found_by_its_case_and_a_name_in_any_case():
    g = glossary()
    assert g.found("The AM owns it") == {0}
    assert g.found("I am here") == set()
    assert g.found("both AMs agree") == {0}
    assert g.found("an account manager") == {0}
    assert g.found("Update <code>salesforce</code>") == {1}
    assert g.found("SFDC export") == {1}
    assert g.found("a cred serv") == set()  # an acronym of two words, in its own case only
    assert g.found("CRED SERV") == g.found("the credentialing services") == {2}


def test_synonyms_are_every_name_of_the_terms_found_escaped():
    g = Glossary([models.Term(term="R&D", expansion="Research <and> Development", definition="d")])
    assert g.synonyms("the R&amp;D team") == "R&amp;D · Research &lt;and&gt; Development"
    assert g.synonyms("nothing") == ""


def test_finish_index_titles_documents_with_their_ids_and_writes_facets(tmp_path, site_kb):
    view = build_view(site_kb, "public", dt.date.fromisoformat(SITE_TODAY))
    doc_id, entry = next((i, e) for i, e in view.docs.items() if i not in view.redirects)
    url = urls.published(urls.doc(doc_id))
    index = tmp_path / SEARCH_INDEX
    index.parent.mkdir()
    index.write_text(json.dumps({"config": {"fields": {"title": {"boost": 1000}}}, "docs": [
        {"location": url, "title": "old", "text": "an SLA"},
        {"location": url + "#kb-roles", "title": "Roles", "text": "x"},
    ]}), encoding="utf-8")
    assert finish_index(tmp_path, view, {urls.doc(d): urls.published(urls.doc(d)) for d in view.docs})
    data = json.loads(index.read_text(encoding="utf-8"))
    first, section = data["docs"]
    assert first["title"] == f"{doc_id} {entry.model.title}"
    assert section["title"] == "Roles"
    assert first["id"] == doc_id and "id" not in section
    assert data["config"]["fields"]["id"] == {"boost": 10_000}
    assert data["config"]["fields"]["title_synonyms"] == {"boost": 1000}
    assert data["config"]["fields"]["synonyms"] == {"boost": 1.0}
    if any(t.term == "SLA" for t in view.terms):
        assert "Service Level Agreement" in first["synonyms"]
    facets = json.loads((tmp_path / FACETS).read_text(encoding="utf-8"))
    assert facets["gaps"] is None  # the public site has no gap page
    assert facets["pages"][url] == [entry.model.type, entry.model.department, entry.model.status]
    assert set(facets["pages"]) == {urls.published(urls.doc(d)) for d in view.docs if d not in view.redirects}


def test_no_index_no_facets(tmp_path, site_kb):
    view = build_view(site_kb, "internal", dt.date.fromisoformat(SITE_TODAY))
    assert not finish_index(tmp_path, view, {})
    assert not (tmp_path / FACETS).exists()
