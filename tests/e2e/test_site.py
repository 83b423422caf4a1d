"""The knowledge site, built: the kb MkDocs plugin's pages, audiences, safety and failures.

The fixture knowledge base (tests/fixtures/site/) is copied once per session,
with one document moved to another folder and renamed, and built with
`mkdocs build --strict` for both audiences (conftest's `sites`), as of a fixed
date on which one review is overdue, one due soon and the rest current.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import MOVED, REPO, SITE_FIXTURE, SITE_TODAY, copy_site_kb, finish, free_port, mkdocs_build, run_kb
from hostile import inline_scripts
from kbtools.load.loader import load
from kbtools.reviews import review_items
from kbtools.site import csp, urls
from kbtools.site.view import build_view


def today() -> dt.date:
    return dt.date.fromisoformat(SITE_TODAY)


def site_files(root: Path):
    """Every file of a built site, as text (bytes that are not UTF-8 become U+FFFD)."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path, path.read_bytes().decode("utf-8", errors="replace")


# -- 1. the plugin ----------------------------------------------------------------------


def test_plugin_is_registered_and_configured():
    from importlib.metadata import entry_points

    (plugin,) = entry_points(group="mkdocs.plugins", name="kb")
    assert plugin.value == "kbtools.site.plugin:KBPlugin"
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text().replace("!ENV ", ""))
    assert config["theme"]["name"] == "material"
    assert any(isinstance(p, dict) and "kb" in p for p in config["plugins"])
    assert "navigation.prune" in config["theme"]["features"]


def test_the_fixture_site_is_configured_like_the_repositorys():
    """Only the names differ, so the session builds test the shipped theme, extensions and plugins."""
    def config(root: Path) -> dict:
        data = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV ", ""))
        return {k: v for k, v in data.items() if k not in ("site_name", "site_description", "copyright")}

    assert config(SITE_FIXTURE) == config(REPO)
    for shared in ("docs/assets", "docs/overrides"):
        assert (SITE_FIXTURE / shared).resolve() == (REPO / shared).resolve(), shared


def test_the_fixture_has_no_findings_but_its_review_dates(capsys):
    """The fixture knowledge base is valid; the overdue and due-soon reviews are on purpose."""
    from conftest import run_kb

    result = run_kb(["check", "--root", str(SITE_FIXTURE), "--today", SITE_TODAY, "--format", "json"], capsys)
    found = {(f["path"], f["code"]) for f in result.json()["findings"]}
    assert found == {
        ("sops/care/POL-CARE-001.md", "review-overdue"),
        ("sops/care/SOP-CARE-002.md", "review-due-soon"),
        ("accounts/ACC-00202.yaml", "review-due-soon"),
        ("accounts/ACC-00203.yaml", "review-due-soon"),
        ("accounts/ACC-00204.yaml", "review-overdue"),
        ("accounts/ACC-00204.yaml", "plan-missing"),
    }


def test_every_document_at_a_url_from_its_id_even_after_moving(sites, site_kb):
    for doc_id, entry in site_kb.docs.items():
        page = sites.internal / "sops" / doc_id.lower() / "index.html"
        assert page.is_file() == (entry.model.audience != "restricted"), doc_id
    moved = sites.page("internal", urls.doc("SOP-FLD-001"))
    assert "Dispatch a field crew to a site" in moved
    assert load(sites.kb).docs["SOP-FLD-001"].path == MOVED


def test_overdue_reviews_do_not_fail_the_strict_build(sites, site_kb):
    states = {i.id: i.state for i in review_items(site_kb, today()) if i.kind == "sop"}
    assert "overdue" in states.values()  # the session builds passed --strict regardless
    assert 'kb-banner--overdue' in sites.page("internal", urls.doc("POL-CARE-001"))


def _broken_copy(tmp_path: Path) -> Path:
    return copy_site_kb(tmp_path / "kb")


def test_a_knowledge_base_error_fails_the_strict_build_with_its_position(tmp_path):
    root = _broken_copy(tmp_path)
    path = root / MOVED
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("owner:"))
    lines.insert(at + 1, "ownr: team:field-crew\n")
    path.write_text("".join(lines), encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site"))
    assert code != 0
    assert f"{MOVED}:{at + 2}:1: error: unknown key 'ownr'" in out
    assert "Traceback" not in out


def test_an_unusable_config_stops_the_build_without_a_traceback(tmp_path):
    root = _broken_copy(tmp_path)
    (root / "kb.yml").write_text("due_soon_days: [\n", encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site", strict=False))
    assert code != 0
    assert "kb.yml" in out and "Traceback" not in out


def test_a_public_page_linking_to_an_internal_document_fails_the_public_build(tmp_path):
    root = _broken_copy(tmp_path)
    article = root / "sops/desk/ART-DSK-001.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nSee [the dispatch](SOP-FLD-001).\n", encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site", audience="public"))
    assert code != 0
    assert "sops/desk/ART-DSK-001.md links to SOP-FLD-001" in out


def test_site_url_comes_from_kb_yml_for_pages_api_sitemap_and_digest(tmp_path, capsys):
    root = _broken_copy(tmp_path)
    with (root / "kb.yml").open("a", encoding="utf-8") as fh:
        fh.write("site_url: https://kb.kestrel.example/\n")
    code, out = finish(mkdocs_build(root, tmp_path / "site"))
    assert code == 0, out
    api = json.loads((tmp_path / "site" / "api" / "pages.json").read_text(encoding="utf-8"))
    doc = next(p for p in api["pages"] if p["id"] == "SOP-FLD-001")
    assert doc["url"] == "https://kb.kestrel.example/sops/sop-fld-001/"
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://kb.kestrel.example/sops/sop-fld-001/</loc>" in sitemap
    digest = run_kb(["digest", "--within", "400", "--format", "json", "--root", str(root), "--today", SITE_TODAY],
                    capsys)
    urls_in_digest = [i["url"] for o in digest.json()["owners"] for i in o["items"]]
    assert urls_in_digest and all(u.startswith("https://kb.kestrel.example/") for u in urls_in_digest)


def test_a_second_site_url_in_mkdocs_yml_that_disagrees_fails_the_build(tmp_path):
    root = _broken_copy(tmp_path)
    with (root / "kb.yml").open("a", encoding="utf-8") as fh:
        fh.write("site_url: https://kb.kestrel.example/\n")
    config = root / "mkdocs.yml"
    config.write_text("site_url: https://elsewhere.example/\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site"))
    assert code != 0
    assert "set site_url in kb.yml only" in out and "Traceback" not in out


def _with_hook(root: Path, hook: str) -> None:
    """A test-only MkDocs hook in root/mkdocs.yml: a plugin the kb plugin cannot know about."""
    (root / "hook.py").write_text("from mkdocs.plugins import event_priority\n\n\n" + hook, encoding="utf-8")
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as fh:
        fh.write("\nhooks:\n  - hook.py\n")




def test_the_preview_serves_pages_with_the_live_reload_policy(tmp_path):
    """`mkdocs serve` (make start) builds, and its pages allow the live-reload script MkDocs adds:
    'unsafe-inline' and no hashes (next to a hash, browsers ignore 'unsafe-inline')."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    root = _broken_copy(tmp_path)
    port = free_port()
    env = dict(os.environ, KB_TODAY=SITE_TODAY, NO_MKDOCS_2_WARNING="1")
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f", str(root / "mkdocs.yml"),
                               "-a", f"127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        for _ in range(60):
            if server.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sops/sop-fld-001/", timeout=5) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.5)
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert page is not None, out
    script_src = _policy(page).split("script-src", 1)[1].split(";")[0]
    assert script_src.split() == ["'self'", "'unsafe-inline'"]
    assert "livereload" in page


def test_the_search_index_is_checked_whatever_the_order_of_the_plugins(tmp_path):
    """kb listed before search: the leak guard still reads the index the search plugin writes."""
    root = _broken_copy(tmp_path)
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    kb = "  - kb:\n      audience: !ENV [KB_AUDIENCE, internal]\n"
    search, at = text.index("plugins:\n  - search") + len("plugins:\n"), text.index(kb)
    assert search < at
    config.write_text(text[:search] + kb + text[search:at] + text[at + len(kb):], encoding="utf-8")
    article = root / "sops/desk/ART-DSK-001.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nAsk for Dispatch a field crew to a site.\n",
                       encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site", audience="public"))
    assert code != 0
    assert "page sops/art-dsk-001.md of the public site shows 'Dispatch a field crew to a site'" in out
    assert "the search index of the public site shows 'Dispatch a field crew to a site'" in out


def test_a_search_index_the_guard_cannot_read_fails_the_public_build(tmp_path):
    root = _broken_copy(tmp_path)
    _with_hook(root, "@event_priority(-50)\ndef on_post_build(config):\n"
                     "    import os\n    os.remove(os.path.join(config.site_dir, 'search', 'search_index.json'))\n")
    code, out = finish(mkdocs_build(root, tmp_path / "site", audience="public"))
    assert code != 0
    assert "the search plugin is configured but search/search_index.json was not there" in out
    assert "Traceback" not in out


def test_a_page_that_loses_its_policy_to_a_later_plugin_fails_the_build(tmp_path):
    root = _broken_copy(tmp_path)
    _with_hook(root, "import re\n\n\n@event_priority(-200)\ndef on_post_page(output, page, config):\n"
                     "    return re.sub(r'<meta http-equiv=\"Content-Security-Policy\"[^>]*>', '', output)\n")
    code, out = finish(mkdocs_build(root, tmp_path / "site"))
    assert code != 0
    assert "pages lost their Content-Security-Policy after the kb plugin set it" in out


# -- 2. the document page ------------------------------------------------------------------


def test_metadata_panel(sites):
    page = sites.page("internal", urls.doc("SOP-FLD-001"))
    panel = page[page.index('<dl class="kb-meta">'):]
    panel = panel[: panel.index("</dl>")]
    for label, value in [("ID", "SOP-FLD-001"), ("Type", "SOP"), ("Status", "approved"), ("Version", "2.1"),
                         ("Effective", "3 March 2025"), ("Last review", "14 September 2026"),
                         ("Next review", "14 September 2027")]:
        assert re.search(rf"<dt>{label}</dt><dd>.*?{re.escape(value)}", panel), label
    assert 'href="../../departments/field/">Field Service</a>' in panel
    assert 'href="../../owners/team-field-crew/">Field crew</a>' in panel
    assert '<time datetime="2026-09-14">14 September 2026</time>' in panel


@pytest.mark.parametrize("doc_id,state", [("SOP-FLD-001", "current"), ("SOP-CARE-002", "due-soon"),
                                          ("POL-CARE-001", "overdue")])
def test_review_banner_in_three_states(sites, site_kb, doc_id, state):
    computed = next(i.state for i in review_items(site_kb, today()) if i.id == doc_id)
    assert {"ok": "current"}.get(computed, computed) == state
    page = sites.page("internal", urls.doc(doc_id))
    banner = re.search(r'<div class="kb-banner kb-banner--([a-z-]+)"[^>]*>(.*?)</div>', page, re.S)
    assert banner.group(1) == state
    words = {"current": "Current", "due-soon": "Review due soon", "overdue": "Review overdue"}[state]
    assert words in banner.group(2)
    assert "as of <time datetime=\"2026-11-22\">22 November 2026</time>" in banner.group(2)


def test_banner_colours_differ_by_state():
    css = (REPO / "docs/assets/stylesheets/kb.css").read_text()
    colours = {s: re.search(rf"--kb-{s}-bg: (#[0-9a-f]+)", css).group(1) for s in ("current", "due-soon", "overdue")}
    assert len(set(colours.values())) == 3


def test_roles_steps_anchors_and_approval_gates(sites, site_kb):
    doc = site_kb.docs["TPL-CARE-001"].model
    page = sites.page("internal", urls.doc("TPL-CARE-001"))
    assert 'id="kb-roles"' in page and "Responsibilities" in page
    for step in doc.steps:
        assert f'id="step-{step.id}"' in page
        assert f'href="#step-{step.id}"' in page
    gates = [s for s in doc.steps if s.approval]
    assert len(gates) == 2 and page.count('class="admonition kb-approval"') == 2
    gate = gates[0]
    start = page.index(f'id="step-{gate.id}"')
    block = page[start:page.index('<li class="kb-step', start)]
    assert len(gate.approval.covers) == 3
    for covered in gate.approval.covers:
        assert f'href="#step-{covered}"' in block
    assert page.count('class="task-list-item"') == sum(len(s.items) for s in doc.steps)


def test_related_training_and_history(sites, site_kb):
    doc = site_kb.docs["SOP-FLD-001"].model
    page = sites.page("internal", urls.doc("SOP-FLD-001"))
    related = page[page.index('id="kb-related"'):]
    for other in doc.related:
        assert f'href="../../sops/{other.lower()}/"' in related
    assert 'href="../../sops/sop-gov-001/"' not in related  # it relates to this one, but it is restricted
    training = page[page.index('id="kb-training"'):page.index('id="kb-history"')]
    assert "Dispatch walkthrough" in training and "TRN-101" in training
    history = page[page.index('id="kb-history"'):]
    history = history[: history.index("</table>")]
    assert history.count("<tr>") == len(doc.changelog) + 1


def test_glossary_tooltips_outside_code_and_links(sites):
    page = sites.page("internal", urls.doc("SOP-FLD-001"))
    assert '<abbr title="FSR: Field Service Report.' in page
    assert "<code>FSR</code>" in page and ">FSR checklist</a>" in page
    assert not re.search(r"<code>[^<]*<abbr", page)
    assert not re.search(r"<a [^>]*>[^<]*<abbr", page)
    glossary = sites.page("internal", urls.GLOSSARY)
    assert 'id="term-fsr"' in glossary


def test_an_alias_carries_its_terms_tooltip(sites):
    page = sites.page("internal", urls.doc("SOP-FLD-001"))
    assert re.search(r'<abbr title="WO: Work Order\.[^"]*" tabindex="0">Work Orders</abbr>', page)
    public = sites.page("public", urls.doc("ART-DSK-002"))
    assert re.search(r'<abbr title="AMR: Automatic Meter Reading\.[^"]*" tabindex="0">smart meter</abbr>', public)


# -- 3. generated pages --------------------------------------------------------------------


def test_generated_pages_exist(sites):
    for src in (urls.HOME, urls.DEPARTMENTS, urls.TYPES, urls.TAGS, urls.OWNERS, urls.REVIEWS,
                urls.GLOSSARY, urls.ACCOUNTS, urls.department("field"), urls.doc_type("sop"),
                urls.owner("team:field-crew"), urls.owner("person:petra"), urls.account("ACC-00201")):
        assert sites.page("internal", src)
    home = sites.page("internal", urls.HOME)
    assert 'name="q"' in home and "Departments" in home
    tags = sites.page("internal", urls.TAGS)
    assert 'id="tag-dispatch"' in tags


def test_review_dashboard_counts_and_chart(sites, site_kb):
    page = sites.page("internal", urls.REVIEWS)
    items = review_items(site_kb, today())
    visible = [i for i in items if i.kind != "sop" or site_kb.docs[i.id].model.audience != "restricted"]
    overdue = sum(1 for i in visible if i.state in ("overdue", "future"))
    due_soon = sum(1 for i in visible if i.state == "due-soon")
    assert (overdue, due_soon) == (3, 3)  # POL-CARE-001, ACC-00204 and its plan; SOP-CARE-002, ACC-00202, ACC-00203
    table = page[page.index('id="kb-overdue"'):page.index('id="kb-due-soon"')]
    assert table.count("<tr class=\"kb-row--overdue\" data-kind=") == overdue
    assert page[page.index('id="kb-due-soon"'):].count('<tr class="kb-row--due-soon" data-kind=') == due_soon
    assert '<svg class="kb-chart" role="group"' in page and 'class="kb-chart__overdue"' in page  # bars link to owners


def test_owner_pages_list_what_they_own_and_what_is_due(sites, site_kb):
    page = sites.page("internal", urls.owner("person:petra"))
    owned = [a for a in site_kb.accounts.values() if a.model.owner == "person:petra"]
    assert len(owned) == 2 and all(a.model.id in page for a in owned)
    assert "POL-CARE-001" in page
    assert 'id="kb-due"' in page
    team = sites.page("internal", urls.owner("team:field-crew"))
    assert "SOP-FLD-001" in team and "Nadia Osei" in team


def test_accounts_by_tier_and_health(sites, site_kb):
    page = sites.page("internal", urls.ACCOUNTS)
    for tier in (1, 2, 3):
        assert f'id="kb-tier-{tier}"' in page
    for entry in site_kb.accounts.values():
        assert f'href="../accounts/{entry.model.id.lower()}/"' in page


def test_no_confidential_account_value_in_the_internal_site(sites):
    secrets: set[str] = set()
    for path in (sites.kb / "accounts").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for contact in data.get("contacts", []):
            secrets |= {str(v) for k, v in contact.items() if k in ("email", "phone")}
        if data.get("annual_revenue"):
            revenue = data["annual_revenue"]
            secrets |= {str(revenue), f"{revenue:,}"}
        if data.get("notes"):
            secrets.add(data["notes"].strip()[:40])
    assert any("@" in s for s in secrets) and any(s.isdigit() for s in secrets)
    for path, text in site_files(sites.internal):
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path}: {leaked}"


# -- 4. audiences --------------------------------------------------------------------------


def _forbidden(kb, audience: str) -> set[str]:
    """Ids and titles of everything the audience must not see (in plain and HTML-escaped form)."""
    view = build_view(kb, audience, today())
    names = [(d, e.model.title) for d, e in kb.docs.items() if d not in view.docs]
    shown = {t.id for t in view.training}
    names += [(t.model.id, t.model.title) for t in kb.training.values() if t.model.id not in shown]
    if audience == "public":
        names += [(a.model.id, a.model.name) for a in kb.accounts.values()]
    return {x for ident, title in names for x in (ident, title, html.escape(title), json.dumps(title)[1:-1])}


def test_public_build_holds_only_public_content(sites, site_kb):
    forbidden = _forbidden(site_kb, "public")
    assert {"SOP-FLD-001", "Account handover between CSMs", "ACC-00201", "Alderbrook Brewery",
            "ART-DSK-003", "Planned maintenance notices", "TRN-101", "Dispatch walkthrough"} <= forbidden
    forbidden = {n.casefold() for n in forbidden}
    checked = 0
    for path, text in site_files(sites.public):
        text = text.casefold()
        hits = sorted(n for n in forbidden if n in text)
        assert not hits, f"{path.relative_to(sites.public)} shows {hits}"
        checked += 1
    assert checked > 10
    assert not (sites.public / "owners").exists() and not (sites.public / "accounts").exists()
    assert not (sites.public / "reviews").exists() and not (sites.public / "handbook").exists()
    assert (sites.public / "sops/art-dsk-001/index.html").is_file()
    assert not (sites.public / "sops/art-dsk-003").exists()  # public, but a draft


def test_public_tooltips_only_for_terms_of_public_documents(sites, site_kb):
    allowed = {t.term for t in build_view(site_kb, "public", today()).terms}
    assert allowed == {"AMR", "SLA"}
    for path, text in site_files(sites.public):
        for title in re.findall(r'<abbr title="([^"]*)"', text):
            assert html.unescape(title).split(":")[0].split(".")[0] in allowed, (path, title)


def test_restricted_content_in_no_build(sites):
    forbidden = {"SOP-GOV-001", "Respond to a customer data breach", "heron-quartz", "TRN-103",
                 "Breach drill for the governance board"}
    for root in (sites.internal, sites.public):
        for path, text in site_files(root):
            assert not [n for n in forbidden if n in text], path


def test_hand_written_pages_are_internal_unless_marked_public(sites):
    for page in ("handbook", "contributing", "help"):
        assert (sites.internal / page / "index.html").is_file(), page
    assert not (sites.public / "contributing").exists()  # audience: internal
    assert not (sites.public / "handbook").exists()  # no audience: internal
    assert (sites.public / "help/index.html").is_file()  # audience: public


FILES_OPTION = """\
      files:
        help/: public
        board/: restricted
        training/: public
"""


def _with_files(tmp_path: Path, declare: bool = True) -> Path:
    """The fixture with files beside the pages under docs/, some declared in the plugin's `files` option
    (with `declare`), and TRN-103 (restricted) pointing at one of them."""
    root = _broken_copy(tmp_path)
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    plugin = "      audience: !ENV [KB_AUDIENCE, internal]\n"
    assert plugin in text
    if declare:
        config.write_text(text.replace(plugin, plugin + FILES_OPTION), encoding="utf-8")
    for rel in ("help/reset.txt", "board/minutes.pdf", "handbook-files/roster.pdf", "training/breach-drill.pdf",
                "assets/images/badge.png"):
        (root / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / rel).write_bytes(b"%PDF-1.4 " + rel.encode())
    drill = root / "training/TRN-103.yaml"
    drill.write_text(drill.read_text(encoding="utf-8").replace(
        "url: https://learn.kestrel.example/breach-drill", "file: docs/training/breach-drill.pdf"), encoding="utf-8")
    return root


def _built_files(tmp_path: Path, root: Path, expected: dict[str, tuple[str, ...]]) -> None:
    runs = {a: mkdocs_build(root, tmp_path / a, a) for a in ("internal", "public")}
    for process in runs.values():
        code, out = finish(process)
        assert code == 0, out
    for rel, audiences in expected.items():
        for audience in ("internal", "public"):
            assert (tmp_path / audience / rel).is_file() == (audience in audiences), (audience, rel)


def test_undeclared_files_under_docs_are_internal_and_restricted_training_in_no_build(tmp_path):
    _built_files(tmp_path, _with_files(tmp_path, declare=False), {
        "help/reset.txt": ("internal",), "handbook-files/roster.pdf": ("internal",), "board/minutes.pdf": ("internal",),
        "training/breach-drill.pdf": (), "assets/images/badge.png": ("internal", "public"),
        "assets/stylesheets/kb.css": ("internal", "public"),
    })


def test_files_under_docs_follow_their_declared_audience(tmp_path):
    """Declared public: both sites; declared restricted, or named by restricted training whatever the
    declaration says: neither."""
    _built_files(tmp_path, _with_files(tmp_path), {
        "help/reset.txt": ("internal", "public"), "handbook-files/roster.pdf": ("internal",),
        "board/minutes.pdf": (), "training/breach-drill.pdf": (), "assets/images/badge.png": ("internal", "public"),
    })


def test_a_public_file_showing_internal_content_fails_the_public_build(tmp_path):
    root = _with_files(tmp_path)
    (root / "docs/help/notes.txt").write_text("See Dispatch a field crew to a site.\n", encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site", "public"))
    assert code != 0
    assert "file help/notes.txt of the public site shows 'Dispatch a field crew to a site'" in out


def _theme_bundle() -> str:
    import material

    return next(Path(material.__file__).parent.glob("templates/assets/javascripts/bundle.*.min.js")).name


@pytest.mark.parametrize("rel,message", [
    ("sops/art-dsk-001/index.md", "docs/sops/art-dsk-001/index.md and the page kb makes, sops/art-dsk-001.md would "
                                  "both be written to sops/art-dsk-001/index.html (the page /sops/art-dsk-001/)"),
    ("SOPS/ART-DSK-001.md", "docs/SOPS/ART-DSK-001.md and the page kb makes, sops/art-dsk-001.md would both be "
                            "written to SOPS/ART-DSK-001/index.html"),
    ("checklists/sop-gov-001.html", "docs/checklists/sop-gov-001.html would be written to checklists/sop-gov-001.html, "
                                    "where the build writes its downloads"),
    ("assets/javascripts/BUNDLE", "docs/assets/javascripts/BUNDLE would take the place of the theme's "
                                  "assets/javascripts/BUNDLE"),
    ("sitemap.xml", "docs/sitemap.xml and the theme's sitemap.xml would both be written to sitemap.xml"),
])
def test_a_file_under_docs_cannot_take_another_files_place(tmp_path, rel, message):
    """By where it would be written, not by its name: an impostor page at a document's URL (its search
    entry would sit on the real page's URL), a theme script replaced, a download faked."""
    rel, message = rel.replace("BUNDLE", _theme_bundle()), message.replace("BUNDLE", _theme_bundle())
    root = _broken_copy(tmp_path)
    path = root / "docs" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\naudience: public\n---\n\n# What to do when the water stops\n\nCurrent.\n"
                    if rel.endswith(".md") else "alert(1)\n", encoding="utf-8")
    public = rel.endswith(".md") or rel.startswith("assets/")  # else undeclared: internal, not in the public site
    for audience in ("internal", "public") if public else ("internal",):
        code, out = finish(mkdocs_build(root, tmp_path / audience, audience))
        assert code != 0, out
        assert message in out, out
        assert "Traceback" not in out


def test_links_by_id_in_markdown_and_bare_ids_in_text(sites):
    page = sites.page("internal", "contributing.md")
    assert 'href="../sops/sop-fld-001/#step-log-call"' in page
    assert '<a href="../sops/tpl-care-001/">TPL-CARE-001</a>' in page
    assert '<a href="../sops/art-dsk-001/">ART-DSK-001</a>' in sites.page("public", "help.md")


# -- 5. safety -------------------------------------------------------------------------------


def _policy(text: str) -> str:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert meta
    return meta.group(1)


def test_every_page_has_a_content_security_policy_matching_its_scripts(sites):
    for root in (sites.internal, sites.public):
        for path in root.rglob("*.html"):
            if path.parent.name == "checklists":
                continue  # standalone printable files with their own, stricter policy (test_site_downloads)
            text = path.read_text(encoding="utf-8")
            policy = _policy(text)
            assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
            assert "default-src 'self'" in policy
            for script in inline_scripts(text):
                assert csp.source_hash(script) in policy, (path, script[:60])
            assert text.index("Content-Security-Policy") < text.index("<script")


def test_the_policy_comes_from_the_theme_not_from_the_page(sites):
    """Pages as deep as each other, with different content, get the same policy; a deeper page
    a different one (the theme's first script names the way up to the site root)."""
    pages = [sites.page("internal", urls.doc(d)) for d in ("SOP-FLD-001", "TPL-CARE-001", "POL-CARE-001")]
    assert len({_policy(p) for p in pages}) == 1
    assert _policy(pages[0]) != _policy(sites.page("internal", urls.HOME))
    assert _policy(pages[0]) == _policy(sites.page("internal", urls.department("field")))
    assert _policy(pages[0]) != _policy(sites.page("internal", urls.GLOSSARY))


def test_no_resource_from_elsewhere(sites):
    resource = re.compile(r'<(?:script|img|link|iframe|source|video|audio)\b[^>]*\b(?:src|href)='
                          r'"((?:https?:)?//[^"]+)"')
    css_url = re.compile(r"url\(\s*['\"]?(?:https?:)?//")
    for root in (sites.internal, sites.public):
        for path, text in site_files(root):
            assert not resource.findall(text), path
            if path.suffix == ".css":
                assert not css_url.search(text), path
            assert "fonts.googleapis" not in text and "googletagmanager" not in text, path


def test_a_hand_written_page_over_the_line_limit_fails_the_build_and_is_not_rendered(tmp_path):
    root = copy_site_kb(tmp_path / "kb")
    (root / "docs" / "huge.md").write_text("# Huge\n\n" + "[" * 40_000 + "\n", encoding="utf-8")
    code, out = finish(mkdocs_build(root, tmp_path / "site"))  # Python-Markdown alone takes minutes on it
    assert code != 0
    assert "docs/huge.md:3:4001: error:" in out and "[line-too-long]" in out
    assert not (tmp_path / "site" / "huge").exists()


def test_a_retired_documents_url_leads_to_its_successor(sites, site_kb):
    assert site_kb.docs["ART-DSK-004"].model.replaced_by == ("ART-DSK-001",)
    for audience in ("internal", "public"):
        page = sites.page(audience, urls.doc("ART-DSK-004"))
        head = page.partition("</head>")[0]
        assert '<meta http-equiv="refresh" content="0; url=../art-dsk-001/">' in head, audience
        assert re.search(r"no longer in force\.\s+It was replaced by", page)
        assert 'href="../../sops/art-dsk-001/"' in page
        assert "sops/art-dsk-004/" not in _nav_links(sites.page(audience, urls.HOME)), audience
    index = json.loads((sites.public / "search/search_index.json").read_text(encoding="utf-8"))
    assert not any(d["location"].startswith("sops/art-dsk-004/") for d in index["docs"])
    # a document in force is no redirect
    assert 'http-equiv="refresh"' not in sites.page("public", urls.doc("ART-DSK-001"))


def _nav_links(page: str) -> str:
    nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>', page, re.S)
    assert nav
    return nav.group(0)


def test_unconfirmed_glossary_entries_are_marked(sites):
    page = sites.page("internal", urls.GLOSSARY)
    entry = page[page.index('id="term-wo"'):]
    entry = entry[:entry.index("</dd>")]
    assert '<span class="kb-status kb-status--draft kb-unconfirmed">unconfirmed</span>' in entry
    assert "Not confirmed by the company's documents: The dispatch notes write WO" in entry
    fsr = page[page.index('id="term-fsr"'):]
    assert "kb-unconfirmed" not in fsr[:fsr.index("</dd>")]
