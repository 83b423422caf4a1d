"""The shipped knowledge base: valid, faithful to the company's source documents, and its site builds.

The only test module that reads the live content in sops/, accounts/, org/,
training/, docs/ and kb.yml, or names its ids: everything else runs on the
fixtures in tests/fixtures/, so reorganising the content fails only here,
where it should.
"""

from __future__ import annotations

import pytest

from conftest import REPO, assert_codeowners, build_both, kmt_handles, run_kb
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
