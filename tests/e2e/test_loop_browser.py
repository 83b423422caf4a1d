"""The knowledge loop end to end: a reader in headless Chromium, the real `kb serve` app and store, then triage.

The reader clicks "No", writes what was missing and sends it; the page says
"Feedback sent" only once the service has it; the Knowledge Management Team
then finds it with `kb feedback list` and its owner in `kb digest`. The same
for a knowledge gap; and a store that cannot take it makes the widget say so.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chromium import browser, require_chromium
from conftest import SITE_TODAY, run_kb
from kbtools.loop.store import Store
from service_util import running, settings_for

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

DOC, PAGE = "SOP-CARE-002", "sops/sop-care-002/"
OWNER = "team:care-managers"


__all__ = ["browser"]  # the module's Chromium, from tests/chromium.py


@pytest.fixture
def reader(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield page, problems
    context.close()


def triage(capsys, sites, store, *args: str) -> dict:
    result = run_kb(["feedback", "list", "--format", "json", "--store", str(store), "--root", str(sites.kb),
                     "--today", SITE_TODAY, *args], capsys)
    assert result.code == 0, result.err
    return result.json()


def digest(capsys, sites, store) -> dict:
    result = run_kb(["digest", "--format", "json", "--store", str(store), "--root", str(sites.kb),
                     "--today", SITE_TODAY], capsys)
    assert result.code == 0, result.err
    return result.json()


def test_a_no_with_a_comment_reaches_triage_and_the_owners_digest(reader, sites, site_kb, tmp_path, capsys):
    page, problems = reader
    store = tmp_path / "store.sqlite3"
    with running(settings_for(sites.kb, sites.internal, store), site_kb) as service:
        page.goto(f"{service.url}/{PAGE}")
        page.locator("button[data-md-value='0']").click()
        page.locator("#kb-feedback-comment").fill("The meter swap form is not where step 2 says <b>it</b> is")
        page.locator("#kb-feedback-send").click()
        expect(page.locator("#kb-feedback-status")).to_contain_text("Feedback sent")
        # Reloaded, the page shows the live figures the service now has.
        page.reload()
        expect(page.locator("#kb-helpfulness")).to_contain_text("1 vote")
    assert problems == []
    [item] = triage(capsys, sites, store)["items"]
    assert (item["doc"], item["helpful"], item["state"], item["owner"]) == (DOC, False, "new", OWNER)
    assert item["text"] == "The meter swap form is not where step 2 says <b>it</b> is"
    assert item["version"] == site_kb.docs[DOC].model.version
    assert item["page"] == "/" + PAGE
    owners = {o["owner"]: o for o in digest(capsys, sites, store)["owners"]}
    [listed] = owners[OWNER]["feedback"]
    assert listed["id"] == item["id"]


def test_a_reported_gap_reaches_triage_and_the_digest(reader, sites, site_kb, tmp_path, capsys):
    page, problems = reader
    store = tmp_path / "store.sqlite3"
    with running(settings_for(sites.kb, sites.internal, store), site_kb) as service:
        page.goto(f"{service.url}/gaps/?doc={DOC}")
        page.locator("#kb-gap-question").fill("How do I hand over an account whose CSM has left?")
        page.locator("input[name=kind][value=cannot]").check()
        page.locator("#kb-gap-product").fill("Meter portal")
        page.locator(".kb-gap__send").click()
        expect(page.locator("#kb-gap-status")).to_contain_text("Knowledge gap reported (GAP-1)")
    assert problems == []
    [gap] = triage(capsys, sites, store, "--kind", "gap")["items"]
    assert (gap["id"], gap["gap_kind"], gap["product"], gap["doc"], gap["owner"]) == (
        "GAP-1", "cannot", "Meter portal", DOC, OWNER)
    owners = {o["owner"]: o for o in digest(capsys, sites, store)["owners"]}
    assert [i["id"] for i in owners[OWNER]["feedback"]] == ["GAP-1"]


def test_the_widget_says_not_sent_when_the_store_cannot_take_it(reader, sites, site_kb, tmp_path):
    page, problems = reader
    path = tmp_path / "store.sqlite3"
    Store(path).close()
    with running(settings_for(sites.kb, sites.internal, path), site_kb, Store(path, read_only=True)) as service:
        page.goto(f"{service.url}/{PAGE}")
        page.locator("button[data-md-value='0']").click()
        page.locator("#kb-feedback-comment").fill("Nothing about meters")
        page.locator("#kb-feedback-send").click()
        status = page.locator("#kb-feedback-status")
        expect(status).to_contain_text("could not be sent")
        expect(status).not_to_contain_text("Feedback sent")
        expect(page.locator("#kb-feedback-fallback")).to_be_visible()
    assert [p for p in problems if "503" not in p] == []  # the browser logs the failed request itself
    with Store(path) as opened:
        assert opened.count() == 0
