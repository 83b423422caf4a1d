"""What readers saw, in headless Chromium on the built fixture sites: tables that fit their column,
glossary tooltips by keyboard and touch, the skip link, the glossary's letters, the review
dashboard's filters and chart, and a checklist download under the live-reload preview."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chromium import Tab, require_chromium
from conftest import SITE_TODAY, Sites, copy_site_kb, free_port

pytest_plugins = ["chromium"]

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

# Every table of the page: where it ends against its content column, and whether it (or a box
# around it, inside the column) scrolls sideways; and whether the page itself does.
MEASURE = """() => {
  const page = document.scrollingElement;
  const tables = [...document.querySelectorAll('.md-content table')].map(table => {
    const column = table.closest('.md-content__inner');
    let scrolls = false;
    for (let box = table; box && box !== column; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if ((overflow === 'auto' || overflow === 'scroll') && box.scrollWidth > box.clientWidth + 1) scrolls = true;
    }
    const right = table.getBoundingClientRect().right, edge = column.getBoundingClientRect().right;
    return {head: table.rows[0] ? table.rows[0].textContent.replace(/\\s+/g, ' ').trim() : '',
            wider: table.scrollWidth > column.clientWidth + 1, past: right > edge + 1, scrolls};
  });
  return {pageScrolls: page.scrollWidth > page.clientWidth + 1, tables};
}"""


def site_pages(root: Path) -> list[str]:
    """Every page of a built site (not the standalone checklist downloads, not a redirect to a successor)."""
    found = []
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("checklists/") or 'http-equiv="refresh"' in path.read_text(encoding="utf-8"):
            continue
        found.append(rel)
    return found


@pytest.fixture
def wide_and_narrow(browser: Browser, origins: dict[str, str]) -> Iterator[dict[tuple[str, int], Tab]]:
    """A tab per audience and width (1280 px and 390 px), each failing the test on console errors."""
    contexts, tabs = [], {}
    for audience in ("internal", "public"):
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            contexts.append(context)
            tabs[(audience, width)] = Tab(context.new_page(), origins[audience])
    yield tabs
    for context in contexts:
        context.close()
    for tab in tabs.values():
        assert tab.errors == [] and tab.outside == [], (tab.errors, tab.outside)


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_table_is_wider_than_its_column_at_1280_px_and_at_390_px_only_its_wrapper_scrolls(
        sites: Sites, wide_and_narrow, audience):
    pages = site_pages(getattr(sites, audience))
    assert "accounts/index.html" in pages or audience == "public"
    narrow_wide = 0
    for rel in pages:
        wide = wide_and_narrow[(audience, 1280)]
        wide.open(rel)
        found = wide.page.evaluate(MEASURE)
        assert not found["pageScrolls"], f"{rel} scrolls sideways at 1280 px"
        for table in found["tables"]:
            assert not (table["wider"] or table["past"] or table["scrolls"]), f"{rel} at 1280 px: {table}"
        narrow = wide_and_narrow[(audience, 390)]
        narrow.open(rel)
        found = narrow.page.evaluate(MEASURE)
        assert not found["pageScrolls"], f"{rel} scrolls sideways at 390 px"
        for table in found["tables"]:
            assert not table["past"] or table["scrolls"], f"{rel} at 390 px: a table runs out of its column: {table}"
            narrow_wide += table["wider"]
    # The staff site has wide tables (owners, accounts); the help centre may have none at all.
    assert narrow_wide or audience == "public", "no table is wider than a phone: the 390 px half checked nothing"


def test_the_keyboard_reaches_a_glossary_tooltip_and_shows_its_text(tab):
    page = tab.open("sops/sop-fld-001/")
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "ABBR":
            break
    else:
        pytest.fail("Tab never reached a glossary term")
    term = page.evaluate("document.activeElement.textContent")
    tooltip = page.locator(".md-tooltip2--active")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text({"WO": "Work Order", "FSR": "Field Service Report"}[term])
    page.keyboard.press("Tab")  # on to the next: the tooltip goes
    if page.evaluate("document.activeElement.tagName") != "ABBR":
        expect(page.locator(".md-tooltip2--active")).to_have_count(0)


def test_a_tap_on_a_glossary_term_shows_its_tooltip(browser: Browser, origins: dict[str, str]):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    tab = Tab(context.new_page(), origins["internal"])
    try:
        page = tab.open("sops/sop-fld-001/")
        term = page.locator("article abbr", has_text="FSR").first
        term.scroll_into_view_if_needed()
        expect(page.locator(".md-tooltip2--active")).to_have_count(0)
        term.tap()
        tooltip = page.locator(".md-tooltip2--active")
        expect(tooltip).to_be_visible()
        expect(tooltip).to_contain_text("Field Service Report")
        assert tab.errors == [] and tab.outside == []
    finally:
        context.close()


@pytest.mark.parametrize("path", ["glossary/", "accounts/acc-00201/", "departments/"])
def test_the_skip_link_is_first_and_moves_past_the_header(tab, path):
    page = tab.open(path)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_have_class(re.compile(r"\bmd-skip\b"))
    expect(skip).to_be_visible()  # shown once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.md-content')"), \
        page.evaluate("document.activeElement.outerHTML")


def test_the_navigation_leaves_out_a_department_without_documents_which_its_index_still_lists(tab, site_kb):
    empty = [d for d in site_kb.departments
             if not any(e.model.department == d and e.model.audience != "restricted" for e in site_kb.docs.values())]
    assert empty, "the fixture has a department with no document the staff site shows"
    page = tab.open("departments/")
    nav = page.locator("nav.md-nav--primary")
    for dept in empty:
        name = site_kb.departments[dept].model.name
        expect(nav.get_by_text(name, exact=True)).to_have_count(0)
        link = page.locator("article").get_by_role("link", name=name, exact=True)
        expect(link).to_have_count(1)
    expect(nav.get_by_text("Field Service", exact=True).first).to_be_attached()
    page.locator("article").get_by_role("link", name=site_kb.departments[empty[0]].model.name).click()
    expect(page.locator("h1")).to_have_text(site_kb.departments[empty[0]].model.name)


def test_the_glossary_has_an_a_to_z_index_of_letter_headings(tab):
    page = tab.open("glossary/")
    letters = page.locator("nav.kb-letters")
    expect(letters.locator("li")).to_have_count(26)
    linked = letters.locator("a")
    assert linked.count() >= 2
    for i in range(linked.count()):
        link = linked.nth(i)
        target = link.get_attribute("href")
        heading = page.locator(f"h2{target}")
        expect(heading).to_have_count(1)
        expect(heading).to_contain_text(link.inner_text())
        terms = page.locator(f"h2{target} + dl dt strong")
        assert terms.count() >= 1
        assert all(t.strip().upper().startswith(link.inner_text()) for t in terms.all_inner_texts())
    expect(letters.locator(".kb-letters__none").first).not_to_have_attribute("href", "#")
    page.locator("nav.kb-letters a", has_text="S").click()
    assert page.url.endswith("#kb-letter-s")
    expect(page.locator("#kb-letter-s")).to_be_in_viewport()


def _review_rows(page):
    return page.locator(".kb-filtered tbody tr")


def _visible_rows(page) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        ".kb-filtered tbody tr",
        "rows => rows.filter(r => r.offsetParent !== null).map(r => ({kind: r.dataset.kind, "
        "department: r.dataset.department, owner: r.dataset.owner}))")


def test_the_review_dashboard_filters_by_kind_department_and_owner(tab):
    page = tab.open("reviews/")
    total = _review_rows(page).count()
    assert total >= 4
    filters = page.get_by_role("group", name="Show only the reviews of")  # (the search has choices too)
    kind = filters.get_by_label("Kind", exact=True)
    kind.focus()  # by keyboard: the first kind after "All kinds"
    page.keyboard.press("ArrowDown")
    chosen = kind.input_value()
    shown = _visible_rows(page)
    assert shown and len(shown) < total and {r["kind"] for r in shown} == {chosen}
    expect(page.locator(".kb-filters__status")).to_have_text(f"Showing {len(shown)} of {total} reviews.")
    page.get_by_role("button", name="Show all").click()
    expect(page.locator(".kb-filters__status")).to_have_text("")
    assert len(_visible_rows(page)) == total

    filters.get_by_label("Owner", exact=True).select_option(label="Petra Novak")
    shown = _visible_rows(page)
    assert shown and {r["owner"] for r in shown} == {"person:petra"}
    filters.get_by_label("Kind", exact=True).select_option("sop")
    shown = _visible_rows(page)
    assert shown and all(r["kind"] == "sop" and r["owner"] == "person:petra" for r in shown)
    page.get_by_role("button", name="Show all").click()

    department = filters.get_by_label("Department", exact=True)
    department.select_option(index=1)
    shown = _visible_rows(page)
    assert shown and {r["department"] for r in shown} == {department.input_value()}
    # A table left without a matching row says so instead.
    for group in page.locator(".kb-filtered").all():
        rows = group.locator("tbody tr")
        if rows.count() and not any(rows.nth(i).is_visible() for i in range(rows.count())):
            expect(group.locator(".kb-filtered__none")).to_be_visible()


def test_without_script_the_dashboard_lists_every_review_and_no_filters(browser: Browser, origins: dict[str, str]):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(origins["internal"] + "reviews/")
        expect(page.locator("#kb-filters")).to_be_hidden()
        rows = _review_rows(page)
        assert rows.count() >= 4
        assert all(rows.nth(i).is_visible() for i in range(rows.count()))
    finally:
        context.close()


def test_the_dashboards_bars_link_to_their_owners_and_say_what_they_count(tab):
    page = tab.open("reviews/")
    chart = page.locator("svg.kb-chart")
    expect(chart.locator(".kb-chart__axis").first).to_contain_text("Reviews")
    bars = chart.locator("a.kb-chart__link")
    assert bars.count() >= 2
    first = bars.first
    expect(first.locator(".kb-chart__count")).to_have_text("3 overdue, 0 due soon")
    expect(first.locator(".kb-chart__label")).to_have_text("Petra Novak")
    first.locator("rect.kb-chart__overdue").click()
    page.wait_for_url("**/owners/person-petra/")
    expect(page.locator("h1")).to_have_text("Petra Novak")


# -- a checklist download under the live-reload preview ------------------------------------------


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return None


def test_a_checklist_download_runs_the_previews_live_reload_without_a_policy_error(
        tmp_path: Path, browser: Browser, sites: Sites):
    built = (sites.internal / "checklists" / "tpl-care-001.html")
    assert "script-src" not in built.read_text(encoding="utf-8")  # the built site's policy is as strict as ever
    root = copy_site_kb(tmp_path / "kb")
    port = free_port()
    env = dict(os.environ, KB_TODAY=SITE_TODAY, KB_AUDIENCE="internal", NO_MKDOCS_2_WARNING="1")
    argv = [sys.executable, "-m", "mkdocs", "serve", "--dirty", "-f", str(root / "mkdocs.yml"),
            "-a", f"127.0.0.1:{port}"]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    origin = f"http://127.0.0.1:{port}/"
    download = origin + "checklists/tpl-care-001.html"
    context = browser.new_context()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None and _get(download) is None:
            time.sleep(0.25)
        served = _get(download)
        assert served is not None, "mkdocs serve never served the checklist"
        assert "var livereload" in served  # the server added its script
        tab = Tab(context.new_page(), origin)
        with tab.page.expect_request("**/livereload/**"):  # the script ran and asks the server for changes
            page = tab.open("checklists/tpl-care-001.html")
        expect(page.locator("h1")).to_contain_text("Quarterly account review")
        assert page.evaluate("typeof livereload") == "function"
        assert tab.errors == [], tab.errors
        assert tab.outside == []
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=10)
