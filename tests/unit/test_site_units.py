"""Parts of the site plugin, called directly: URLs, sanitising, escaping, tooltips and links,
confidential fields, the build date and which findings fail a build."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from conftest import SITE_FIXTURE, SITE_TODAY
from kbtools import models
from kbtools.site import sanitize, urls
from kbtools.site.accounts import confidential_fields, public_items
from kbtools.site.annotate import Annotator, rewrite_id_links
from kbtools.site.render import Links
from kbtools.site.sop_page import render_head
from kbtools.site.view import build_view


def today() -> dt.date:
    return dt.date.fromisoformat(SITE_TODAY)


def test_urls_come_from_ids():
    assert urls.doc("SOP-FLD-001") == "sops/sop-fld-001.md"
    assert urls.owner("team:field-crew") == "owners/team-field-crew.md"
    assert urls.relative_src("sops/sop-care-002.md", "sops/sop-fld-001.md") == "sop-care-002.md"


def test_sanitiser_keeps_extensions_and_drops_scripts():
    kept = (
        '<div class="admonition note"><p class="admonition-title">Note</p></div>'
        '<ul class="task-list"><li class="task-list-item"><label class="task-list-control">'
        '<input type="checkbox" disabled checked><span class="task-list-indicator"></span></label> x</li></ul>'
        '<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked id="__tabbed_1_1" '
        'name="__tabbed_1" type="radio"><div class="tabbed-labels"><label for="__tabbed_1_1">A</label></div></div>'
        '<details class="tip"><summary>More</summary></details><h2 id="x">X</h2>'
    )
    out = sanitize.clean(kept)
    for piece in ('class="admonition note"', 'class="task-list-item"', 'type="checkbox"', 'type="radio"',
                  'data-tabs="1:2"', '<label for="__tabbed_1_1">', "<details", 'id="x"'):
        assert piece in out
    bad = sanitize.clean('<script>alert(1)</script><img src="x" onerror="alert(1)"><a href="javascript:x">a</a>'
                         '<img src="https://elsewhere.example/t.png"><iframe src="/"></iframe>'
                         '<input type="text" name="q"><style>*{}</style>')
    for piece in ("<script", "alert(1)", "onerror", "javascript:", "elsewhere.example", "<iframe", 'type="text"',
                  "<style"):
        assert piece not in bad


def test_front_matter_values_are_escaped(site_kb):
    entry = site_kb.docs["SOP-FLD-001"]
    evil = entry.model.model_copy(update={"summary": '<img src=x onerror="alert(1)">', "version": "1.1"})
    entry = type(entry)(evil, entry.path, entry.pos, entry.base, entry.body, entry.body_line)
    view = build_view(site_kb, "internal", today())
    out = render_head(view, entry, Links(view, "sops/sop-fld-001/", lambda src: None))
    assert "<img" not in out and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in out


def test_annotator_skips_code_links_and_headings(site_kb):
    view = build_view(site_kb, "internal", today())
    out = Annotator(view).annotate(
        "<h2>FSR</h2><p>The FSR and SOP-FLD-001, <code>FSR</code> <a href='#'>FSR</a> xFSR</p>",
        lambda doc_id: f"../{doc_id.lower()}/",
    )
    assert out.count("<abbr") == 1
    assert '<a href="../sop-fld-001/">SOP-FLD-001</a>' in out
    assert "<h2>FSR</h2>" in out and "<code>FSR</code>" in out and "xFSR" in out


def test_id_links_resolve_or_drop(site_kb):
    view = build_view(site_kb, "public", today())
    text, missing = rewrite_id_links("[a](ART-DSK-002#x) [b](SOP-FLD-001)", "sops/art-dsk-001.md", view)
    assert text == "[a](art-dsk-002.md#x) b" and missing == ["SOP-FLD-001"]


def test_confidential_fields_come_from_the_model():
    assert confidential_fields(models.Account) == {"contacts", "annual_revenue", "notes"}
    account = models.Account.model_validate_json(json.dumps({
        "id": "ACC-00001", "name": "X", "segment": "NA", "tier": 1, "status": "active", "owner": "person:a",
        "last_review": "2026-01-01", "annual_revenue": 12345, "contacts": ({"name": "C"},),
    }))
    assert "Annual revenue" not in dict(public_items(account)) and "Contacts" not in dict(public_items(account))


def test_build_date_from_option_or_environment(monkeypatch):
    from mkdocs.exceptions import PluginError

    from kbtools.site.plugin import build_date

    monkeypatch.setenv("KB_TODAY", "2027-08-10")
    assert build_date(None) == dt.date(2027, 8, 10)
    assert build_date("2026-01-31") == dt.date(2026, 1, 31)
    monkeypatch.setenv("KB_TODAY", "tomorrow")
    with pytest.raises(PluginError, match="KB_TODAY is 'tomorrow'"):
        build_date(None)
    monkeypatch.delenv("KB_TODAY")
    assert build_date(None) == dt.date.today()


def test_review_dates_are_reported_but_do_not_fail(caplog):
    from kbtools.findings import Finding
    from kbtools.site.plugin import report

    findings = [Finding("sops/a.md", 9, 16, "error", "review-overdue", "review overdue"),
                Finding("accounts/ACC-00001.yaml", 3, 1, "error", "plan-missing", "no plan"),
                Finding("sops/b.md", 7, 1, "error", "unknown-key", "unknown key 'ownr'"),
                Finding("sops/c.md", 9, 16, "warning", "review-due-soon", "due soon")]
    with caplog.at_level("INFO", logger="mkdocs.plugins.kb"):
        assert report(findings) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["kb: sops/b.md:7:1: error: unknown key 'ownr' [unknown-key]"]


def test_hand_written_page_front_matter_is_allow_listed_and_escaped(caplog):
    from kbtools.site.plugin import page_meta

    with caplog.at_level("WARNING", logger="mkdocs.plugins.kb"):
        meta = page_meta({"audience": "public", "title": "A </title><script>x</script>", "hide": ["feedback"],
                          "template": "redirect.html", "location": "javascript:alert(1)", "description": ["x"],
                          "search": {"boost": 2}}, "docs/x.md")
    assert meta == {"audience": "public", "title": "A &lt;/title&gt;&lt;script&gt;x&lt;/script&gt;",
                    "hide": ["feedback"], "search": {"boost": 2}}
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert all(f"'{key}'" in warned for key in ("template", "location", "description"))


def test_titles_reach_the_theme_as_escaped_text():
    from kbtools.site.htmltext import as_html, fragment_as_html
    from kbtools.site.render import toc_entries

    assert as_html("A </title>") == "A &lt;/title&gt;"
    assert fragment_as_html("Help &lt;/title&gt;<b>x</b>") == "Help &lt;/title&gt;x"
    assert fragment_as_html(as_html("a & <b>")) == as_html("a & <b>")  # idempotent
    (entry,) = toc_entries('<h2 id="x">Part &lt;img src=x onerror=alert(1)&gt;<a class="headerlink" '
                           'href="#x">&para;</a></h2>')
    assert entry.title == "Part &lt;img src=x onerror=alert(1)&gt;"


def test_theme_script_hashes_come_from_templates(tmp_path):
    from jinja2 import Environment

    from kbtools.site import csp

    (tmp_path / "partials").mkdir()
    (tmp_path / "partials/a.html").write_text(
        '<script>fixed()</script><script src="x.js"></script><script type="application/json">{}</script>'
        '<script>up("{{ base_url }}")</script>', encoding="utf-8")
    (tmp_path / ".icons").mkdir()
    (tmp_path / ".icons/b.html").write_text("<script>icon()</script>", encoding="utf-8")
    scripts = csp.ThemeScripts(Environment(), [str(tmp_path)], {})
    assert scripts.hashes("..") == sorted([csp.source_hash("fixed()"), csp.source_hash('up("..")')])
    policy = scripts.policy("..")
    assert csp.source_hash('up("../..")') not in policy and csp.source_hash("icon()") not in policy
    page = '<head><meta charset="utf-8"></head><body><script>evil()</script></body>'
    assert csp.source_hash("evil()") not in csp.add_policy(page, policy)
    assert "'unsafe-inline'" in scripts.policy("..", dev=True) and "sha256" not in scripts.policy("..", dev=True)


def test_file_audiences_longest_declaration_wins_and_training_caps():
    from kbtools.site.docfiles import FileAudiences

    found = FileAudiences({"help/": "public", "help/private/": "internal", "./board/minutes.pdf": "restricted",
                           "assets/drafts/": "restricted"}, {"help/drill.pdf": "restricted"})
    assert found.of("help/a.pdf") == "public"
    assert found.of("help/private/a.pdf") == "internal"
    assert found.of("helpdesk/a.pdf") == "internal"  # a folder key covers its folder, not every longer name
    assert found.of("board/minutes.pdf") == "restricted" and found.of("board/other.pdf") == "internal"
    assert found.of("assets/logo.png") == "public" and found.of("assets/drafts/x.png") == "restricted"
    assert found.of("help/drill.pdf") == "restricted"  # named by restricted training
    assert found.of("help/page.md", page_audience="public") == "public"  # a page's front matter decides
    assert found.of("help/drill.pdf", page_audience="public") == "restricted"
    assert FileAudiences({"/": "public"}, {}).of("any/file.pdf") == "public"


def test_a_body_cannot_wear_the_sites_own_classes():
    from mkdocs.config import load_config

    from kbtools.site.plugin import own_class_sanitizer

    sanitizer = own_class_sanitizer(load_config(str(SITE_FIXTURE / "mkdocs.yml")))
    assert {"kb-banner", "kb-banner--current", "kb-meta", "kb-owner", "kb-step"} <= sanitizer.own_classes
    assert "kb-badge--" in sanitizer.own_prefixes  # written as kb-badge--{state}
    out = sanitizer.clean('<div class="kb-banner kb-banner--current"><p class="kb-banner__label">Current</p></div>'
                          '<span class="kb-badge kb-badge--made-up">x</span><dl class="kb-meta"></dl>'
                          '<div class="admonition note"><p class="admonition-title">Note</p></div>'
                          '<li class="task-list-item"></li><a class="headerlink" href="#x">x</a>')
    assert "kb-" not in out
    for kept in ('class="admonition note"', 'class="admonition-title"', 'class="task-list-item"',
                 'class="headerlink"'):
        assert kept in out



def test_a_body_cannot_take_an_id_the_themes_script_looks_up():
    """Material reads its settings from `#__config`: the first element with that id in the page wins."""
    from mkdocs.config import load_config

    from kbtools.site.plugin import own_class_sanitizer

    sanitizer = own_class_sanitizer(load_config(str(SITE_FIXTURE / "mkdocs.yml")))
    assert {"__config", "__drawer", "__search"} <= sanitizer.theme_ids
    out = sanitizer.clean('<div id="__config">{"base": "https://evil.example"}</div>'
                          '<input type="checkbox" id="__drawer"><h2 id="meter-swaps">Meter swaps</h2>'
                          '<input type="radio" id="__tabbed_1_1" name="__tabbed_1">')
    assert 'id="__config"' not in out and 'id="__drawer"' not in out
    assert 'id="meter-swaps"' in out and 'id="__tabbed_1_1"' in out  # headings' and content tabs' own ids stay


REFUSED = ["\\\\evil.example/x.png", "/\\evil.example/x.png", "//evil.example/x.png", "\\/evil.example/x.png",
             "/\t/evil.example/x.png", "/\n/evil.example/x.png", " //evil.example/x.png", "https://evil.example/x.png",
             "HTTPS:evil.example/x.png", "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)",
             "/x.png", "..\\..\\x.png", "x\\..\\..\\\\evil.example\\y.png"]
HERE = ["img/a.png", "../assets/images/a.png", "./a.png", "a/b:c.png", "a.png?v=1#top", "%5C%5Cevil.example/x.png"]


@pytest.mark.parametrize("src", REFUSED + HERE)
def test_images_only_from_relative_paths_of_the_site(src):
    out = sanitize.clean(f'<p><img alt="x" src="{html.escape(src)}"></p>')
    kept = re.search(r'src="([^"]*)"', out)
    assert (kept is not None) == (src in HERE), (src, out)
    if kept:
        assert html.unescape(kept.group(1)) == src


def _strings(value, seen=None):
    """Every string reachable from a value (dataclasses, records, containers), each object once."""
    import dataclasses

    from pydantic import BaseModel

    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, seen)
            yield from _strings(v, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _strings(v, seen)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), seen)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name), seen)


def test_a_public_view_holds_only_public_records(site_kb):
    view = build_view(site_kb, "public", today())
    assert not hasattr(view, "kb")  # pages cannot reach the unfiltered knowledge base
    reachable = set(_strings(view, {id(view.config)}))  # kb.yml's settings name no records but a checklist id
    hidden = {d for d, e in site_kb.docs.items() if d not in view.docs} | set(site_kb.accounts)
    hidden |= {t.model.id for t in site_kb.training.values() if t.model.audience != "public"}
    hidden |= {p.model.email for p in site_kb.people.values()} - {p.model.email for p in view.people.values()}
    assert {"SOP-FLD-001", "SOP-GOV-001", "ACC-00201", "TRN-103"} <= hidden
    assert not hidden & reachable
    assert view.accounts == {} and view.owners() == []
    files = "".join((SITE_FIXTURE / e.path).read_text(encoding="utf-8") for e in view.docs.values())
    for kind, table in (("person", view.people), ("team", view.teams), ("role", view.roles)):
        for ident in table:  # each named by a public document (a role also by its id, as a step's role)
            assert f"{kind}:{ident}" in files or (kind == "role" and f"role: {ident}" in files), (kind, ident)
    assert len(view.people) < len(site_kb.people) and len(view.teams) < len(site_kb.teams)
    assert set(view.departments) == {e.model.department for e in view.docs.values()}
    internal = build_view(site_kb, "internal", today())
    assert set(internal.people) == set(site_kb.people) and set(internal.accounts) == set(site_kb.accounts)
