"""The shipped knowledge base: valid, faithful to the company's source documents, and its site builds.

The only test module that reads the live content in sops/, accounts/, org/,
training/, docs/ and kb.yml, or names its ids: everything else runs on the
fixtures in tests/fixtures/, so reorganising the content fails only here,
where it should.
"""

from __future__ import annotations

import pytest

from conftest import REPO, assert_codeowners, build_both, kmt_handles, run_kb
from kbtools import models
from kbtools.load.loader import load

SHIPPED_TODAY = "2026-11-22"


@pytest.fixture(scope="module")
def repo_kb():
    return load(REPO)


def test_shipped_content_passes_kb_check(capsys):
    result = run_kb(["check", "--root", str(REPO), "--today", SHIPPED_TODAY], capsys)
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].startswith(("0 errors", "ok:"))


def test_no_load_problems(repo_kb):
    assert repo_kb.findings == []


def test_account_management_template_has_20_steps_and_4_gates(repo_kb):
    tpl = repo_kb.docs["TPL-AM-001"].model
    assert len(tpl.steps) == 20
    gates = [s for s in tpl.steps if s.approval]
    assert [tpl.steps.index(g) + 1 for g in gates] == [5, 8, 15, 19]
    index = {s.id: n + 1 for n, s in enumerate(tpl.steps)}
    assert [sorted(index[c] for c in g.approval.covers) for g in gates] == [[1, 2, 3, 4], [6, 7], [13, 14], [18]]
    satisfaction = [f for s in tpl.steps for f in s.fields if f.kind == "single" and "Very Satisfied" in f.options]
    assert satisfaction and len(satisfaction[0].options) == 5
    assert all(s.role for s in tpl.steps)


def test_policy_tiers_match_kb_yml(repo_kb):
    """Seed 001, section VI: "quarterly or semi-annual reviews with Tier 1 and Tier 2 clients"; no word on tier 3."""
    cfg = repo_kb.config
    assert cfg.account_review_every == {1: "6 months", 2: "6 months", 3: "12 months"}
    assert cfg.account_review_cadences == {"quarterly": "3 months", "semi-annual": "6 months"}
    assert cfg.account_review_local == (3,)
    assert "local rule" in (REPO / "kb.yml").read_text(encoding="utf-8")
    assert cfg.account_plan.tiers == (1, 2)
    assert repo_kb.docs["POL-SAL-001"].model.type == "policy"


def test_registry_people_and_roles(repo_kb):
    people = [p.model for p in repo_kb.people.values()]
    assert len(people) >= 15
    assert sum(1 for p in people if not p.active and p.left) == 1
    for role in ("im", "ssm", "csm", "tl", "nam", "ram", "kam", "kmt", "am"):
        assert role in repo_kb.roles, role


def test_glossary_covers_the_acronyms_of_the_seeds(repo_kb):
    for acronym in ("SOP", "IM", "SSM", "NA", "RA", "NAM", "RAM", "CSM", "TL", "LMS", "SF", "Opp",
                    "CRED SOFT", "CRED SERV", "FMC", "KAM", "KMT", "NPS", "CAB", "QA", "CR", "T0", "T4"):
        assert repo_kb.term_lookup(acronym) is not None, acronym


def test_accounts_span_segments_tiers_and_health(repo_kb):
    accounts = [a.model for a in repo_kb.accounts.values()]
    assert len(accounts) >= 20
    assert {a.segment for a in accounts} >= {"NA", "RA"}
    assert {a.tier for a in accounts} == {1, 2, 3}
    assert {a.health for a in accounts} >= {"green", "yellow", "red"}
    assert any(a.status == "transitioning" and a.transition for a in accounts)


def test_every_shipped_yaml_file_names_its_schema():
    files = [*REPO.glob("accounts/*.yaml"), *REPO.glob("org/*.yaml"), *REPO.glob("training/*.yaml"), REPO / "kb.yml"]
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
        assert schema.is_file(), f"{path}: {schema} does not exist"


def test_every_document_with_steps_gives_its_checklist(repo_kb, capsys, tmp_path):
    with_steps = sorted(i for i, e in repo_kb.docs.items() if e.model.steps)
    assert "TPL-AM-001" in with_steps
    for doc_id in with_steps:
        result = run_kb(["checklist", doc_id, "--root", str(REPO), "--today", SHIPPED_TODAY], capsys)
        assert result.code == 0, f"{doc_id}: {result.err}"
    # every account's review checklist: each step's role is held on the account or in the registry
    out = tmp_path / "reviews"
    result = run_kb(["checklist", "--due", "--within", "400", "--out", str(out), "--root", str(REPO),
                     "--today", SHIPPED_TODAY], capsys)
    assert result.code == 0, result.err
    active = [a for a in repo_kb.accounts.values() if a.model.status != "closed"]
    assert len(list(out.iterdir())) == len(active)


def test_repository_codeowners_is_current(capsys):
    result = run_kb(["codeowners", "--check", "--root", str(REPO)], capsys)
    assert result.code == 0, result.out + result.err
    assert "matches the registry" in result.out


def test_repository_codeowners_owners_of_every_file():
    pytest.importorskip("codeowners", reason="pip install 'codeowners>=0.6,<1' (test extra)")
    text = (REPO / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert text.startswith("# Generated by `kb codeowners` from org/")
    assert "Do not edit by hand" in text
    assert kmt_handles(REPO) == ["@northwind/kmt"]
    assert assert_codeowners(REPO) >= len(list((REPO / "sops").rglob("*.md"))) + 1


def test_the_site_builds_strict_for_both_audiences(tmp_path):
    """mkdocs.yml and docs/ of the repository, with the shipped content, as `make site` and CI build them."""
    built = build_both(REPO, tmp_path, today=SHIPPED_TODAY)
    for audience, site in built.items():
        assert (site / "index.html").is_file(), audience
        assert (site / "sops/art-sup-001/index.html").is_file(), audience
    assert (built["internal"] / "sops/tpl-am-001/index.html").is_file()
    assert not (built["public"] / "sops/tpl-am-001").exists()
    # the omnibus document's old URL leads to its first successor
    old = (built["internal"] / "sops/prc-sad-001/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../prc-sad-002/">' in old.partition("</head>")[0]
    # the periodic-review checklist is published beside the full one
    review = (built["internal"] / "checklists/tpl-am-001.review.md").read_text(encoding="utf-8")
    assert "Identify the account" not in review and "Periodically review account management plan" in review
    glossary = (built["internal"] / "glossary/index.html").read_text(encoding="utf-8")
    assert glossary.count("kb-unconfirmed\">unconfirmed</span>") >= 9
    # kb.yml falls back to GitHub issues: the staff site's widget opens one, the customers' writes to support
    staff = (built["internal"] / "sops/art-sup-001/index.html").read_text(encoding="utf-8")
    assert 'data-kb-fallback="https://github.com/northwind/knowledge-base/issues/new?' in staff
    for page in ("sops/art-sup-001/index.html", "glossary/index.html", "404.html"):
        text = (built["public"] / page).read_text(encoding="utf-8")
        assert "github.com/northwind" not in text, page
        assert text.count('<section class="kb-contact"') == 1 and "Open a support request" in text, page
    article = (built["public"] / "sops/art-sup-001/index.html").read_text(encoding="utf-8")
    assert 'data-kb-fallback="mailto:support@northwind.example?subject=' in article



def test_searching_every_shipped_document_id_puts_it_first(tmp_path, repo_kb):
    """Through Material's search box and worker in headless Chromium, on the internal site of the shipped
    content: every document a search can find (not a retired one), by its id, is the first result; and
    the glossary's SF and Salesforce find the same documents."""
    from chromium import ARGS, CHROMIUM, require_chromium, serve
    from conftest import finish, mkdocs_build

    require_chromium()
    from playwright.sync_api import sync_playwright

    from search_box import not_first, results

    site = tmp_path / "site"
    code, out = finish(mkdocs_build(REPO, site, "internal", today=SHIPPED_TODAY))
    assert code == 0, out
    ids = sorted(i for i, e in repo_kb.docs.items() if e.model.status != "retired" and e.model.audience != "restricted")
    assert {"SOP-CS-001", "TPL-AM-001"} <= set(ids)
    server, origin = serve(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page()
            page.goto(origin)
            assert not_first(page, origin, ids) == {}
            # The glossary's SF is Salesforce: either name finds the documents that write either.
            by_acronym = {p for p in results(page, origin, "SF") if p.startswith("sops/")}
            by_name = {p for p in results(page, origin, "Salesforce") if p.startswith("sops/")}
            assert by_acronym and by_acronym == by_name
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


# --- faithful to the seeds (../shared/seeds/) ------------------------------------------

# The steps of the retired omnibus document PRC-SAD-001 (seed 002), by id.
OMNIBUS_STEPS = (
    "receive-intake", "triage", "select-install-path", "allocate-resources", "checkin-30", "checkin-60",
    "checkin-90", "handle-unhappy-customer", "t0-self-help", "t1-support", "classify-limitation", "t2-technical",
    "t3-rd-qa", "t4-development", "large-scale-issues", "qualify-change-request", "transfer-to-kmtgb",
    "publish-self-help", "deliver-training", "inform-account-management", "present-voice-of-customer",
)


def test_the_omnibus_document_is_retired_and_split(repo_kb):
    old = repo_kb.docs["PRC-SAD-001"].model
    assert old.status == "retired" and not old.steps
    assert old.replaced_by == ("PRC-SAD-002", "PRC-SUP-001", "PRC-SAD-003", "PRC-KMT-001", "ART-SAD-001")
    assert repo_kb.successor("PRC-SAD-001") == "PRC-SAD-002"
    parts = {p: {s.id for s in repo_kb.docs[p].model.steps} for p in old.replaced_by}
    assert all(repo_kb.docs[p].model.status != "retired" for p in parts)
    for step in OMNIBUS_STEPS:  # every old step id still resolves, in exactly one successor
        assert sum(step in ids for ids in parts.values()) == 1, step
    # new customers' checklist: onboarding only, no escalation, change-request or unhappy-customer steps
    assert parts["PRC-SAD-002"] == {"receive-intake", "triage", "select-install-path", "allocate-resources",
                                    "checkin-30", "checkin-60", "checkin-90"}
    assert "escalate-technical-director" in parts["PRC-SUP-001"]


def test_nothing_in_force_links_to_a_retired_document(capsys):
    result = run_kb(["check", "--root", str(REPO), "--today", SHIPPED_TODAY, "--format", "json"], capsys)
    assert [f for f in result.json()["findings"] if f["code"] == "retired-reference"] == []
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "PRC-SAD-001" not in readme


def test_periodic_review_checklist_of_the_template(repo_kb, capsys):
    result = run_kb(["checklist", "TPL-AM-001", "--account", "ACC-00101", "--run", "review", "--format", "json",
                     "--root", str(REPO), "--today", SHIPPED_TODAY], capsys)
    numbers = [s["number"] for s in result.json()["steps"]]
    assert numbers == list(range(9, 21))  # seed 004: identifying the account and drafting the plan are set-up
    setup = run_kb(["checklist", "TPL-AM-001", "--run", "setup", "--format", "json", "--root", str(REPO),
                    "--today", SHIPPED_TODAY], capsys)
    assert [s["number"] for s in setup.json()["steps"]] == list(range(1, 10))


def test_one_vocabulary_for_semi_annual(repo_kb):
    words = ("biannual", "half-year", "half year", "twice a year")
    for path in [*REPO.glob("sops/**/*.md"), *REPO.glob("org/*.yaml"), REPO / "kb.yml"]:
        text = path.read_text(encoding="utf-8").casefold()
        assert not any(w in text for w in words), path
    template = repo_kb.docs["TPL-AM-001"].model
    review = next(f for s in template.steps for f in s.fields if f.id == "review-frequency")
    assert "Semi-annually" in review.options


def test_unconfirmed_glossary_entries(repo_kb):
    for term in ("CSC", "MSD", "DC", "SPOS", "RSM", "T2", "S.D.", "Established account", "Health category"):
        entry = repo_kb.term_lookup(term)
        assert entry is not None and entry.model.unconfirmed, term
    assert "automated" in repo_kb.term_lookup("MSD").model.definition
    assert repo_kb.term_lookup("SOP").model.unconfirmed is None


def test_missing_and_partial_facts_are_in(repo_kb):
    # seed 000: the SSM keeps a procedure for taking over established accounts
    ssm = repo_kb.docs["SOP-CSC-002"].model
    assert ssm.status == "draft" and ssm.owner == "team:csc-ssm" and ssm.steps
    assert "SOP-CSC-002" in repo_kb.docs["SOP-CSC-001"].model.related
    workflow = (REPO / repo_kb.docs["SOP-CSC-001"].path).read_text(encoding="utf-8")
    assert "daily meeting" not in workflow and "scheduled meeting" in workflow
    # seed 002: the business transition team runs white glove
    assert "business-transition" in repo_kb.teams and "business-transition" in repo_kb.roles
    assert repo_kb.active_members("business-transition")
    # seed 003: health forces manual transfers; one invitation; Prior Steps; no share links published
    transition = repo_kb.docs["SOP-CS-001"].model
    assert any(isinstance(i, models.Item) and i.when and i.when.health for s in transition.steps for i in s.items)
    invitations = [s.id for s in transition.steps if "Invitation" in " ".join(
        i if isinstance(i, str) else i.text for i in s.items)]
    assert invitations == ["invite-pending-items-call"]
    text = (REPO / repo_kb.docs["SOP-CS-001"].path).read_text(encoding="utf-8")
    assert "Prior Steps" in text
    for path in REPO.glob("sops/**/*.md"):
        body = path.read_text(encoding="utf-8")
        assert "docs.google.com" not in body and "atlassian.net" not in body, path
    # seed 002: triage takes the decision from sales, for customers too
    onboarding = (REPO / repo_kb.docs["ART-SUP-002"].path).read_text(encoding="utf-8")
    assert "ask your sales contact" not in onboarding


def test_the_example_export_imports_into_the_shipped_accounts(tmp_path, capsys):
    """examples/salesforce/accounts-report.csv through kb.yml's crm: mapping, into a copy of the content."""
    import shutil

    root = tmp_path / "kb"
    root.mkdir()
    shutil.copy(REPO / "kb.yml", root / "kb.yml")
    for folder in ("org", "sops", "accounts", "training", "schemas"):
        shutil.copytree(REPO / folder, root / folder)
    export = str(REPO / "examples/salesforce/accounts-report.csv")
    argv = ["accounts", "import", export, "--format", "json", "--root", str(root), "--today", SHIPPED_TODAY]
    dry = run_kb([*argv, "--dry-run"], capsys)
    assert dry.code == 0, dry.err
    report = dry.json()
    assert report["counts"] == {"added": 2, "changed": 3, "closed": 1, "unchanged": 19}
    assert [a["id"] for a in report["added"]] == ["ACC-00125", "ACC-00126"]
    assert [c["id"] for c in report["closed"]] == ["ACC-00123"]
    assert report["notes"] == []
    assert run_kb(argv, capsys).code == 0
    check = run_kb(["check", "--root", str(root), "--today", SHIPPED_TODAY], capsys)
    assert check.code == 0, check.out
    again = run_kb(argv, capsys).json()
    assert again["counts"] == {"added": 0, "changed": 0, "closed": 0, "unchanged": 24}
