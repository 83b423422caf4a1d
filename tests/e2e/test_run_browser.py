"""A checklist run worked in headless Chromium on the real service: ticks, a locked step, the approver, the end.

The browser runs no script on the run pages (their policy allows none): every
tick is a form post, answered with a redirect back to the page. Identities come
from the trusted proxy's header, which each browser context sends as its user.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chromium import require_chromium
from kbtools.loop.store import Store
from kbtools.service.settings import parse_networks
from service_util import running, settings_for

require_chromium()

from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402

pytest_plugins = ["chromium"]  # the `browser` fixture
DOC, TIER1 = "TPL-CARE-001", "ACC-00201"
HEADER = "x-remote-user"


@pytest.fixture
def service(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "store.sqlite3", identity_header=HEADER,
                            trusted_proxies=parse_networks("127.0.0.1"))
    with running(settings, site_kb) as running_service:
        yield running_service


@pytest.fixture
def people(browser: Browser) -> Iterator[dict[str, tuple[Page, list[str]]]]:
    contexts: list[BrowserContext] = []
    out = {}
    for who in ("petra", "tobias", "ingrid"):
        context = browser.new_context(extra_http_headers={HEADER: who})
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e, p=problems: p.append(str(e)))
        page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r, p=problems: p.append(f"{r.status} {r.url}") if r.status == 404 else None)
        out[who] = (page, problems)
    yield out
    for context in contexts:
        context.close()


def tick_everything_open(page: Page) -> int:
    """Tick every task the page offers, one form post at a time; how many were ticked."""
    count = 0
    while (button := page.locator('button[aria-label^="Tick: "]')).count():
        button.first.click()
        page.wait_for_load_state()
        count += 1
    return count


def start_run(page: Page, url: str) -> None:
    """From the document's page on the internal site, as a reader would."""
    page.goto(url + "/sops/tpl-care-001/")
    page.get_by_role("link", name="start a run").click()
    expect(page.locator("select[name=doc]")).to_have_value(DOC)
    page.select_option("select[name=account]", TIER1)
    page.select_option("select[name=run]", "review")
    page.get_by_role("button", name="Start the run").click()
    expect(page.locator("h1")).to_contain_text("RUN-1: Quarterly account review (periodic review)")


def test_a_tier_1_review_is_ticked_locked_approved_and_finished(service, people):
    petra, petra_problems = people["petra"]
    tobias, tobias_problems = people["tobias"]
    start_run(tobias, service.url)
    assert tick_everything_open(tobias) == 5  # the three steps before the first gate
    expect(tobias.locator("#step-write-plan")).to_contain_text("Locked until the approval before it is given")
    assert tobias.locator('#step-write-plan button[aria-label^="Tick: "]').count() == 0
    expect(tobias.locator("#step-write-plan textarea[name=value]")).to_be_disabled()
    expect(tobias.locator(".kb-run__summary")).to_contain_text("State: waiting for approval")
    # tobias may not approve: the form is there, the service says no
    tobias.get_by_role("button", name="Approve").click()
    expect(tobias.locator("body")).to_contain_text("only Care Team Lead (role:care-lead) decides step 4")
    assert tobias_problems == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]
    tobias_problems.clear()
    petra.goto(service.url + "/service/runs/RUN-1/")
    petra.locator("#step-sign-off-status textarea[name=note]").fill("Usage and contract checked")
    petra.locator("#step-sign-off-status").get_by_role("button", name="Approve").click()
    expect(petra.locator("#step-sign-off-status")).to_contain_text("Approved")
    expect(petra.locator("#step-sign-off-status")).to_contain_text("person:petra")
    assert tick_everything_open(petra) == 3  # write-plan, and the sponsor meeting of a tier 1 account
    petra.locator("#step-sign-off-plan").get_by_role("button", name="Approve").click()
    assert tick_everything_open(petra) == 4  # the summary (and the NA copy), the comparison with the baseline
    expect(petra.locator(".kb-run__summary")).to_contain_text("State: done")
    assert petra_problems == [] and tobias_problems == []


def test_two_browsers_ticking_the_same_run_from_pages_loaded_before_lose_nothing(service, people, site_kb):
    tobias, tobias_problems = people["tobias"]
    ingrid, ingrid_problems = people["ingrid"]
    start_run(tobias, service.url)
    ingrid.goto(service.url + "/service/runs/RUN-1/")  # both pages show every box empty
    tobias.get_by_role("button", name="Tick: Meter readings for the quarter").click()
    ingrid.get_by_role("button", name="Tick: Leak alert history").click()  # from her page, loaded before
    tobias.wait_for_load_state()
    ingrid.wait_for_load_state()
    with Store(service.service.settings.store) as store:
        done = {i.key: i.by for i in store.run_items(1) if i.done}
    assert done == {"collect-usage/items/1": "person:tobias", "collect-usage/items/2": "person:ingrid"}
    tobias.reload()
    expect(tobias.get_by_role("button", name="Untick: Leak alert history")).to_be_visible()
    assert tobias_problems == [] and ingrid_problems == []
