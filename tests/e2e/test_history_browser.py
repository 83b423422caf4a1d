"""Versions compared, in real headless Chromium, on the site built from a git repository of the
fixture knowledge base (tests/history_repo.py: three versions of PRC-FLD-001 and ART-DSK-002).

The document's history table names who made each version (from git: a registry person by the
address the commit used, else the git author's name) and links each version to its comparison
with the one before; the comparison marks deleted and inserted words; any two versions can be
compared in the page from the snapshots the build publishes. Every page load fails the test on a
console error or a request leaving the site (`tab`), so the hostile markup of an old version
that ran or loaded would fail it too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chromium import Tab, require_chromium, serve
from conftest import build_both, finish, mkdocs_build
from history_repo import HOSTILE, back_to_first, history_repo

pytest_plugins = ["chromium"]

require_chromium()

from playwright.sync_api import expect  # noqa: E402

PRC = "sops/prc-fld-001/"


@pytest.fixture(scope="module")
def origins(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Both audiences of the git repository's site, served (in place of the session's sites)."""
    base = tmp_path_factory.mktemp("history-site")
    built = build_both(history_repo(base / "kb"), base)
    servers = {audience: serve(path) for audience, path in built.items()}
    yield {audience: url for audience, (_, url) in servers.items()}
    for server, _ in servers.values():
        server.shutdown()
        server.server_close()


def history_rows(page) -> list[list[str]]:
    rows = page.locator("table.kb-history tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]


def test_the_by_column_names_who_made_each_version_from_git(tab):
    page = tab.open(PRC)
    rows = history_rows(page)
    assert [(r[0].split()[0], r[3]) for r in rows] == [
        ("1.2", "Olive Outsider"),  # the git author: not in the registry
        ("1.1", "Uma Reddy"),  # the registry's name for the address the commit used
        ("1.0", "Sam Seed"),
    ]
    uma = page.locator("table.kb-history tbody tr").nth(1).locator("td").nth(3).locator("a")
    expect(uma).to_have_attribute("href", "../../owners/person-uma/")


def test_a_version_links_to_its_comparison_with_the_one_before(tab):
    page = tab.open(PRC)
    page.locator("table.kb-history a.kb-compare-link", has_text="1.1").click()
    page.wait_for_load_state()
    assert page.url.endswith("/history/prc-fld-001/1.0..1.1/")
    expect(page.locator("h1")).to_have_text("PRC-FLD-001: version 1.0 and 1.1 compared")
    built = page.locator("#kb-compare-built")
    body = built.locator(".kb-diff--body")
    expect(body.locator("del")).to_have_text(["visits"])
    expect(body.locator("ins").first).to_have_text("calls on")
    summary = built.locator("table.kb-compare-fields tr", has=page.locator("th", has_text="summary"))
    expect(summary.locator("del")).to_have_text("visits")
    expect(summary.locator("ins")).to_have_text("calls")
    step = built.locator(".kb-compare-step--changed")
    expect(step.locator("strong")).to_have_text("visit-90")
    expect(step.locator("ins")).to_have_text(" with the customer")
    # The deleted word is struck through, as the page says
    assert body.locator("del").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"


def test_markup_in_an_old_version_is_shown_as_text(tab):
    page = tab.open("history/prc-fld-001/1.1..1.2/")
    deleted = page.locator("#kb-compare-built .kb-diff--body del")
    expect(deleted.filter(has_text="onerror")).to_have_count(1)
    assert HOSTILE in " ".join(deleted.all_text_contents())
    assert page.locator(".kb-compare img").count() == 0


def test_any_two_versions_compared_in_the_browser(tab):
    page = tab.open("history/prc-fld-001/1.1..1.2/", idle=True)
    page.select_option("select[name=from]", "1.0")
    page.select_option("select[name=to]", "1.2")
    page.get_by_role("button", name="Compare").click()
    result = page.locator("#kb-compare-result")
    expect(result.locator("h2")).to_have_text("Version 1.0 and 1.2 compared")
    body = result.locator(".kb-diff--body")
    expect(body.locator("del")).to_have_text(["visits", "customer"])
    expect(body.locator("ins")).to_have_text(["calls on", "client"])
    added = result.locator(".kb-compare-step--added")
    expect(added.locator("strong")).to_have_text("visit-120")
    expect(result.locator(".kb-compare-step--changed strong")).to_have_text("visit-90")
    version = result.locator("tr", has=page.locator("th", has_text="version"))
    expect(version.locator("del")).to_have_text("0")
    expect(version.locator("ins")).to_have_text("2")
    # and back the other way: what 1.2 added is what going back to 1.0 deletes
    page.select_option("select[name=from]", "1.2")
    page.select_option("select[name=to]", "1.0")
    page.get_by_role("button", name="Compare").click()
    expect(result.locator("h2")).to_have_text("Version 1.2 and 1.0 compared")
    expect(result.locator(".kb-compare-step--removed strong")).to_have_text("visit-120")
    expect(body.locator("ins")).to_have_text(["visits", "customer"])


def test_a_version_that_does_not_load_is_listed_with_a_note_and_skipped(tab):
    page = tab.open("sops/art-dsk-002/")
    rows = history_rows(page)
    assert [r[0] for r in rows] == ["1.2 (compared with 1.0)", "1.1", "1.0"]
    assert "[line-too-long]" in rows[1][2] and "not compared" in rows[1][2]
    assert rows[1][3] == "Uma Reddy"
    page.locator("a.kb-compare-link").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("ART-DSK-002: version 1.0 and 1.2 compared")
    expect(page.locator("select[name=from] option")).to_have_text(["1.0", "1.2"])  # 1.1 has no snapshot


def test_two_versions_of_one_number_compared_in_the_browser(browser, tmp_path):
    """Committed 1.0, 1.1, then 1.0 again: the two versions 1.0 are told apart by their commits."""
    root = history_repo(tmp_path / "kb", versions=2)
    back_to_first(root)
    code, out = finish(mkdocs_build(root, tmp_path / "site"))
    assert code == 0, out
    server, origin = serve(tmp_path / "site")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = Tab(context.new_page(), origin)
        page = tab.open(PRC)
        assert [(r[0], r[3]) for r in history_rows(page)] == [("1.0 (compared with 1.1)", "Olive Outsider")]
        page.locator("a.kb-compare-link").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_have_text("PRC-FLD-001: version 1.1 and 1.0 compared")
        first, again = page.locator("select[name=from] option").all_inner_texts()[::2]
        assert first.startswith("1.0 (commit ") and again.startswith("1.0 (commit ") and first != again
        page.select_option("select[name=from]", label=first)
        page.select_option("select[name=to]", label=again)
        page.get_by_role("button", name="Compare").click()
        result = page.locator("#kb-compare-result")
        expect(result.locator("h2")).to_have_text(f"Version {first} and {again} compared")
        expect(result.locator(".kb-empty")).to_have_text(["No field changed.", "The text did not change."])
        assert tab.errors == [] and tab.outside == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("tab", ["public"], indirect=True)
def test_the_public_site_shows_no_authors_and_no_comparisons(tab):
    page = tab.open("sops/art-dsk-002/")
    expect(page.locator(".kb-updated")).to_have_count(1)  # the help centre says when it was updated
    expect(page.locator("table.kb-history")).to_have_count(0)
    expect(page.locator("a.kb-compare-link")).to_have_count(0)
    expect(page.locator(".kb-history-note")).to_have_count(0)
