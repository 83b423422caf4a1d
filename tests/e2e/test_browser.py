"""The built sites in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Each site is served on 127.0.0.1, on a port the system picks, from the
session builds of the fixture knowledge base (conftest's `sites`).
Every page load fails the test on a console error or on a request that
leaves the site. Screenshots of the home page, a document and the review
dashboard are kept in test-output/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from chromium import Tab, require_chromium, serve
from conftest import REPO, copy_site_kb, finish, mkdocs_build

pytest_plugins = ["hostile_sites", "chromium"]  # the hostile knowledge base, built once; the browser

SCREENSHOTS = REPO / "test-output"

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402


def test_search_finds_a_document_by_a_word_of_its_title(tab):
    tab.open("")
    hits = tab.search("handover")
    assert any("/sops/sop-care-002/" in h for h in hits), hits


def test_search_finds_a_document_by_an_acronym(tab):
    tab.open("")
    hits = tab.search("FSR")
    assert any("/sops/sop-fld-001/" in h for h in hits), hits


def test_home_search_box_opens_search_with_the_query(tab):
    page = tab.open("")
    page.fill("#kb-home-search", "dispatch")
    page.press("#kb-home-search", "Enter")
    page.wait_for_load_state()
    expect(page.locator("input.md-search__input")).to_have_value("dispatch")


@pytest.mark.parametrize("doc,state,words", [
    ("sop-fld-001", "current", "Current"),
    ("sop-care-002", "due-soon", "Review due soon"),
    ("pol-care-001", "overdue", "Review overdue"),
])
def test_document_page_shows_owner_and_banner(tab, doc, state, words):
    page = tab.open(f"sops/{doc}/")
    banner = page.locator(".kb-banner").first
    expect(banner).to_have_class(f"kb-banner kb-banner--{state}")
    expect(banner).to_contain_text(words)
    owner = page.locator(".kb-owner a")
    expect(owner).to_be_visible()
    owner.click()
    page.wait_for_load_state()
    assert "/owners/" in page.url
    expect(page.locator("article")).to_contain_text(doc.upper())


def test_banner_colours_are_distinct(tab):
    colours = set()
    for doc in ("sop-fld-001", "sop-care-002", "pol-care-001"):
        page = tab.open(f"sops/{doc}/")
        colours.add(page.eval_on_selector(".kb-banner", "e => getComputedStyle(e).backgroundColor"))
    assert len(colours) == 3, colours


def test_banner_reads_the_same_without_javascript(browser, origins):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(origins["internal"] + "sops/pol-care-001/")
    expect(page.locator(".kb-banner")).to_contain_text("Review overdue")
    expect(page.locator(".kb-banner")).to_contain_text("20 October 2026")
    context.close()


def test_step_anchor_lands_on_its_step(tab):
    page = tab.open("sops/tpl-care-001/#step-sign-off-plan")
    step = page.locator("#step-sign-off-plan")
    expect(step).to_be_in_viewport()
    assert page.evaluate("() => document.querySelector(':target').id") == "step-sign-off-plan"
    expect(step).to_contain_text("Approval gate")


def test_glossary_term_has_a_tooltip(tab):
    page = tab.open("sops/sop-fld-001/")
    abbr = page.locator("article abbr", has_text="FSR").first
    assert abbr.get_attribute("title").startswith("FSR: Field Service Report")
    abbr.hover()
    expect(page.locator(".md-tooltip2").filter(has_text="Field Service Report").first).to_be_visible()


@pytest.mark.parametrize("tab", ["public"], indirect=True)
def test_public_search_does_not_find_an_internal_document(tab):
    tab.open("")
    for words in ("dispatch", "FSR", "handover"):
        hits = tab.search(words)
        assert not any("/sops/sop-" in h or "/sops/pol-" in h or "/sops/tpl-" in h or "/sops/prc-" in h
                       for h in hits), (words, hits)
    assert any("/sops/art-dsk-001/" in h for h in tab.search("interruption"))


QUIET = ["", "sops/tpl-care-001/", "reviews/", "owners/", "owners/team-field-crew/", "accounts/",
         "accounts/acc-00201/", "glossary/", "tags/", "departments/field/", "contributing/", "404.html"]


@pytest.fixture(scope="module")
def quiet_tabs(browser: Browser, origins: dict[str, str]) -> Iterator[dict[str, Tab]]:
    """Every page of QUIET, each in a browser context of its own, loaded side by side until nothing
    more loads (search worker, index): the waits for quiet overlap instead of adding up."""
    tabs = {}
    for path in QUIET:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tabs[path] = Tab(context.new_page(), origins["internal"])
        tabs[path].page.goto(tabs[path].origin + path, wait_until="commit")
    for opened in tabs.values():
        opened.page.wait_for_load_state("networkidle")
    yield tabs
    for opened in tabs.values():
        opened.page.context.close()


@pytest.mark.parametrize("path", QUIET)
def test_no_console_errors(quiet_tabs, path):
    opened = quiet_tabs[path]
    assert opened.page.url == opened.origin + path
    assert opened.page.title(), "the page did not render"
    assert opened.errors == [], f"console errors: {opened.errors}"
    assert opened.outside == [], f"requests outside the site: {opened.outside}"


def test_screenshots(tab):
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, path in [("home", ""), ("sop-page", "sops/sop-fld-001/"), ("review-dashboard", "reviews/")]:
        page = tab.open(path, idle=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


# -- a hostile contributor's values (tests/hostile.py): shown, never run ---------------------------

HOSTILE_PAGES = {
    "internal": ["", "sops/sop-fld-001/", "sops/tpl-care-001/", "departments/field/", "departments/",
                 "types/sop/", "owners/", "owners/team-field-crew/", "owners/person-petra/", "accounts/",
                 "accounts/acc-00201/", "reviews/", "glossary/", "tags/", "hostile-meta/", "hostile-heading/",
                 "hostile-raw/", "contributing/"],
    "public": ["", "sops/art-dsk-001/", "sops/art-dsk-002/", "topics/supply/", "glossary/", "hostile-meta/",
               "hostile-heading/", "hostile-raw/", "help/"],
}


@pytest.fixture(scope="module")
def hostile_origins(hostile_sites) -> Iterator[dict[str, str]]:
    _, built = hostile_sites
    servers = {audience: serve(site) for audience, site in built.items()}
    yield {audience: url for audience, (_, url) in servers.items()}
    for server, _ in servers.values():
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_hostile_value_runs_in_the_browser(browser, hostile_origins, audience):
    """Every page a hostile value reaches, and the search results listing them: no dialog opens, no
    injected element exists, nothing is requested elsewhere."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    outside: list[str] = []
    origin = hostile_origins[audience]
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    page.on("request", lambda r: None if r.url.startswith(origin) else outside.append(r.url))
    injected: list[str] = []
    for path in HOSTILE_PAGES[audience]:
        page.goto(origin + path, wait_until="load")
        count = page.evaluate("() => document.querySelectorAll('kbxss, [onerror], [onload]').length")
        if count:
            injected.append(f"{path}: {count} injected elements")
        if path != "hostile-raw/":  # the others show a hostile value, as text
            assert re.search("</title>|<kbxss>", page.evaluate("() => document.body.textContent")), path
    tab = Tab(page, origin)
    tab.open("")
    assert tab.search("Help")  # hostile titles in the results, which the theme shows as HTML
    page.wait_for_timeout(200)
    context.close()
    assert dialogs == []
    assert injected == []
    assert outside == []


# -- the Content-Security-Policy: a script the site does not ship does not run -------------------

INJECT_HOOK = """\
# A test-only MkDocs hook: puts an inline script into every page after the kb plugin has sanitised it,
# as a value that escaped escaping would.
from mkdocs.plugins import event_priority


@event_priority(-1000)
def on_page_content(html, page, config, files):
    return html + "<script>window.kbInjected = true</script>"
"""


@pytest.fixture(scope="module")
def injected_origin(tmp_path_factory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("injected")
    root = copy_site_kb(base / "kb")
    (root / "inject.py").write_text(INJECT_HOOK, encoding="utf-8")
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as fh:
        fh.write("\nhooks:\n  - inject.py\n")
    code, out = finish(mkdocs_build(root, base / "site"))
    assert code == 0, out
    assert "window.kbInjected" in (base / "site/sops/sop-fld-001/index.html").read_text(encoding="utf-8")
    server, url = serve(base / "site")
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["", "sops/sop-fld-001/", "glossary/"])
def test_an_injected_inline_script_is_blocked_and_the_themes_run(browser, injected_origin, path):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => (window.kbViolations ="
                         " window.kbViolations || []).push(e.effectiveDirective + ' ' + e.blockedURI))")
    page.goto(injected_origin + path, wait_until="load")
    assert page.evaluate("() => window.kbInjected") is None  # it did not run
    violations = page.evaluate("() => window.kbViolations || []")
    assert violations == ["script-src-elem inline"]  # that one script, and nothing of the theme's
    assert page.evaluate("() => typeof __md_get") == "function"  # the theme's own inline script ran
    assert page.evaluate("() => typeof __md_analytics") == "function"  # and the site's script file
    context.close()
