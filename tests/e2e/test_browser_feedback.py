"""The feedback widget and the knowledge-gap form in headless Chromium.

Served statically (tests/chromium.py), the session builds of the fixture knowledge base have no
service: the widget must offer its fallback link and never claim anything was sent. With the
API answered by Playwright (`page.route`, a stand-in for `kb serve` for the script's sake only:
the service itself has tests of its own), the reader sees "sent" only after a 201, the reason
and the fallback link after a 4xx, a 503, a 429 or no answer at all, and what is posted is
exactly the API's contract. Every test fails on a console error (but the failed requests it
provoked), a Content-Security-Policy violation or a request that leaves the site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chromium import Tab, require_chromium, serve
from conftest import SITE_FIXTURE, copy_site_kb, finish, mkdocs_build, without_contact
from kbtools.load.loader import load

pytest_plugins = ["chromium"]

require_chromium()

from playwright.sync_api import Browser, ConsoleMessage, Route, expect  # noqa: E402

DOC = "sops/sop-fld-001/"
STATUS = {"service": "kb", "version": 1, "audience": "internal"}
HELPFULNESS = {"doc": "SOP-FLD-001", "votes": 12, "helpful": 10, "percent": 83, "open": 2,
               "url": "service/documents/SOP-FLD-001/"}
SENT_YES = "Feedback sent. Thank you!"
SENT_NO = "Feedback sent — we will try to fix the page."
NO_SERVICE = "This copy of the site cannot send feedback."
WATCH_CSP = ("document.addEventListener('securitypolicyviolation', e => (window.kbViolations ="
             " window.kbViolations || []).push(e.effectiveDirective + ' ' + e.blockedURI))")

Answer = Callable[[Route], None]


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None, text: str | None = None) -> Answer:
    def answer(route: Route) -> None:
        if text is not None:
            route.fulfill(status=status, body=text, headers=headers or {}, content_type="text/html")
        else:
            route.fulfill(status=status, json=body, headers=headers or {})
    return answer


def no_answer(route: Route) -> None:
    route.abort("failed")


@dataclass
class Service:
    """The API as the test tells it to answer (by path under api/v1/), and what the page sent it."""

    answers: dict[str, Answer] = field(default_factory=dict)
    posted: list[tuple[str, Any, str]] = field(default_factory=list)  # (path, JSON body, content type)
    asked: list[str] = field(default_factory=list)  # the paths of every request

    def handle(self, route: Route) -> None:
        request = route.request
        path = urlsplit(request.url).path.split("/api/v1/", 1)[1]
        self.asked.append(path)
        if request.method == "POST":
            self.posted.append((path, request.post_data_json, request.headers.get("content-type", "")))
        answer = self.answers.get(path)
        if answer is None and path.startswith("documents/") and path.endswith("/helpfulness"):
            doc = path.split("/")[1]  # a document no test asked about: no votes yet
            answer = reply(200, {"doc": doc, "votes": 0, "helpful": 0, "percent": None, "open": 0,
                                 "url": f"service/documents/{doc}/"})
        (answer or reply(404, {"error": "not found", "code": "not-found"}))(route)


class Reader(Tab):
    """A tab whose console errors keep their address, and whose page may have the API answered."""

    def __init__(self, browser: Browser, origin: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH_CSP)
        super().__init__(context.new_page(), origin)
        self.console: list[ConsoleMessage] = []
        self.page.on("console", lambda m: self.console.append(m) if m.type == "error" else None)
        self.service: Service | None = None
        self.failed_requests_expected = False

    def with_service(self, **answers: Answer) -> Service:
        self.service = Service({"status": reply(200, STATUS), **answers})
        self.page.route("**/api/v1/**", self.service.handle)
        return self.service

    def close(self) -> None:
        violations = self.page.evaluate("() => window.kbViolations || []")
        self.page.context.close()
        assert violations == [], violations
        assert self.outside == [], f"requests outside the site: {self.outside}"
        unexpected = [m.text for m in self.console if not (
            self.failed_requests_expected and m.text.startswith("Failed to load resource")
            and "/api/v1/" in m.location.get("url", ""))]
        assert unexpected == [], f"console errors: {unexpected}"
        assert not [e for e in self.errors if not e.startswith("Failed to load resource")], self.errors


@pytest.fixture
def reader(browser: Browser, origins: dict[str, str], request) -> Iterator[Reader]:
    opened = Reader(browser, origins[getattr(request, "param", "internal")])
    yield opened
    opened.close()


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def issue(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query(url)


ISSUES = "https://github.com/kestrel/knowledge-base/issues/new"
FLD_ISSUE = {"template": "feedback.yml", "title": "Feedback on SOP-FLD-001: Dispatch a field crew to a site",
             "document": "SOP-FLD-001", "version": "2.1", "owner": "Field crew (team:field-crew)",
             "page": "sops/sop-fld-001/"}


# -- without a service: static hosting ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "0"])
def test_without_a_service_both_answers_lead_to_the_pre_filled_issue(reader, value):
    page = reader.open(DOC)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    form = page.locator("form.kb-feedback")
    expect(form).to_be_visible()
    expect(form).to_contain_text("Was this page helpful?")
    form.locator(f"button[data-md-value='{value}']").click()
    expect(page.locator("#kb-feedback-status")).to_have_text(NO_SERVICE)
    link = page.locator("#kb-feedback-fallback")
    expect(link).to_be_visible()
    expect(link).to_have_text("Open an issue for Field crew")
    assert issue(link.get_attribute("href")) == (ISSUES, FLD_ISSUE)
    expect(page.locator(".kb-feedback__comment")).to_be_hidden()
    expect(page.locator("#kb-helpfulness")).to_be_hidden()
    assert "sent" not in page.locator("form.kb-feedback").inner_text().lower()
    assert posts == []


@pytest.mark.parametrize("reader", ["public"], indirect=True)
@pytest.mark.parametrize("path,title", [("sops/art-dsk-001/", "Report a supply interruption"),
                                        ("help/", "Customer help")])
def test_the_public_site_without_a_service_offers_the_help_centres_address_not_an_issue(reader, path, title):
    words = load(SITE_FIXTURE).config.help_centre
    page = reader.open(path)
    page.locator("form.kb-feedback button[data-md-value='0']").click()
    expect(page.locator("#kb-feedback-status")).to_have_text(words.feedback.unavailable)
    link = page.locator("#kb-feedback-fallback")
    expect(link).to_be_visible()
    expect(link).to_have_text(words.feedback.fallback)
    href = link.get_attribute("href")
    assert urlsplit(href).scheme == "mailto" and urlsplit(href).path == words.contact.email
    assert query(href) == {"subject": f"Feedback on {title}",
                           "body": f"Page: {title}\r\nAddress: {path}\r\nWhat I was looking for: \r\n"}
    assert page.locator("#kb-helpfulness").count() == 0
    assert page.get_by_text("Report a knowledge gap").count() == 0


@pytest.fixture(scope="module")
def no_contact_site(browser: Browser, tmp_path_factory) -> Iterator[str]:
    """The public site of the fixture with `fallback: github` and no help_centre.contact, served."""
    base = tmp_path_factory.mktemp("no-contact")
    root = without_contact(copy_site_kb(base / "kb"))
    code, out = finish(mkdocs_build(root, base / "site", "public"))
    assert code == 0, out
    server, url = serve(base / "site")
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("value", ["1", "0"])
def test_a_public_site_with_no_contact_offers_no_link_rather_than_the_repository(browser, no_contact_site, value):
    words = load(SITE_FIXTURE).config.help_centre.feedback
    reader = Reader(browser, no_contact_site)
    try:
        page = reader.open("sops/art-dsk-001/")
        page.locator(f"form.kb-feedback button[data-md-value='{value}']").click()
        expect(page.locator("#kb-feedback-status")).to_have_text(words.unavailable)
        expect(page.locator(".kb-feedback__fallback")).to_be_hidden()
        assert page.locator("#kb-feedback-fallback").get_attribute("href") is None
        assert page.locator("a[href*='github.com']").count() == 0
        assert page.locator(".kb-contact").count() == 0
        expect(page.locator("form.kb-feedback button[data-md-value='1']")).to_be_enabled()  # may try again
    finally:
        reader.close()


def test_a_hand_written_pages_fallback_goes_to_the_governing_team(reader):
    page = reader.open("contributing/")
    page.locator("form.kb-feedback button[data-md-value='1']").click()
    link = page.locator("#kb-feedback-fallback")
    expect(link).to_have_text("Open an issue for Governance board")
    assert issue(link.get_attribute("href")) == (ISSUES, {"template": "feedback.yml", "page": "contributing/",
                                                          "title": "Feedback on Working on this site"})


def test_without_a_service_the_gap_form_offers_the_documents_issue(reader):
    page = reader.open("gaps/?doc=SOP-FLD-001")
    expect(page.locator("#kb-gap-doc")).to_have_value("SOP-FLD-001")
    page.fill("#kb-gap-question", "Can a crew go out on a public holiday?")
    page.locator("input[name=kind][value=unknown]").check()
    page.click(".kb-gap__send")
    expect(page.locator("#kb-gap-status")).to_have_text("This copy of the site cannot take reports.")
    link = page.locator("#kb-gap-fallback")
    expect(link).to_be_visible()
    assert issue(link.get_attribute("href")) == (ISSUES, {
        "template": "knowledge-gap.yml", "title": "Knowledge gap: SOP-FLD-001", "document": "SOP-FLD-001"})
    assert "reported" not in page.locator("form.kb-gap").inner_text().lower()


@pytest.mark.parametrize("asked", ["SOP-NOPE-999", "<b>x</b>", "sop-fld-001", ""])
def test_the_gap_form_takes_only_a_document_id_it_knows_from_the_address(reader, asked):
    page = reader.open(f"gaps/?doc={asked}")
    expect(page.locator("form.kb-gap")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#kb-gap-fallback').href !== ''")
    expect(page.locator("#kb-gap-doc")).to_have_value("")
    assert query(page.locator("#kb-gap-fallback").get_attribute("href")) == {
        "template": "knowledge-gap.yml", "title": "Knowledge gap"}


# -- with the API answered ---------------------------------------------------------------------------


def test_yes_is_sent_at_once_and_thanked_only_after_the_service_took_it(reader):
    service = reader.with_service(feedback=reply(201, {"id": "FB-12", "state": "new"}))
    page = reader.open(DOC)
    page.locator("form.kb-feedback button[data-md-value='1']").click()
    expect(page.locator("#kb-feedback-status")).to_have_text(SENT_YES)
    assert service.posted == [("feedback", {"doc": "SOP-FLD-001", "page": "/sops/sop-fld-001/", "helpful": True,
                                            "comment": None}, "application/json")]
    expect(page.locator("#kb-feedback-fallback")).to_be_hidden()
    for button in page.locator(".kb-feedback__rating button").all():
        expect(button).to_be_disabled()  # one answer a reading


def test_no_opens_the_comment_box_and_send_posts_the_comment(reader):
    service = reader.with_service(feedback=reply(201, {"id": "FB-13", "state": "new"}))
    page = reader.open(DOC)
    page.locator("form.kb-feedback button[data-md-value='0']").click()
    box = page.locator(".kb-feedback__comment")
    expect(box).to_be_visible()
    expect(box).to_contain_text("What was missing or wrong?")
    assert page.locator("#kb-feedback-comment").get_attribute("maxlength") == "2000"
    assert [p for p, *_ in service.posted] == []  # nothing until Send
    comment = 'Step 3 says <b>"brief"</b> & nothing about\nhazard sheets. Été'
    page.fill("#kb-feedback-comment", comment)
    page.click("#kb-feedback-send")
    expect(page.locator("#kb-feedback-status")).to_have_text(SENT_NO)
    assert service.posted == [("feedback", {"doc": "SOP-FLD-001", "page": "/sops/sop-fld-001/", "helpful": False,
                                            "comment": comment}, "application/json")]
    expect(box).to_be_hidden()


def test_an_empty_comment_is_sent_as_null(reader):
    service = reader.with_service(feedback=reply(201, {"id": "FB-14", "state": "new"}))
    page = reader.open(DOC)
    page.locator("form.kb-feedback button[data-md-value='0']").click()
    page.fill("#kb-feedback-comment", "   ")
    page.click("#kb-feedback-send")
    expect(page.locator("#kb-feedback-status")).to_have_text(SENT_NO)
    assert service.posted[0][1]["comment"] is None


@pytest.mark.parametrize("answer,reason", [
    (reply(503, {"error": "The <b>store</b> cannot take feedback now", "code": "store-unavailable"}),
     "The <b>store</b> cannot take feedback now."),
    (reply(429, {"error": "Too many submissions", "code": "rate-limited"}, {"Retry-After": "30"}),
     "Too many submissions. Try again in 30 seconds."),
    (reply(400, {"error": "Unknown document SOP-FLD-001?", "code": "unknown-document"}),
     "Unknown document SOP-FLD-001?"),
    (reply(500, text="<html><body>Internal Server Error</body></html>"), "the server answered 500."),
    (reply(200, {"id": "FB-1", "state": "new"}), "the server answered 200."),
    (no_answer, "the site's server did not answer."),
], ids=["503", "429", "400", "500-html", "200-not-201", "no-answer"])
def test_a_comment_that_is_not_accepted_says_so_offers_the_fallback_and_can_be_sent_again(reader, answer, reason):
    reader.failed_requests_expected = True
    service = reader.with_service(feedback=answer)
    page = reader.open(DOC)
    page.locator("form.kb-feedback button[data-md-value='0']").click()
    page.fill("#kb-feedback-comment", "The crew list is out of date.")
    page.click("#kb-feedback-send")
    status = page.locator("#kb-feedback-status")
    expect(status).to_have_text("Your feedback could not be sent: " + reason)
    assert status.locator("*").count() == 0  # the server's words as text, never as markup
    assert status.get_attribute("aria-live") == "polite"
    expect(page.locator("#kb-feedback-fallback")).to_be_visible()
    assert issue(page.locator("#kb-feedback-fallback").get_attribute("href")) == (ISSUES, FLD_ISSUE)
    assert "sent —" not in page.locator("form.kb-feedback").inner_text()
    service.answers["feedback"] = reply(201, {"id": "FB-15", "state": "new"})
    page.click("#kb-feedback-send")
    expect(status).to_have_text(SENT_NO)
    expect(page.locator("#kb-feedback-fallback")).to_be_hidden()
    assert [body["comment"] for _, body, _ in service.posted] == ["The crew list is out of date."] * 2


def test_a_yes_that_fails_can_be_given_again(reader):
    reader.failed_requests_expected = True
    service = reader.with_service(feedback=reply(503, {"error": "Read-only store", "code": "store-unavailable"}))
    page = reader.open(DOC)
    yes = page.locator("form.kb-feedback button[data-md-value='1']")
    yes.click()
    expect(page.locator("#kb-feedback-status")).to_have_text("Your feedback could not be sent: Read-only store.")
    expect(yes).to_be_enabled()
    service.answers["feedback"] = reply(201, {"id": "FB-16", "state": "new"})
    yes.click()
    expect(page.locator("#kb-feedback-status")).to_have_text(SENT_YES)


def test_a_hand_written_page_sends_no_document(reader):
    service = reader.with_service(feedback=reply(201, {"id": "FB-17", "state": "new"}))
    page = reader.open("contributing/")
    page.locator("form.kb-feedback button[data-md-value='1']").click()
    expect(page.locator("#kb-feedback-status")).to_have_text(SENT_YES)
    assert service.posted == [("feedback", {"doc": None, "page": "/contributing/", "helpful": True, "comment": None},
                               "application/json")]


@pytest.mark.parametrize("status", [
    {"service": "kb", "version": 2, "audience": "internal"}, {"service": "other", "version": 1},
    {"service": "static", "version": 1}, "not an object",
])
def test_an_answer_that_is_not_the_kb_service_is_no_service(reader, status):
    service = reader.with_service(status=reply(200, status))
    page = reader.open(DOC)
    page.locator("form.kb-feedback button[data-md-value='1']").click()
    expect(page.locator("#kb-feedback-status")).to_have_text(NO_SERVICE)
    assert service.posted == []


# -- the helpfulness line ------------------------------------------------------------------------------


def test_an_internal_document_shows_its_live_helpfulness(reader):
    service = reader.with_service(**{"documents/SOP-FLD-001/helpfulness": reply(200, HELPFULNESS)})
    page = reader.open(DOC)
    line = page.locator("#kb-helpfulness")
    expect(line).to_have_text("12 votes · 83% helpful · 2 open items")
    assert line.locator("a").get_attribute("href") == reader.origin + "service/documents/SOP-FLD-001/"
    assert "documents/SOP-FLD-001/helpfulness" in service.asked


@pytest.mark.parametrize("answer,text", [
    ({**HELPFULNESS, "votes": 1, "percent": 100, "open": 1}, "1 vote · 100% helpful · 1 open item"),
    ({**HELPFULNESS, "votes": 0, "percent": None, "open": 0}, "0 votes · 0 open items"),
    ({**HELPFULNESS, "url": "https://elsewhere.example/x"}, "12 votes · 83% helpful · 2 open items"),
    ({**HELPFULNESS, "url": "javascript:alert(1)"}, "12 votes · 83% helpful · 2 open items"),
])
def test_helpfulness_figures_in_words_and_links_only_within_the_site(reader, answer, text):
    reader.with_service(**{"documents/SOP-FLD-001/helpfulness": reply(200, answer)})
    page = reader.open(DOC)
    line = page.locator("#kb-helpfulness")
    expect(line).to_have_text(text)
    links = line.locator("a")
    if answer["url"].startswith("service/"):
        assert links.get_attribute("href").startswith(reader.origin)
    else:
        assert links.count() == 0


@pytest.mark.parametrize("answer", [
    reply(404, {"error": "not found", "code": "not-found"}), reply(200, {**HELPFULNESS, "doc": "SOP-CARE-002"}),
    reply(200, {**HELPFULNESS, "votes": "<b>12</b>"}), no_answer,
], ids=["404", "other-document", "not-a-number", "no-answer"])
def test_no_helpfulness_line_without_good_figures(reader, answer):
    reader.failed_requests_expected = True
    service = reader.with_service(**{"documents/SOP-FLD-001/helpfulness": answer})
    page = reader.open(DOC)
    page.wait_for_load_state("networkidle")
    assert "documents/SOP-FLD-001/helpfulness" in service.asked
    expect(page.locator("#kb-helpfulness")).to_be_hidden()
    expect(page.locator("#kb-helpfulness")).to_have_text("")


def test_a_public_service_is_not_asked_for_helpfulness(reader):
    service = reader.with_service(status=reply(200, {**STATUS, "audience": "public"}),
                                  **{"documents/SOP-FLD-001/helpfulness": reply(200, HELPFULNESS)})
    page = reader.open(DOC)
    page.wait_for_load_state("networkidle")
    assert service.asked == ["status"]
    expect(page.locator("#kb-helpfulness")).to_be_hidden()


# -- the knowledge-gap form ---------------------------------------------------------------------------


def _fill_gap(page, question="Can a crew go out on a public holiday?", kind="cannot", product="", account=""):
    page.fill("#kb-gap-question", question)
    page.locator(f"input[name=kind][value={kind}]").check()
    page.fill("#kb-gap-product", product)
    page.fill("#kb-gap-account", account)


def test_a_gap_reported_from_a_document_page_is_posted_with_its_document(reader):
    service = reader.with_service(gaps=reply(201, {"id": "GAP-3", "state": "new"}))
    page = reader.open(DOC)
    page.get_by_role("link", name="Report a knowledge gap").last.click()
    page.wait_for_url("**/gaps/?doc=SOP-FLD-001")
    expect(page.locator("#kb-gap-doc")).to_have_value("SOP-FLD-001")
    question = 'The customer asked: "is <b>Saturday</b> a working day" & more'
    _fill_gap(page, question, "cannot", "Meter X2 \u2013 Gr\u00f6\u00dfe", "ACC-00201")
    page.click(".kb-gap__send")
    expect(page.locator("#kb-gap-status")).to_have_text("Knowledge gap reported (GAP-3).")
    assert [(path, body) for path, body, _ in service.posted if path == "gaps"] == [("gaps", {
        "question": question, "kind": "cannot", "product": "Meter X2 \u2013 Gr\u00f6\u00dfe", "account": "ACC-00201",
        "doc": "SOP-FLD-001", "page": "/sops/sop-fld-001/"})]
    assert service.posted[-1][2] == "application/json"
    expect(page.locator("#kb-gap-fallback")).to_be_hidden()
    expect(page.locator("#kb-gap-question")).to_have_value("")


def test_a_gap_without_the_optional_fields_sends_nulls(reader):
    service = reader.with_service(gaps=reply(201, {"id": "GAP-4", "state": "new"}))
    page = reader.open("gaps/")
    _fill_gap(page, "Who approves a refund over the limit?", "unknown")
    page.click(".kb-gap__send")
    expect(page.locator("#kb-gap-status")).to_have_text("Knowledge gap reported (GAP-4).")
    assert service.posted == [("gaps", {"question": "Who approves a refund over the limit?", "kind": "unknown",
                                        "product": None, "account": None, "doc": None, "page": None},
                               "application/json")]


@pytest.mark.parametrize("answer,reason", [
    (reply(503, {"error": "The store is <i>read-only</i>", "code": "store-unavailable"}),
     "The store is <i>read-only</i>."),
    (reply(429, {"error": "Slow down", "code": "rate-limited"}, {"Retry-After": "1"}),
     "Slow down. Try again in 1 second."),
    (no_answer, "the site's server did not answer."),
], ids=["503", "429", "no-answer"])
def test_a_gap_that_is_not_accepted_says_so_and_offers_the_documents_issue(reader, answer, reason):
    reader.failed_requests_expected = True
    reader.with_service(gaps=answer)
    page = reader.open("gaps/?doc=SOP-CARE-002")
    _fill_gap(page)
    page.click(".kb-gap__send")
    status = page.locator("#kb-gap-status")
    expect(status).to_have_text("The knowledge gap could not be reported: " + reason)
    assert status.locator("*").count() == 0
    link = page.locator("#kb-gap-fallback")
    expect(link).to_be_visible()
    assert query(link.get_attribute("href"))["document"] == "SOP-CARE-002"
    expect(page.locator("#kb-gap-question")).not_to_have_value("")  # nothing lost


@pytest.mark.parametrize("field_name,value,message", [
    ("account", "ACC-99999", "ACC-99999 is not an account of this site."),
    ("doc", "SOP-NOPE-999", "SOP-NOPE-999 is not a document of this site."),
])
def test_the_gap_form_refuses_ids_the_site_does_not_know(reader, field_name, value, message):
    service = reader.with_service(gaps=reply(201, {"id": "GAP-5", "state": "new"}))
    page = reader.open("gaps/")
    _fill_gap(page)
    page.fill(f"#kb-gap-{field_name}", value)
    page.click(".kb-gap__send")
    expect(page.locator("#kb-gap-status")).to_have_text(message)
    assert service.posted == []


def test_the_gap_form_needs_a_question_and_a_kind(reader):
    service = reader.with_service(gaps=reply(201, {"id": "GAP-6", "state": "new"}))
    page = reader.open("gaps/")
    page.click(".kb-gap__send")  # the browser's own check: the question is required
    page.fill("#kb-gap-question", "What is the escalation path at night?")
    page.click(".kb-gap__send")  # and a kind
    page.wait_for_timeout(200)
    assert service.posted == []
    assert page.evaluate("() => document.querySelector('#kb-gap-question').validity.valid")
    assert not page.evaluate("() => document.querySelector('input[name=kind]').validity.valid")
