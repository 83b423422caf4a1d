"""The site's search in headless Chromium, through Material's search box and its worker, on the
session builds of the fixture knowledge base: ids first, one entry per step, the facets, the
glossary's synonyms and "Report a knowledge gap" when nothing is found."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chromium import Tab, require_chromium
from conftest import SITE_FIXTURE
from kbtools.load.loader import load
from kbtools.site.view import doc_visible

pytest_plugins = ["chromium"]

require_chromium()

from playwright.sync_api import Page, expect  # noqa: E402

META = ".md-search-result__meta"


def search(tab: Tab, words: str, path: str = "") -> Page:
    """Open a page, wait for the search worker, type `words` into the search box and wait for the answer."""
    page = tab.open(path)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    expect(page.locator(META)).to_have_text(re.compile("Type to start"))  # the worker has the index
    box = page.locator("input.md-search__input")
    box.fill(words)
    box.press("End")  # Material searches on key events
    expect(page.locator(META)).not_to_have_text(re.compile("Type to start|Initializing"))
    return page


def pages(page: Page) -> list[str]:
    """The path of every result's page, in the order shown."""
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.href)")
    return [urlsplit(h).path for h in hrefs]


# Every document of the internal site a search can find (a retired one is left out of the search).
SEARCHABLE = sorted(i for i, e in load(SITE_FIXTURE).docs.items()
                    if doc_visible(e.model, "internal") and e.model.status != "retired")


def test_the_fixture_has_documents_whose_ids_share_digits_with_others():
    assert len(SEARCHABLE) >= 8
    assert len({i.rsplit("-", 1)[1] for i in SEARCHABLE}) < len(SEARCHABLE)  # ...-001 of several series


@pytest.mark.parametrize("doc_id", SEARCHABLE)
def test_searching_a_document_id_puts_it_first(tab, doc_id):
    page = search(tab, doc_id)
    assert pages(page)[0] == f"/sops/{doc_id.lower()}/", pages(page)
    first = page.locator(".md-search-result__item").first.locator("h1")
    expect(first).to_contain_text(doc_id)  # the id is shown with the title


def test_a_step_title_search_lands_on_its_step(tab):
    page = search(tab, "Hold the handover call")
    link = page.locator('.md-search-result__item a[href*="#step-handover-call"]').first
    expect(link).to_contain_text("Hold the handover call")
    link.click()
    page.wait_for_url(re.compile(r"/sops/sop-care-002/.*#step-handover-call$"))
    expect(page.locator("#step-handover-call")).to_be_in_viewport()


def test_a_person_finds_the_accounts_they_serve(tab):
    page = search(tab, "Ingrid")  # the CSM of ACC-00201 and owner of ACC-00203
    found = pages(page)
    assert "/owners/person-ingrid/" in found
    assert {"/accounts/acc-00201/", "/accounts/acc-00203/"} <= set(found), found


def test_a_facet_narrows_the_results_and_all_brings_them_back(tab):
    page = search(tab, "account")
    count, before = page.locator(META).inner_text(), pages(page)
    assert any(p.startswith("/accounts/") for p in before) and "/sops/tpl-care-001/" in before
    page.select_option("#kb-search-facet-type", label="Template")
    expect(page.locator(META)).to_have_text("1 matching document")
    assert pages(page) == ["/sops/tpl-care-001/"]
    page.select_option("#kb-search-facet-type", "")
    expect(page.locator(META)).to_have_text(count)
    assert pages(page)[:10] == before[:10]  # Material shows ten, and more as the list is scrolled


def test_facets_combine_and_are_labelled(tab):
    page = search(tab, "account")
    for name in ("Type", "Department", "Status"):
        expect(page.get_by_label(name, exact=True)).to_be_visible()
    page.get_by_label("Department", exact=True).select_option(label="Account Care")
    care = pages(page)
    assert care and all(p in ("/sops/pol-care-001/", "/sops/sop-care-002/", "/sops/tpl-care-001/") for p in care)
    page.get_by_label("Type", exact=True).select_option(label="Policy")
    assert pages(page) == ["/sops/pol-care-001/"]
    page.get_by_label("Status", exact=True).select_option(label="Draft")
    expect(page.locator(META)).to_have_text("No matching documents")
    expect(page.locator(".kb-search-gap")).to_be_hidden()  # the search found some; the choices hid them


def test_facets_work_from_the_keyboard(tab):
    page = search(tab, "account")
    page.keyboard.press("Tab")  # from the search box to the first choice
    assert page.evaluate("document.activeElement.id") == "kb-search-facet-type"
    expect(page.locator("#__search")).to_be_checked()  # the search stays open
    page.keyboard.press("ArrowDown")  # the first type after "All": SOP
    expect(page.locator("#kb-search-facet-type")).to_have_value("sop")
    assert pages(page) and all(p in ("/sops/sop-care-002/", "/sops/sop-fld-001/") for p in pages(page))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "kb-search-facet-department"
    page.keyboard.press("Escape")
    expect(page.locator("#__search")).not_to_be_checked()


def test_tab_from_the_last_choice_leaves_the_search(tab):
    """No keyboard trap: past the last choice the search closes and focus goes on through the page."""
    page = search(tab, "account")
    choices = page.locator(".kb-search-facets select")
    for _ in range(choices.count()):  # from the query to the first choice, then on to the last
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == choices.last.get_attribute("id")
    page.keyboard.press("Tab")
    expect(page.locator("#__search")).not_to_be_checked()
    assert page.evaluate("document.activeElement.getAttribute('data-md-component')") != "search-query"
    assert not page.evaluate("document.activeElement.id").startswith("kb-search-facet")


def test_an_acronym_finds_the_document_that_spells_it_out(tab):
    page = search(tab, "AMR")  # ART-DSK-002 writes "smart meter", one of the term's names, never AMR
    assert "/sops/art-dsk-002/" in pages(page)


def test_an_expansion_finds_the_document_that_writes_the_acronym(tab):
    page = search(tab, "service level agreement")  # ART-DSK-001 writes only "SLA"
    assert "/sops/art-dsk-001/" in pages(page)
    page = search(tab, "customer success manager")  # SOP-CARE-002's title says "CSMs"
    assert pages(page)[0] == "/sops/sop-care-002/", pages(page)


def test_a_glossary_result_names_its_documents_once(tab):
    page = search(tab, "AMR")
    glossary = page.locator(".md-search-result__item").filter(has=page.locator('a[href*="/glossary/"]'))
    expect(glossary).to_have_count(1)
    text = glossary.inner_text()
    assert text.count("See ART-DSK-002") == 1 and "See SOP-FLD-001" not in text, text
    expect(glossary.locator('a[href*="#term-amr"]').first).to_be_visible()


def test_a_search_that_finds_nothing_offers_a_knowledge_gap_with_the_query(tab):
    asked = "zebra xylophone & quokka?"
    page = search(tab, asked)
    expect(page.locator(META)).to_have_text("No matching documents")
    link = page.locator(".kb-search-gap").get_by_role("link", name="Report a knowledge gap")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert urlsplit(href).path == "/gaps/" and parse_qs(urlsplit(href).query)["q"] == [asked]
    link.click()
    page.wait_for_url(re.compile(r"/gaps/"))
    expect(page.locator("#kb-gap-question")).to_have_value(asked)
    expect(page.locator("#__search")).not_to_be_checked()  # the search does not open over the form
    assert "q=" not in page.url


def test_the_gap_link_goes_once_something_is_found(tab):
    page = search(tab, "zebra")
    expect(page.locator(".kb-search-gap a")).to_have_text("Report a knowledge gap")
    box = page.locator("input.md-search__input")
    box.fill("handover")
    box.press("End")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.locator(".kb-search-gap")).to_be_hidden()


def test_the_gap_page_keeps_its_document_with_the_question(tab):
    page = tab.open("gaps/?doc=SOP-FLD-001&q=Who+signs+off%3F")
    expect(page.locator("#kb-gap-question")).to_have_value("Who signs off?")
    expect(page.locator("#kb-gap-doc")).to_have_value("SOP-FLD-001")


@pytest.mark.parametrize("tab", ["public"], indirect=True)
def test_the_public_search_offers_no_gap_link(tab, sites):
    page = search(tab, "zebra")
    expect(page.locator(META)).to_have_text("No matching documents")
    expect(page.locator(".kb-search-gap")).to_have_count(0)
    expect(page.get_by_text("Report a knowledge gap")).to_have_count(0)
    facets = json.loads((sites.public / "search" / "kb-facets.json").read_text(encoding="utf-8"))
    assert facets["gaps"] is None
    assert all(p.startswith("sops/") for p in facets["pages"])
