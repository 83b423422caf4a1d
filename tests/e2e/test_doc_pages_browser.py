"""Document, owner and account pages in headless Chromium: step links, the table of contents,
the links into the repository, who verified a document, owners' training and accounts' procedures.

The session builds of the fixture knowledge base (conftest's `sites`), served on 127.0.0.1 on a
port the system picks. Every tab fails its test on a console error or a request leaving the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from chromium import Tab, require_chromium, serve
from conftest import MOVED, REPO, SITE_TODAY, copy_site_kb, finish, mkdocs_build, run_kb
from kbtools.site.repo_links import CHANGE_FIELDS, CHANGE_FORM

pytest_plugins = ["chromium"]

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

REPOSITORY = "https://github.com/kestrel/knowledge-base"
TEMPLATE = "sops/tpl-care-001/"


@pytest.fixture
def clipboard_tab(browser: Browser, origins: dict[str, str]) -> Iterator[Tab]:
    """An internal-site tab whose page may read and write the clipboard."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origins["internal"].rstrip("/"))
    opened = Tab(context.new_page(), origins["internal"])
    yield opened
    context.close()
    assert opened.errors == [], f"console errors: {opened.errors}"
    assert opened.outside == [], f"requests outside the site: {opened.outside}"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


# -- 6. step links -----------------------------------------------------------------------------------


def test_copy_link_puts_the_steps_absolute_address_on_the_clipboard(clipboard_tab, site_kb):
    page = clipboard_tab.open(TEMPLATE)
    steps = site_kb.docs["TPL-CARE-001"].model.steps
    number = next(n for n, s in enumerate(steps, 1) if s.id == "write-plan")
    button = page.get_by_role("button", name=f"Copy the link to step {number}: Write the plan for the next quarter")
    expect(button).to_be_visible()
    button.focus()  # a button in the tab order, worked from the keyboard
    page.keyboard.press("Enter")
    status = page.locator("#step-write-plan .kb-copy-link__status")
    expect(status).to_have_text("Link copied")
    expect(status).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == clipboard_tab.origin + TEMPLATE + "#step-write-plan"
    # Another step's copy replaces the confirmation: only the last link copied says so.
    page.locator("#step-collect-usage button.kb-copy-link").click()
    expect(page.locator("#step-collect-usage .kb-copy-link__status")).to_have_text("Link copied")
    expect(status).to_have_text("")
    again = page.evaluate("() => navigator.clipboard.readText()")
    assert again == clipboard_tab.origin + TEMPLATE + "#step-collect-usage"
    # The copied link opens the page at its step.
    page.goto(copied)
    expect(page.locator("#step-write-plan")).to_be_in_viewport()
    assert page.evaluate("() => document.querySelector(':target').id") == "step-write-plan"


SITE_URL = "https://kb.kestrel.example/handbook/"
FOLDER = "handbook/kb"  # where that build's knowledge base is in its repository (`repository.path`)


@pytest.fixture(scope="module")
def published_origin(tmp_path_factory) -> Iterator[str]:
    """The fixture site built with site_url in kb.yml (where it will be published), from a knowledge
    base kept in a folder of its repository (`repository.path`, given with a trailing /), served here."""
    base = tmp_path_factory.mktemp("published")
    root = copy_site_kb(base / "kb")
    config = (root / "kb.yml").read_text(encoding="utf-8")
    at_root = f"repository:\n  url: {REPOSITORY}\n"
    assert at_root in config
    config = config.replace(at_root, f"{at_root}  path: {FOLDER}/\n")
    (root / "kb.yml").write_text(config + f"site_url: {SITE_URL}\n", encoding="utf-8")
    code, out = finish(mkdocs_build(root, base / "site"))
    assert code == 0, out
    server, url = serve(base / "site")
    yield url
    server.shutdown()
    server.server_close()


def test_with_a_site_url_the_copied_link_and_the_suggested_change_name_the_published_page(browser, published_origin):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=published_origin.rstrip("/"))
    opened = Tab(context.new_page(), published_origin)
    page = opened.open(TEMPLATE)
    page.locator("#step-write-plan button.kb-copy-link").click()
    expect(page.locator("#step-write-plan .kb-copy-link__status")).to_have_text("Link copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == SITE_URL + TEMPLATE + "#step-write-plan"
    suggest = page.get_by_role("link", name="Suggest a change").get_attribute("href")
    assert query(suggest)["page"] == SITE_URL + TEMPLATE
    context.close()
    assert opened.errors == [] and opened.outside == []


def test_without_javascript_no_copy_button_is_offered(browser, origins):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(origins["internal"] + TEMPLATE)
    assert page.locator("button.kb-copy-link").count() > 0
    expect(page.locator("button.kb-copy-link").first).to_be_hidden()
    context.close()


def test_every_step_is_in_the_table_of_contents_under_steps_and_reachable(tab, site_kb):
    page = tab.open(TEMPLATE)
    steps = site_kb.docs["TPL-CARE-001"].model.steps
    toc = page.locator(".md-sidebar--secondary nav.md-nav--secondary")  # Material's right-hand table of contents
    under_steps = toc.locator("li:has(> a[href='#kb-steps']) nav a.md-nav__link")
    assert under_steps.evaluate_all("els => els.map(e => e.getAttribute('href'))") == [f"#step-{s.id}" for s in steps]
    expect(under_steps.nth(len(steps) - 1)).to_have_text(f"Step {len(steps)} {steps[-1].title}")
    link = toc.locator(f"a[href='#step-{steps[8].id}']")
    expect(link).to_be_visible()
    link.click()
    assert page.url.endswith(f"#step-{steps[8].id}")
    expect(page.locator(f"#step-{steps[8].id}")).to_be_in_viewport()


def test_the_roles_table_links_the_steps_each_role_works_or_approves(tab, site_kb):
    page = tab.open(TEMPLATE)
    steps = list(enumerate(site_kb.docs["TPL-CARE-001"].model.steps, 1))
    expected = {
        "Account Manager": [(str(n), f"#step-{s.id}") for n, s in steps if s.role == "am"],
        "Care Team Lead": [(str(n), f"#step-{s.id}") for n, s in steps if s.approval is not None],
    }
    assert all(len(v) > 1 for v in expected.values()), expected
    for name, wanted in expected.items():
        row = page.locator(".kb-sections table tr", has=page.locator("td:first-child", has_text=name))
        links = row.locator("td.kb-role-steps a")
        got = links.evaluate_all("els => els.map(e => [e.textContent, e.getAttribute('href')])")
        assert got == [list(w) for w in wanted], name
    last = page.locator(".kb-sections table tr", has=page.locator("td:first-child", has_text="Care Team Lead"))
    last.locator("td.kb-role-steps a").last.click()
    expect(page.locator(expected["Care Team Lead"][-1][1])).to_be_in_viewport()


@pytest.mark.parametrize("run,name", [("setup", "first set-up"), ("review", "periodic review")])
def test_each_runs_overview_links_the_steps_it_takes(tab, site_kb, run, name):
    page = tab.open(TEMPLATE)
    steps = list(enumerate(site_kb.docs["TPL-CARE-001"].model.steps, 1))
    taken = [[str(n), f"#step-{s.id}"] for n, s in steps if not s.runs or run in s.runs]
    assert 1 < len(taken) < len(steps), "every step in every run: the test would prove nothing"
    overview = page.locator(".kb-run-steps", has_text=f"The {name} takes steps")
    got = overview.locator("a[href^='#']").evaluate_all("els => els.map(e => [e.textContent, e.getAttribute('href')])")
    assert got == taken
    overview.locator(f"a[href='{taken[-1][1]}']").click()
    expect(page.locator(taken[-1][1])).to_be_in_viewport()


def test_approval_gates_and_training_link_to_their_steps(tab):
    page = tab.open(TEMPLATE)
    gate = page.locator("#step-sign-off-status .kb-approval a")
    assert gate.evaluate_all("els => els.map(e => e.getAttribute('href'))") == [
        "#step-collect-usage", "#step-rate-satisfaction", "#step-check-contract"]
    covers = page.locator(".kb-training li", has_text="Sitting in on a quarterly review").locator("a")
    assert covers.evaluate_all("els => els.map(e => e.getAttribute('href'))") == [
        "#step-collect-usage", "#step-sign-off-status"]


# -- 7. Edit this page, Suggest a change -----------------------------------------------------------------


@pytest.mark.parametrize("doc,path", [("SOP-FLD-001", MOVED), ("TPL-CARE-001", "sops/care/TPL-CARE-001.md")])
def test_edit_opens_the_documents_file_and_suggest_a_prefilled_issue(tab, site_kb, doc, path):
    page = tab.open(f"sops/{doc.lower()}/")
    edit = page.get_by_role("link", name="Edit this page")
    assert edit.get_attribute("href") == f"{REPOSITORY}/edit/main/{path}"  # the file where it is, moved or not
    suggest = page.get_by_role("link", name="Suggest a change").get_attribute("href")
    assert suggest.startswith(f"{REPOSITORY}/issues/new?")
    model = site_kb.docs[doc].model
    assert query(suggest) == {"template": CHANGE_FORM, "title": f"Change to {doc}: {model.title}", "document": doc,
                              "version": model.version, "page": f"sops/{doc.lower()}/"}


@pytest.mark.parametrize("doc,path", [("SOP-FLD-001", MOVED), ("TPL-CARE-001", "sops/care/TPL-CARE-001.md")])
def test_edit_opens_the_file_in_the_knowledge_bases_folder_of_the_repository(browser, published_origin, doc, path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = Tab(context.new_page(), published_origin)
    page = opened.open(f"sops/{doc.lower()}/")
    edit = page.get_by_role("link", name="Edit this page")
    assert edit.get_attribute("href") == f"{REPOSITORY}/edit/main/{FOLDER}/{path}"
    suggest = page.get_by_role("link", name="Suggest a change").get_attribute("href")
    assert suggest.startswith(f"{REPOSITORY}/issues/new?")  # an issue of the repository, wherever the folder
    context.close()
    assert opened.errors == [] and opened.outside == []


def test_the_change_request_form_has_every_field_the_link_fills():
    form = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / CHANGE_FORM).read_text(encoding="utf-8"))
    assert [item["id"] for item in form["body"] if "id" in item] == list(CHANGE_FIELDS)


@pytest.mark.parametrize("tab", ["public"], indirect=True)
def test_the_public_site_has_no_links_into_the_repository(tab):
    page = tab.open("sops/art-dsk-002/")
    expect(page.locator(".kb-updated")).to_be_visible()  # the help centre's article
    assert page.get_by_role("link", name="Edit this page").count() == 0
    assert page.get_by_role("link", name="Suggest a change").count() == 0
    assert page.locator(".kb-verified").count() == 0


# -- 9. who verified it; owners' training --------------------------------------------------------------


def test_the_verified_badge_names_the_last_reviewer_and_the_log_lists_every_review(tab):
    page = tab.open(TEMPLATE)
    badge = page.locator(".kb-verified__badge")
    # The latest review (not the first written), the reviewer's name from the registry, the note as text.
    expect(badge).to_have_text(
        "✓ Verified by Petra Novak on 1 June 2026: Gates checked against POL-CARE-001 <no changes>")
    badge.get_by_role("link", name="Petra Novak").click()
    assert page.url.endswith("/owners/person-petra/")
    page.go_back()
    log = page.locator(".kb-review-log")
    expect(log.locator("table")).to_be_hidden()
    log.locator("summary").click()
    rows = log.locator("tbody tr")
    expect(rows).to_have_count(2)
    assert rows.evaluate_all("rs => rs.map(r => r.innerText.split('\\t').map(c => c.trim()))") == [
        ["1 June 2026", "Petra Novak", "Gates checked against POL-CARE-001 <no changes>"],
        ["30 May 2025", "Ines Duarte", ""],
    ]


def test_a_document_never_verified_shows_no_badge(tab, site_kb):
    assert not site_kb.docs["SOP-CARE-002"].model.reviews
    page = tab.open("sops/sop-care-002/")
    expect(page.locator(".kb-banner")).to_be_visible()
    assert page.locator(".kb-verified").count() == 0


def test_owner_pages_list_the_training_they_own_with_links_to_its_steps(tab):
    page = tab.open("owners/team-care-managers/")
    row = page.locator("tr", has_text="TRN-104")
    expect(row).to_contain_text("Sitting in on a quarterly review")
    step = row.get_by_role("link", name="step 4 Approval: account status")
    step.click()
    assert page.url.endswith("/sops/tpl-care-001/#step-sign-off-status")
    expect(page.locator("#step-sign-off-status")).to_be_in_viewport()
    person = tab.open("owners/person-nadia/")
    expect(person.get_by_role("link", name="Dispatch walkthrough")).to_have_attribute(
        "href", "https://learn.kestrel.example/dispatch")
    # Restricted training is in no build, not even on its owner's page.
    board = tab.open("owners/team-gov-board/")
    expect(board.locator("article")).not_to_contain_text("Breach drill")


# -- 11. an account's procedures -------------------------------------------------------------------------


def fetch(tab: Tab, href: str) -> str:
    response = tab.page.request.get(href)
    assert response.ok, href
    return response.text()


@pytest.mark.parametrize("account,kind,heading,fmt,command", [
    # In transition: the transition SOP, its checklist counted from the day the transition started.
    ("ACC-00203", "transition", "Account transition: SOP-CARE-002 Account handover between CSMs", "Markdown",
     ["SOP-CARE-002", "--start", "2026-11-16"]),
    # Tier 1: the periodic-review steps of the review template.
    ("ACC-00201", "review", "Account review: TPL-CARE-001 Quarterly account review (periodic review steps)", "CSV",
     ["TPL-CARE-001", "--run", "review", "--format", "csv"]),
])
def test_an_account_links_its_procedure_and_the_checklist_filled_in_for_it(tab, sites, capsys, account, kind,
                                                                            heading, fmt, command):
    page = tab.open(f"accounts/{account.lower()}/")
    procedure = page.locator(f".kb-procedure--{kind}")
    expect(procedure).to_contain_text(heading)
    link = procedure.locator(".kb-downloads--filled").get_by_role("link", name=fmt)
    published = fetch(tab, link.evaluate("a => a.href"))
    cli = run_kb(["checklist", *command, "--account", account, "--root", str(sites.kb), "--today", SITE_TODAY],
                 capsys)
    assert cli.code == 0 and published == cli.out
    blank = procedure.locator(".kb-downloads:not(.kb-downloads--filled)").get_by_role("link", name=fmt)
    assert published != fetch(tab, blank.first.evaluate("a => a.href"))  # filled in: not the blank one
    doc_id = command[0]
    procedure.get_by_role("link", name=heading.split(": ", 1)[1].split(" (")[0]).click()
    assert page.url.endswith(f"/sops/{doc_id.lower()}/")


def test_an_account_not_in_transition_has_no_transition_procedure(tab, site_kb):
    assert site_kb.accounts["ACC-00201"].model.status == "active"
    page = tab.open("accounts/acc-00201/")
    expect(page.locator(".kb-procedure--review")).to_be_visible()
    assert page.locator(".kb-procedure--transition").count() == 0


def test_a_tier_3_account_gets_the_blank_review_checklist_only(tab, site_kb):
    assert site_kb.accounts["ACC-00203"].model.tier == 3
    page = tab.open("accounts/acc-00203/")
    review = page.locator(".kb-procedure--review")
    expect(review.locator(".kb-downloads")).to_have_count(2)  # the blank checklist and the runs
    assert review.locator(".kb-downloads--filled").count() == 0
    blank = review.get_by_role("link", name="Markdown").evaluate("a => a.href")
    assert blank.endswith("/checklists/tpl-care-001.review.md")
    assert "Quarterly account review (periodic review)" in fetch(tab, blank)
