"""The feedback widget, the knowledge-gap page and their fallback links in the built sites.

Read from the session builds of the fixture knowledge base (conftest's `sites`, `fallback: github`),
the hostile one (tests/hostile.py) and one internal build with `fallback: mailto`. The pages are
parsed (html.parser), so what is checked is what a browser reads, not a substring of the source.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from conftest import REPO, SITE_TODAY, Sites, copy_site_kb, finish, mkdocs_build, without_contact
from kbtools.digest import recipients
from kbtools.load.loader import load
from kbtools.site import urls
from kbtools.site.feedback import FEEDBACK_FIELDS, FEEDBACK_FORM, GAP_FIELDS, GAP_FORM, one_line
from kbtools.site.repo_links import CHANGE_FIELDS, CHANGE_FORM
from kbtools.site.view import build_view

pytest_plugins = ["hostile_sites"]

ISSUES = "https://github.com/kestrel/knowledge-base/issues/new"
GAP_LINK_TEXT = "Report a knowledge gap"


class Elements(HTMLParser):
    """Every start tag's attributes, in order, and the text of the page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def having(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and cls in a.get("class", "").split()]

    def one(self, tag: str, cls: str) -> dict[str, str]:
        found = self.having(tag, cls)
        assert len(found) == 1, (tag, cls, found)
        return found[0]


def widget(page: str) -> dict[str, str] | None:
    found = Elements(page).having("form", "kb-feedback")
    assert len(found) <= 1
    return found[0] if found else None


def query(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert all(len(v) == 1 for v in parsed.values()), parsed
    return {k: v[0] for k, v in parsed.items()}


def _view(root: Path, audience: str):
    return build_view(load(root), audience, dt.date.fromisoformat(SITE_TODAY))


def _widgets(site: Path) -> dict[str, dict[str, str]]:
    """Every page of a built site that has the widget: its form's attributes and its fallback link's."""
    found = {}
    for path in sorted(site.rglob("*.html")):
        page = Elements(path.read_text(encoding="utf-8"))
        forms = page.having("form", "kb-feedback")
        if forms:
            found[path.relative_to(site).as_posix()] = {**forms[0], "link": page.one("a", "kb-feedback__link")}
    return found


def test_every_document_page_carries_the_widgets_data(sites: Sites):
    for audience in ("internal", "public"):
        view = _view(sites.kb, audience)
        assert view.docs
        for doc_id, entry in view.docs.items():
            form = widget(sites.page(audience, urls.doc(doc_id)))
            assert form is not None, (audience, doc_id)
            doc = entry.model
            owner = view.display_name(doc.owner)
            assert (form["data-kb-doc"], form["data-kb-version"], form["data-kb-owner"]) == (doc.id, doc.version, owner)
            link = Elements(sites.page(audience, urls.doc(doc_id))).one("a", "kb-feedback__link")
            assert link["href"] == form["data-kb-fallback"]
            if audience == "public":  # the help centre's address, about the article (test_public_... below)
                assert form["data-kb-fallback-kind"] == "mailto"
                assert query(form["data-kb-fallback"])["subject"] == f"Feedback on {doc.title}"
                continue
            assert form["data-kb-fallback-kind"] == "github"
            assert form["data-kb-fallback"].startswith(ISSUES + "?")
            assert query(form["data-kb-fallback"]) == {
                "template": "feedback.yml", "title": f"Feedback on {doc.id}: {doc.title}", "document": doc.id,
                "version": doc.version, "owner": f"{owner} ({doc.owner})",
                "page": f"sops/{doc.id.lower()}/"}


def test_a_hand_written_page_sends_no_document_and_falls_back_to_the_governing_team(sites: Sites):
    form = widget(sites.page("internal", "contributing.md"))
    assert form is not None
    assert (form["data-kb-doc"], form["data-kb-version"], form["data-kb-owner"]) == ("", "", "Governance board")
    assert query(form["data-kb-fallback"])["page"] == "contributing/"
    public = widget(sites.page("public", "help.md"))
    assert public is not None and (public["data-kb-doc"], public["data-kb-version"]) == ("", "")
    assert "Address: help/\r\n" in query(public["data-kb-fallback"])["body"]


def test_the_public_widget_falls_back_to_the_help_centres_address_never_to_the_repository(sites: Sites):
    """The session's kb.yml says `fallback: github`: the staff site's widget opens an issue in the
    repository, the customers' one never does: every page writes to the help centre's address,
    about that page, in the customers' words."""
    contact = load(sites.kb).config.help_centre.contact
    assert contact is not None and contact.email
    found = _widgets(sites.public)
    assert {"help/index.html", "sops/art-dsk-001/index.html", "sops/art-dsk-002/index.html"} <= set(found)
    for rel, form in found.items():
        assert form["data-kb-fallback-kind"] == "mailto", rel
        assert form["link"]["href"] == form["data-kb-fallback"], rel
        link = urlsplit(form["data-kb-fallback"])
        assert (link.scheme, unquote(link.path)) == ("mailto", contact.email), rel
        fields = query(form["data-kb-fallback"])
        assert set(fields) == {"subject", "body"}, rel
        assert fields["body"].startswith("Page: "), rel
        assert f"Address: {rel.removesuffix('index.html')}\r\n" in fields["body"], rel
    repository = "https://github.com/kestrel/knowledge-base"
    pages = [p for p in sites.public.rglob("*") if p.suffix in (".html", ".json", ".xml")]
    assert not [p for p in pages if repository in p.read_text(encoding="utf-8")]
    assert {f["data-kb-fallback-kind"] for f in _widgets(sites.internal).values()} == {"github"}


def _public_build(tmp_path: Path, contact: bool = True, old: str = "", new: str = "") -> Path:
    """The fixture's public site, built with or without help_centre.contact and with `old` in kb.yml
    replaced by `new`."""
    root = copy_site_kb(tmp_path / "kb")
    if not contact:
        without_contact(root)
    kb_yml = root / "kb.yml"
    kb_yml.write_text(kb_yml.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site", "public"))
    assert code == 0, out
    return tmp_path / "site"


def test_without_a_contact_the_public_github_fallback_leaves_the_widget_without_a_link(tmp_path):
    site = _public_build(tmp_path, contact=False)
    found = _widgets(site)
    assert {"help/index.html", "sops/art-dsk-001/index.html"} <= set(found)
    for rel, form in found.items():
        assert (form["data-kb-fallback"], form["data-kb-fallback-kind"]) == ("", ""), rel
        assert "href" not in form["link"], rel  # not even href="" (this very page)
        assert form["data-kb-unavailable"], rel
    assert not [p for p in site.rglob("*.html") if "kestrel/knowledge-base" in p.read_text(encoding="utf-8")]


def test_a_contact_without_an_address_is_the_public_fallback(tmp_path):
    site = _public_build(tmp_path, old="    email: help@kestrel.example\n")
    found = _widgets(site)
    assert found
    for rel, form in found.items():
        assert (form["data-kb-fallback"], form["data-kb-fallback-kind"]) == ("https://kestrel.example/contact",
                                                                           "contact"), rel


def test_the_widget_is_hidden_where_it_was(sites: Sites):
    hidden = [urls.HOME, urls.DEPARTMENTS, urls.TYPES, urls.TAGS, urls.GLOSSARY, urls.department("field"),
              urls.OWNERS, urls.owner("team:field-crew"), urls.REVIEWS, urls.ACCOUNTS, urls.account("ACC-00201"),
              urls.GAPS]
    for src in hidden:
        assert widget(sites.page("internal", src)) is None, src
    assert widget(sites.page("public", urls.HOME)) is None


def test_internal_document_pages_link_to_the_gap_page_and_show_helpfulness(sites: Sites):
    view = _view(sites.kb, "internal")
    for doc_id in view.docs:
        page = Elements(sites.page("internal", urls.doc(doc_id)))
        links = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("../../gaps/?")]
        assert links == [f"../../gaps/?doc={doc_id}"], doc_id
        assert GAP_LINK_TEXT in "".join(page.text)
        assert len([a for t, a in page.tags if a.get("id") == "kb-helpfulness"]) == 1


def test_the_gap_page_knows_every_document_and_account_and_their_fallback_links(sites: Sites):
    view = _view(sites.kb, "internal")
    page = Elements(sites.page("internal", urls.GAPS))
    form = page.one("form", "kb-gap")
    assert form["name"] == "gap"
    assert query(form["data-kb-fallback"]) == {"template": "knowledge-gap.yml", "title": "Knowledge gap"}
    options = [a for t, a in page.tags if t == "option"]
    docs = {o["value"]: o.get("data-kb-fallback") for o in options if "data-kb-fallback" in o}
    assert list(docs) == list(view.docs)
    for doc_id, link in docs.items():
        assert query(link) == {"template": "knowledge-gap.yml", "title": f"Knowledge gap: {doc_id}", "document": doc_id}
    accounts = [o["value"] for o in options if "data-kb-fallback" not in o]
    assert accounts == sorted(view.accounts) and accounts
    fields = {a.get("name"): (t, a) for t, a in page.tags if t in ("textarea", "input")}
    assert fields["question"][1]["maxlength"] == "2000" and "required" in fields["question"][1]
    assert fields["product"][1]["maxlength"] == "200"
    kinds = [a["value"] for t, a in page.tags if t == "input" and a.get("name") == "kind"]
    assert kinds == ["unknown", "cannot"]
    text = "".join(page.text)
    assert "I do not know" in text and "I cannot" in text
    home = sites.page("internal", urls.HOME)
    assert 'href="gaps/"' in home  # in the navigation


def test_the_public_build_has_no_gap_page_no_link_to_it_and_no_helpfulness(sites: Sites):
    assert not (sites.public / "gaps").exists()
    checked = 0
    for path in sites.public.rglob("*.html"):
        page = Elements(path.read_text(encoding="utf-8"))
        hrefs = [a.get("href", "") for t, a in page.tags if t == "a"]
        assert not [h for h in hrefs if "gaps/" in h], path
        assert not page.having("form", "kb-gap") and not page.having("p", "kb-helpfulness"), path
        assert GAP_LINK_TEXT not in "".join(page.text), path
        checked += 1
    assert checked > 5
    assert "gaps/" not in (sites.public / "sitemap.xml").read_text(encoding="utf-8")


def test_static_hosting_answers_the_status_question_with_no_service(sites: Sites):
    for root in (sites.internal, sites.public):
        status = json.loads((root / "api/v1/status").read_text(encoding="utf-8"))
        assert status["service"] != "kb"


def test_hostile_values_reach_the_widget_as_the_same_text(hostile_sites):
    """Titles and owner names full of markup and quotes come back, parsed, exactly as written, and
    the fallback link still has one value per field."""
    root, built = hostile_sites
    for audience, site in built.items():
        view = _view(root, audience)
        for doc_id, entry in view.docs.items():
            url = urls.doc(doc_id)[:-3] + "/"
            form = widget((site / url / "index.html").read_text(encoding="utf-8"))
            assert form is not None
            owner = view.display_name(entry.model.owner)
            assert "<" in owner or '"' in owner or "<" in entry.model.title, "the fixture lost its hostile values"
            assert form["data-kb-owner"] == owner
            fields = query(form["data-kb-fallback"])
            if audience == "public":  # the customers' e-mail about the article
                assert set(fields) == {"subject", "body"}
                assert fields["subject"] == one_line(f"Feedback on {entry.model.title}")
                assert fields["body"].startswith(f"Page: {one_line(entry.model.title)}\r\nAddress: ")
                continue
            assert fields["document"] == doc_id and fields["template"] == "feedback.yml"
            assert fields["owner"] == one_line(f"{owner} ({entry.model.owner})")
            assert fields["title"] == one_line(f"Feedback on {doc_id}: {entry.model.title}")


def test_with_the_mailto_fallback_the_widget_mails_the_owner(tmp_path):
    root = copy_site_kb(tmp_path / "kb")
    config = (root / "kb.yml").read_text(encoding="utf-8").replace("fallback: github", "fallback: mailto")
    (root / "kb.yml").write_text(config, encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site"))
    assert code == 0, out
    kb = load(root)
    for doc_id, owner in (("SOP-FLD-001", "team:field-crew"), ("PRC-FLD-001", "person:uma")):
        page = (tmp_path / "site" / urls.doc(doc_id)[:-3] / "index.html").read_text(encoding="utf-8")
        form = widget(page)
        assert form is not None and form["data-kb-fallback-kind"] == "mailto"
        link = urlsplit(form["data-kb-fallback"])
        assert link.scheme == "mailto"
        assert [unquote(a) for a in link.path.split(",")] == recipients(kb, owner)
        fields = query(form["data-kb-fallback"])
        assert set(fields) == {"subject", "body"} and f"Document: {doc_id}" in fields["body"]



def test_the_public_mailto_fallback_publishes_no_address_the_public_site_does_not_already_show(tmp_path):
    """Without a contact, `fallback: mailto` writes to the owner on the customers' site too."""
    site = _public_build(tmp_path, contact=False, old="fallback: github", new="fallback: mailto")
    kb = load(tmp_path / "kb")
    pages = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    hidden = [p.model.email for p in kb.people.values() if p.model.name not in pages]
    assert hidden, "the fixture's public site names every person; the test would prove nothing"
    for address in hidden:
        assert address not in pages and address.replace("@", "%40") not in pages


# -- the issue forms the links open -------------------------------------------------------------------

ISSUE_FORMS = REPO / ".github" / "ISSUE_TEMPLATE"


def test_the_issue_forms_match_githubs_schema_and_have_every_field_a_link_fills(sites: Sites):
    checker = Path(sys.executable).with_name("check-jsonschema")
    forms = {name: ISSUE_FORMS / name for name in (FEEDBACK_FORM, GAP_FORM, CHANGE_FORM)}
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-issue-forms", *map(str, forms.values())],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    ids = {name: [item["id"] for item in yaml.safe_load(path.read_text(encoding="utf-8"))["body"] if "id" in item]
           for name, path in forms.items()}
    assert ids == {FEEDBACK_FORM: list(FEEDBACK_FIELDS), GAP_FORM: list(GAP_FIELDS), CHANGE_FORM: list(CHANGE_FIELDS)}
    # Every parameter a built link carries is the template, the title or a field of its form.
    pages = [sites.page("internal", urls.doc("SOP-FLD-001")), sites.page("internal", urls.GAPS),
             sites.page("internal", "contributing.md")]
    links = [a[key] for page in pages for _, a in Elements(page).tags for key in ("href", "data-kb-fallback")
             if a.get(key, "").startswith(ISSUES)]
    assert len(links) > 5
    for link in links:
        fields = query(link)
        assert set(fields) - {"template", "title"} <= set(ids[fields["template"]]), link
