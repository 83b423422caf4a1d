"""The customers' site as a help centre, in headless Chromium (tests/chromium.py).

The session's public build of the fixture knowledge base (topics and contact in its kb.yml):
the home page by topic, the topic pages, an article with "Updated N days ago" and nothing for
staff, "Contact support", the feedback widget's customer wording. A copy of the fixture, built
again, has articles changed today and yesterday, an article in no topic, and errors in internal
content: the public build's log names none of them, the internal build's names them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chromium import Tab, require_chromium, serve
from conftest import SITE_FIXTURE, SITE_TODAY, Sites, copy_site_kb, finish, mkdocs_build
from kbtools.load.loader import load
from kbtools.site.view import build_view

pytest_plugins = ["chromium"]

require_chromium()

from playwright.sync_api import Browser, Route, expect  # noqa: E402

TODAY = dt.date.fromisoformat(SITE_TODAY)
PUBLIC = pytest.mark.parametrize("tab", ["public"], indirect=True)
# What only staff read: the review banner's and metadata panel's words, the staff sections.
STAFF_WORDS = ("Check with the owner", "Review overdue", "Review due soon", "Next review", "Last review",
               "Owner", "Department", "Status", "Version", "Effective", "Blank checklist",
               "Roles and responsibilities", "Document history", "Report a knowledge gap", "start a run")


@pytest.fixture(scope="module")
def help_centre():
    """The fixture's help_centre settings, as kb reads them."""
    return load(SITE_FIXTURE).config.help_centre


def _titles(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def _staff_words(text: str) -> list[str]:
    return [w for w in STAFF_WORDS if re.search(rf"\b{re.escape(w)}\b", text, re.I)]


# -- the session's public build ------------------------------------------------------------------


@PUBLIC
def test_the_home_page_shows_the_topics_of_kb_yml_with_their_articles(tab: Tab, help_centre, site_kb):
    page = tab.open("")
    assert _titles(page, ".kb-topic__title") == [t.title for t in help_centre.topics]
    supply = page.locator(".kb-topic", has=page.locator(".kb-topic__title", has_text="Water supply"))
    expect(supply).to_contain_text("What to do when the water stops")
    assert _titles(supply, ".kb-topic__articles a") == [site_kb.docs["ART-DSK-001"].model.title]
    meters = page.locator(".kb-topic", has=page.locator(".kb-topic__title", has_text="Meters"))
    assert _titles(meters, ".kb-topic__articles a") == [site_kb.docs["ART-DSK-002"].model.title]  # by its tag
    expect(page.locator("article")).not_to_contain_text("Other articles")  # every article has a topic
    nav = page.locator("nav.md-nav--primary")
    for topic in help_centre.topics:
        expect(nav).to_contain_text(topic.title)
    expect(nav).not_to_contain_text("Departments")
    expect(nav).not_to_contain_text("Document types")
    meters.locator(".kb-topic__title").click()
    page.wait_for_load_state()
    assert page.url.endswith("/topics/meters/")


def _days_since_change(doc) -> int:
    return (TODAY - max(c.date for c in doc.changelog)).days


@PUBLIC
def test_a_topic_page_lists_its_published_articles(tab: Tab, site_kb, sites: Sites):
    page = tab.open("topics/supply/")
    expect(page.locator("h1")).to_have_text("Water supply and interruptions")
    article = site_kb.docs["ART-DSK-001"].model
    assert _titles(page, ".kb-article__title") == [article.title]  # ART-DSK-003, a draft it lists, is not shown
    expect(page.locator(".kb-article")).to_contain_text(article.summary)
    expect(page.locator(".kb-article")).to_contain_text(f"Updated {_days_since_change(article)} days ago")
    page.locator(".kb-article__title").click()
    page.wait_for_load_state()
    assert page.url.endswith("/sops/art-dsk-001/")
    for staff in ("departments", "types", "tags"):  # no staff listings in the public site
        assert not (sites.public / staff).exists(), staff


@PUBLIC
@pytest.mark.parametrize("doc_id", ["ART-DSK-001", "ART-DSK-002"])
def test_an_article_shows_when_it_changed_and_nothing_for_staff(tab: Tab, site_kb, doc_id):
    doc = site_kb.docs[doc_id].model
    page = tab.open(f"sops/{doc_id.lower()}/")
    changed = max(c.date for c in doc.changelog)
    updated = page.locator(".kb-updated time")
    expect(updated).to_have_text(f"Updated {_days_since_change(doc)} days ago")
    assert updated.get_attribute("datetime") == changed.isoformat()
    assert page.locator(".kb-banner, .kb-meta, .kb-owner, .kb-status, .kb-gap-link, .kb-downloads").count() == 0
    text = page.locator("article").inner_text()
    assert _staff_words(text) == [], text
    desk = site_kb.departments["desk"].model
    assert desk.description and desk.description not in page.content()
    assert site_kb.teams["desk-agents"].model.name not in text  # the owning team
    expect(page.locator("h1")).to_have_text(re.compile(rf"^{re.escape(doc.title)}\W*$"))
    assert page.title().startswith(doc.title)  # no id in the title customers see


def test_the_staff_site_keeps_its_banner_and_panel(tab: Tab, site_kb):
    page = tab.open("sops/art-dsk-001/")
    expect(page.locator(".kb-banner")).to_contain_text("Current")
    expect(page.locator(".kb-meta")).to_contain_text("Owner")
    expect(page.locator(".kb-owner")).to_have_text(site_kb.teams["desk-agents"].model.name)
    assert page.locator(".kb-updated").count() == 0
    expect(page.locator("form.kb-feedback legend")).to_have_text("Was this page helpful?")


@PUBLIC
def test_the_topics_an_article_is_in_link_back_to_them(tab: Tab):
    page = tab.open("sops/art-dsk-002/")
    link = page.locator(".kb-updated__topics a")
    expect(link).to_have_text("Meters and readings")
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("/topics/meters/")


@PUBLIC
@pytest.mark.parametrize("path", ["", "topics/supply/", "topics/meters/", "sops/art-dsk-001/", "sops/art-dsk-002/",
                                  "glossary/", "help/", "404.html"])
def test_contact_support_on_every_kind_of_page(tab: Tab, help_centre, path):
    """The home page, the topics, the articles, the glossary, a hand-written page and the page of an
    address the site does not have (test_help_centre.py checks every page of the build)."""
    contact = help_centre.contact
    page = tab.open(path)
    section = page.locator(".kb-contact")
    expect(section).to_have_count(1)
    expect(section).to_contain_text("Still need help?")
    expect(section).to_contain_text(contact.text)
    button = section.get_by_role("link", name="Contact support")
    expect(button).to_be_visible()
    assert button.get_attribute("href") == contact.url
    assert section.locator(".kb-contact__email a").get_attribute("href") == f"mailto:{contact.email}"


@PUBLIC
def test_the_feedback_widget_speaks_to_customers(tab: Tab, help_centre):
    words = help_centre.feedback
    page = tab.open("sops/art-dsk-001/")
    form = page.locator("form.kb-feedback")
    expect(form.locator("legend")).to_have_text(words.title)
    expect(form.locator("button[data-md-value='1']")).to_have_attribute("title", words.helpful)
    expect(form.locator("button[data-md-value='0']")).to_have_attribute("title", words.unhelpful)
    form.locator("button[data-md-value='0']").click()  # served statically: no service to send to
    expect(page.locator("#kb-feedback-status")).to_have_text(words.unavailable)
    expect(page.locator("#kb-feedback-fallback")).to_have_text(words.fallback)
    assert "owner" not in form.inner_text().lower()


@PUBLIC
def test_sent_feedback_thanks_the_customer_in_their_words(tab: Tab, help_centre):
    words = help_centre.feedback
    page = tab.page
    posted: list[object] = []

    def api(route: Route) -> None:
        if route.request.url.endswith("/api/v1/status"):
            route.fulfill(status=200, json={"service": "kb", "version": 1, "audience": "public"})
        else:
            posted.append(route.request.post_data_json)
            route.fulfill(status=201, json={"id": "FB-1"})

    page.route("**/api/v1/**", api)
    tab.open("sops/art-dsk-002/")
    page.locator("form.kb-feedback button[data-md-value='0']").click()
    expect(page.locator(".kb-feedback__label")).to_contain_text(words.ask)
    page.fill("#kb-feedback-comment", "Where is the meter in a flat?")
    page.click("#kb-feedback-send")
    expect(page.locator("#kb-feedback-status")).to_have_text(words.sent_unhelpful)
    assert [p["doc"] for p in posted] == ["ART-DSK-002"]  # type: ignore[index]


# -- a copy of the fixture, built again: dates, the default topic, the builds' logs ---------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _changed_on(root: Path, rel: str, version: str, day: dt.date) -> None:
    """A new version of a document, changed on `day`."""
    path = root / rel
    text = re.sub(r'^version: "[^"]*"', f'version: "{version}"', path.read_text(encoding="utf-8"), count=1, flags=re.M)
    entry = f'  - {{version: "{version}", date: {day}, summary: Clearer.}}\n'
    text = text.replace("changelog:\n", "changelog:\n" + entry, 1)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def changed_copy(tmp_path_factory) -> tuple[Path, dict[str, tuple[int, str, Path]]]:
    """The fixture with ART-DSK-001 changed yesterday and ART-DSK-002 today, the meters topic gone
    (so ART-DSK-002 is in no topic), and errors in internal content: an internal document naming an
    unknown one and an overdue review (POL-CARE-001, as in the fixture). Both builds' exit codes,
    logs and sites; the internal one is not strict (its errors are the point)."""
    base = tmp_path_factory.mktemp("help-centre")
    root = copy_site_kb(base / "kb")
    _changed_on(root, "sops/desk/ART-DSK-001.md", "1.3", TODAY - dt.timedelta(days=1))
    _changed_on(root, "sops/desk/ART-DSK-002.md", "1.1", TODAY)
    kb_yml = root / "kb.yml"
    text = kb_yml.read_text(encoding="utf-8")
    kb_yml.write_text(text[:text.index("    - id: meters")] + text[text.index("  contact:"):], encoding="utf-8")
    _edit(root / "sops/care/SOP-CARE-002.md", "related: [TPL-CARE-001]", "related: [TPL-CARE-001, SOP-CARE-999]")
    runs = {"public": mkdocs_build(root, base / "public", "public"),
            "internal": mkdocs_build(root, base / "internal", "internal", strict=False)}
    built = {audience: (*finish(process), base / audience) for audience, process in runs.items()}
    return root, built


@pytest.fixture(scope="module")
def changed_origin(changed_copy) -> Iterator[str]:
    _, built = changed_copy
    server, url = serve(built["public"][2])
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def changed_tab(browser: Browser, changed_origin: str) -> Iterator[Tab]:
    context = browser.new_context()
    opened = Tab(context.new_page(), changed_origin)
    yield opened
    context.close()
    assert opened.errors == [] and opened.outside == [], (opened.errors, opened.outside)


@pytest.mark.parametrize("doc,words", [("art-dsk-002", "Updated today"), ("art-dsk-001", "Updated 1 day ago")])
def test_updated_today_and_one_day_ago(changed_tab: Tab, doc, words):
    page = changed_tab.open(f"sops/{doc}/")
    expect(page.locator(".kb-updated time")).to_have_text(words)


def test_an_article_of_no_topic_is_under_other_articles(changed_tab: Tab, changed_copy):
    page = changed_tab.open("")
    assert _titles(page, ".kb-topic__title") == ["Water supply and interruptions", "Other articles"]
    other = page.locator(".kb-topic", has=page.locator(".kb-topic__title", has_text="Other articles"))
    assert _titles(other, ".kb-topic__articles a") == ["Read your water meter"]
    other.locator(".kb-topic__title").click()
    page.wait_for_load_state()
    expect(page.locator(".kb-article")).to_contain_text("Updated today")
    expect(page.locator("nav.md-nav--primary")).to_contain_text("Other articles")


def test_the_public_build_log_names_nothing_internal(changed_copy):
    root, built = changed_copy
    code, internal_log, _ = built["internal"]
    assert code == 0 and "Traceback" not in internal_log
    # The internal build reports the internal findings, by file and id.
    assert "sops/care/SOP-CARE-002.md" in internal_log and "SOP-CARE-999" in internal_log
    assert "sops/care/POL-CARE-001.md" in internal_log and "[review-overdue]" in internal_log
    code, public_log, _ = built["public"]
    assert code == 0, public_log  # --strict: errors in internal content do not fail the public build
    kb = load(root)
    view = build_view(kb, "public", TODAY)
    docs = [(i, e) for i, e in kb.docs.items() if i not in view.docs]
    hidden = {"SOP-CARE-999"} | {i for i, _ in docs} | {e.path for _, e in docs} | {e.model.title for _, e in docs}
    hidden |= set(kb.accounts) | {a.model.name for a in kb.accounts.values()} | {e.path for e in kb.accounts.values()}
    hidden |= {p.model.name for i, p in kb.people.items() if i not in view.people}
    hidden |= {f"person:{i}" for i in kb.people if i not in view.people}
    hidden |= {f"team:{i}" for i in kb.teams if i not in view.teams}
    assert len(hidden) > 20, "the fixture has internal content for the log to leave out"
    assert sorted(h for h in hidden if h in public_log) == []
    assert "findings about content the public site does not show are left to the internal build" in public_log


def test_a_public_finding_is_reported_without_the_internal_names_in_it(tmp_path):
    """A public article's error fails the public build; its did-you-mean names an internal person,
    which the public log leaves out and the internal log keeps."""
    root = copy_site_kb(tmp_path / "kb")
    _edit(root / "sops/desk/ART-DSK-001.md", "approvers: [team:gov-board]", "approvers: [team:gov-board, person:petr]")
    runs = {a: mkdocs_build(root, tmp_path / a, a, strict=False) for a in ("public", "internal")}
    (_, public_log), (_, internal_log) = (finish(runs["public"]), finish(runs["internal"]))
    line = next(x for x in public_log.splitlines() if "sops/desk/ART-DSK-001.md" in x and "[unknown-reference]" in x)
    assert "unknown person 'petr'" in line and "(not public)" in line
    assert "petra" not in public_log.lower()
    assert "did you mean 'petra'" in internal_log
