"""The feedback widget's pieces, called directly: the fallback links (an issue or an e-mail) built
from hostile values, kb.yml's `repository:` and `feedback:`, each page's widget data, and the
theme partial that prints that data."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from pydantic import ValidationError

from conftest import REPO, SITE_TODAY
from kbtools.config import Config, FeedbackSettings, SupportContact
from kbtools.digest import recipients
from kbtools.load.loader import load
from kbtools.site.feedback import FEEDBACK_FORM, GAP_FORM, MAX_VALUE, fallback_url, gap_fallback, one_line, page_data
from kbtools.site.view import build_view

GITHUB = Config.model_validate({"repository": {"url": "https://github.com/kestrel/knowledge-base"},
                                "feedback": {"fallback": "github"}})
MAILTO = Config.model_validate({"feedback": {"fallback": "mailto"}})

HOSTILE = {
    "quotes": "O'Brien \"the\" <b>crew</b>",
    "query": "a&template=evil.yml&title=x=y?z",
    "fragment": "before#after",
    "newlines": "first line\r\nsecond line\nthird\u2028fourth",
    "non-ascii": "Équipe Größe 東京 \U0001f4a7",
    "percent": "100%25 %0A%26",
    "plus": "a+b c",
    "surrogate": "half \ud800 a character",
    "long": "x" * 10_000,
}
# What may stand in a link unencoded: the scheme, the host and path, the query's separators and
# percent escapes; nothing a browser or mail program reads as more parameters, a fragment or a line.
URL_CHARS = re.compile(r"[A-Za-z0-9%&=?:/._~,@-]+")


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)


def test_one_line_folds_white_space_and_shortens():
    assert one_line("a\r\n b\t\u2028c  ") == "a b c"
    long = one_line("y" * 1000)
    assert len(long) == MAX_VALUE and long.endswith("\u2026")


@pytest.mark.parametrize("name", HOSTILE)
def test_an_issue_link_keeps_each_hostile_value_in_its_own_field(name):
    value = HOSTILE[name]
    fields = {"document": "SOP-FLD-001", "version": value, "owner": value, "page": value}
    url = fallback_url(GITHUB, FEEDBACK_FORM, value, fields)
    assert URL_CHARS.fullmatch(url), url
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https", "github.com", "/kestrel/knowledge-base/issues/new", "")
    shown = one_line(value.replace("\ud800", "?"))
    assert _query(url) == [("template", FEEDBACK_FORM), ("title", shown), ("document", "SOP-FLD-001"),
                           ("version", shown), ("owner", shown), ("page", shown)]
    assert len(url) < 8_000  # GitHub and browsers take it


def test_an_issue_link_leaves_out_empty_fields():
    url = fallback_url(GITHUB, GAP_FORM, "Knowledge gap", {"document": "", "product": "  "})
    assert _query(url) == [("template", GAP_FORM), ("title", "Knowledge gap")]


@pytest.mark.parametrize("name", HOSTILE)
def test_an_email_link_has_only_a_subject_and_a_body_whatever_the_values(name):
    value = HOSTILE[name]
    to = ["nadia@kestrel.example", f'"{value[:40]}?cc=x&bcc=y#"@kestrel.example', "a,b@kestrel.example"]
    url = fallback_url(MAILTO, FEEDBACK_FORM, value, {"document": "SOP-FLD-001", "owner": value}, to)
    assert URL_CHARS.fullmatch(url), url
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and parts.fragment == ""
    assert [unquote(a) for a in parts.path.split(",")] == [one_line(a.replace("\ud800", "?")) for a in to]
    query = _query(url)
    assert [k for k, _ in query] == ["subject", "body"]
    shown = one_line(value.replace("\ud800", "?"))
    assert query[0][1] == shown
    assert query[1][1].split("\r\n") == [
        "Document: SOP-FLD-001", "Version: ", f"Owner: {shown}", "Page: ", "What was missing or wrong: ", ""]


def test_an_email_about_a_gap_lists_the_gap_forms_fields():
    url = fallback_url(MAILTO, GAP_FORM, "Knowledge gap: SOP-FLD-001", {"document": "SOP-FLD-001"}, [])
    assert url.startswith("mailto:?")
    assert dict(_query(url))["body"].split("\r\n") == [
        "What was asked: ", "I do not know (missing knowledge) or I cannot (a limitation): ", "Product: ",
        "Account: ", "Document: SOP-FLD-001", ""]


# -- kb.yml ----------------------------------------------------------------------------


def test_the_github_fallback_needs_a_repository():
    with pytest.raises(ValidationError, match="needs the repository"):
        Config.model_validate({"feedback": {"fallback": "github"}})
    assert Config().feedback.fallback == "mailto" and Config().repository is None


@pytest.mark.parametrize("url", [
    "javascript:alert(1)//github.com/a/b", "http://github.com/a/b", "https://github.com/a/b/",
    "https://github.com/a", "https://github.com/a/b?x=1", "https://github.com/a/b#x", 'https://github.com/a/b"',
    "https://github.com/a/../b", "https://github.com/a/b c", "https://user@github.com/a/b", "//github.com/a/b",
])
def test_a_repository_url_that_a_link_would_read_otherwise_is_refused(url):
    with pytest.raises(ValidationError):
        Config.model_validate({"repository": {"url": url}})


@pytest.mark.parametrize("branch,ok", [
    ("main", True), ("release/2026.1", True), ("-x", False), ("a/../b", False), ("a/", False),
    ("a b", False), ("a?b", False), ("a#b", False), (".hidden", False),
])
def test_repository_branch(branch, ok):
    data = {"repository": {"url": "https://github.com/kestrel/knowledge-base", "branch": branch}}
    if ok:
        assert Config.model_validate(data).repository.branch == branch
    else:
        with pytest.raises(ValidationError):
            Config.model_validate(data)


@pytest.mark.parametrize("path,folder", [
    ("docs/kb", "docs/kb"), ("docs/kb/", "docs/kb"), ("kb", "kb"), ("Handbücher/staff kb", "Handbücher/staff kb"),
])
def test_repository_path_is_the_knowledge_bases_folder(path, folder):
    data = {"repository": {"url": "https://github.com/kestrel/knowledge-base", "path": path}}
    assert Config.model_validate(data).repository.path == folder
    assert Config.model_validate(data).repository.file("sops/a.md") == f"{folder}/sops/a.md"


def test_without_a_repository_path_files_are_at_the_repositorys_root():
    repository = Config.model_validate({"repository": {"url": "https://github.com/kestrel/knowledge-base"}}).repository
    assert repository.path is None and repository.file("sops/a.md") == "sops/a.md"


@pytest.mark.parametrize("path,words", [
    ("/docs/kb", "starts with /"), ("../kb", "not a plain folder"), ("docs/../kb", "not a plain folder"),
    ("docs//kb", "not a plain folder"), ("./kb", "not a plain folder"), (".", "not a plain folder"),
    ("", "not a plain folder"), ("/", "starts with /"), ("docs\\kb", "backslash"), ("docs/\nkb", "control"),
])
def test_a_repository_path_outside_or_unclear_is_refused(path, words):
    with pytest.raises(ValidationError, match=words):
        Config.model_validate({"repository": {"url": "https://github.com/kestrel/knowledge-base", "path": path}})


def test_the_shipped_kb_yml_falls_back_to_an_issue_in_its_repository():
    config = load(REPO).config
    assert config.feedback.fallback == "github"
    assert config.repository is not None and config.repository.url.startswith("https://github.com/")


# -- each page's data -----------------------------------------------------------------------------


KEEP = object()  # the fixture's help_centre.contact


def _view(audience: str = "internal", fallback: str = "github", contact: object = KEEP):
    from conftest import SITE_FIXTURE

    kb = load(SITE_FIXTURE)
    if fallback != kb.config.feedback.fallback:
        kb.config = kb.config.model_copy(update={"feedback": FeedbackSettings(fallback=fallback)})
    if contact is not KEEP:
        help_centre = kb.config.help_centre.model_copy(update={"contact": contact})
        kb.config = kb.config.model_copy(update={"help_centre": help_centre})
    return kb, build_view(kb, audience, dt.date.fromisoformat(SITE_TODAY))


def test_a_document_pages_data_names_the_document_its_version_and_owner():
    _, view = _view()
    data = page_data(view, "SOP-FLD-001", "sops/sop-fld-001/", "ignored")
    assert {k: data[k] for k in ("doc", "version", "owner", "fallback_kind", "helpfulness")} == {
        "doc": "SOP-FLD-001", "version": "2.1", "owner": "Field crew", "fallback_kind": "github",
        "helpfulness": "yes"}
    assert dict(_query(data["fallback"])) == {
        "template": "feedback.yml", "title": "Feedback on SOP-FLD-001: Dispatch a field crew to a site",
        "document": "SOP-FLD-001", "version": "2.1", "owner": "Field crew (team:field-crew)",
        "page": "sops/sop-fld-001/"}


def test_a_hand_written_pages_feedback_goes_to_the_governing_team():
    _, view = _view()
    data = page_data(view, None, "contributing/", "How to contribute")
    assert (data["doc"], data["version"], data["owner"], data["helpfulness"]) == ("", "", "Governance board", "")
    assert dict(_query(data["fallback"])) == {
        "template": "feedback.yml", "title": "Feedback on How to contribute", "page": "contributing/"}


def test_the_public_site_shows_no_helpfulness():
    _, view = _view("public")
    assert page_data(view, "ART-DSK-001", "sops/art-dsk-001/", "")["helpfulness"] == ""


def test_customers_write_to_the_help_centres_address_about_the_article_they_read():
    _, view = _view("public")
    contact = view.config.help_centre.contact
    assert contact is not None and contact.email and contact.url  # the fixture has both
    for doc_id, url, title in (("ART-DSK-001", "sops/art-dsk-001/", ""), (None, "help/", "Customer help")):
        data = page_data(view, doc_id, url, title)
        shown = title or view.docs["ART-DSK-001"].model.title
        assert data["fallback_kind"] == "mailto"
        assert urlsplit(data["fallback"]).path == contact.email
        assert dict(_query(data["fallback"])) == {
            "subject": f"Feedback on {shown}",
            "body": f"Page: {shown}\r\nAddress: {url}\r\nWhat I was looking for: \r\n"}
        assert data["fallback_text"] == view.config.help_centre.feedback.fallback


@pytest.mark.parametrize("fallback", ["github", "mailto"])
def test_without_a_contact_address_customers_get_its_support_page_never_an_issue(fallback):
    page = SupportContact(text="Call us.", url="https://kestrel.example/contact")
    _, view = _view("public", fallback, contact=page)
    data = page_data(view, "ART-DSK-001", "sops/art-dsk-001/", "")
    assert (data["fallback"], data["fallback_kind"]) == ("https://kestrel.example/contact", "contact")


def test_without_a_contact_the_public_mailto_fallback_writes_to_the_owner_in_customers_words(tmp_path):
    from conftest import copy_site_kb

    root = copy_site_kb(tmp_path / "kb")
    article = root / "sops/desk/ART-DSK-001.md"
    article.write_text(article.read_text(encoding="utf-8").replace("owner: team:desk-agents", "owner: person:omar"),
                       encoding="utf-8")
    kb = load(root)
    kb.config = kb.config.model_copy(update={
        "feedback": FeedbackSettings(fallback="mailto"),
        "help_centre": kb.config.help_centre.model_copy(update={"contact": None})})
    view = build_view(kb, "public", dt.date.fromisoformat(SITE_TODAY))
    data = page_data(view, "ART-DSK-001", "sops/art-dsk-001/", "")
    assert data["fallback_kind"] == "mailto"
    assert urlsplit(data["fallback"]).path == kb.people["omar"].model.email  # the public page names him
    assert dict(_query(data["fallback"])) == {
        "subject": "Feedback on Report a supply interruption",  # not the staff form's fields
        "body": "Page: Report a supply interruption\r\nAddress: sops/art-dsk-001/\r\nWhat I was looking for: \r\n"}
    # In the fixture the public site names none of the owning team's members: no address to offer, so
    # no link (not an e-mail to no one).
    _, fixture = _view("public", "mailto", contact=None)
    assert fixture.recipients["team:desk-agents"] == []
    team = page_data(fixture, "ART-DSK-001", "sops/art-dsk-001/", "")
    assert (team["fallback"], team["fallback_kind"]) == ("", "")


def test_without_a_contact_the_public_github_fallback_offers_no_link():
    _, view = _view("public", "github", contact=None)
    for doc_id, url in (("ART-DSK-001", "sops/art-dsk-001/"), (None, "help/")):
        data = page_data(view, doc_id, url, "Customer help")
        assert (data["fallback"], data["fallback_kind"]) == ("", "")
        assert data["unavailable"] == view.config.help_centre.feedback.unavailable


def test_an_email_goes_to_the_owners_active_members():
    kb, view = _view(fallback="mailto")
    data = page_data(view, "SOP-FLD-001", "sops/sop-fld-001/", "")
    assert data["fallback_kind"] == "mailto"
    addresses = [unquote(a) for a in urlsplit(data["fallback"]).path.split(",")]
    assert addresses == recipients(kb, "team:field-crew") and addresses
    person = page_data(view, "PRC-FLD-001", "sops/prc-fld-001/", "")
    assert urlsplit(person["fallback"]).path == "uma@kestrel.example"
    gap = gap_fallback(view, "SOP-FLD-001")
    assert [unquote(a) for a in urlsplit(gap).path.split(",")] == recipients(kb, "team:gov-board")


def test_with_the_github_fallback_the_view_holds_no_addresses():
    _, view = _view()
    assert view.recipients == {}


# -- the theme partial prints the data escaped ---------------------------------------------------


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag, attrs):
        element = dict(attrs)
        if element.get("id"):
            self.found[element["id"]] = element


def _render_partial(meta: dict) -> str:
    import yaml
    from mkdocs.theme import Theme

    env = Theme(name="material", custom_dir=str(REPO / "docs/overrides")).get_env()
    extra = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV ", ""))["extra"]
    config = SimpleNamespace(extra=extra)
    return env.get_template("partials/feedback.html").render(config=config, page=SimpleNamespace(meta=meta))


def test_the_partial_prints_every_value_escaped():
    hostile = '"><script>alert(1)</script><b x=\'y\'>&amp;'
    data = {"doc": hostile, "version": hostile, "owner": hostile, "fallback": "https://x.example/?a=1&b=" + hostile,
            "fallback_kind": hostile, "helpfulness": "yes"}
    out = _render_partial({"kb_feedback": data})
    assert "<script>" not in out and "<b " not in out
    parser = _Attrs()
    parser.feed(out)
    form = parser.found["kb-feedback"]
    keys = ("doc", "version", "owner", "fallback", "fallback_kind")
    assert {k: form["data-kb-" + k.replace("_", "-")] for k in keys} == {k: data[k] for k in keys}
    assert parser.found["kb-feedback-fallback"]["href"] == data["fallback"]
    assert "kb-helpfulness" in parser.found


def test_the_partial_prints_no_fallback_address_where_there_is_none():
    data = {"doc": "", "version": "", "owner": "x", "fallback": "", "fallback_kind": "", "helpfulness": "",
            "unavailable": "We cannot take it <now>."}
    parser = _Attrs()
    parser.feed(_render_partial({"kb_feedback": data}))
    assert "href" not in parser.found["kb-feedback-fallback"]  # href="" would link to the page itself
    assert parser.found["kb-feedback"]["data-kb-unavailable"] == data["unavailable"]


@pytest.mark.parametrize("meta", [{}, {"kb_feedback": {"doc": "", "version": "", "owner": "x", "fallback": "",
                                                       "fallback_kind": "github", "helpfulness": ""},
                                       "hide": ["feedback"]}])
def test_the_partial_shows_nothing_where_the_widget_is_hidden(meta):
    assert "<form" not in _render_partial(meta)
