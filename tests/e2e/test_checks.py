"""Every check, each asserting the code, the file and the line."""

from __future__ import annotations

import pytest

from conftest import codes, only

ACCOUNT = "accounts/ACC-00001.yaml"
SOP = "sops/ops/SOP-OPS-001.md"
TRAINING = "training/TRN-901.yaml"


def test_minimal_kb_is_clean(kb):
    result = kb.check()
    assert result.code == 0, result.out
    assert "no problems" in result.out


# --- ids -------------------------------------------------------------------


def test_duplicate_document_id_across_files(kb):
    kb.write("sops/other/copy.md", kb.read(SOP))
    f = only(kb.findings(), "duplicate-id")
    assert (f["path"], f["line"]) == ("sops/other/copy.md", 2)
    assert "sops/ops/SOP-OPS-001.md:2" in f["message"]


def test_duplicate_person_id(kb):
    bob_again = "  - id: bob\n    name: Bob Two\n    email: b2@example.com\n"
    kb.write("org/people.yaml", kb.read("org/people.yaml") + bob_again)
    f = only(kb.findings(), "duplicate-id")
    assert (f["path"], f["line"]) == ("org/people.yaml", 20)


def test_account_file_name_must_be_its_id(kb):
    kb.write("accounts/ACC-00002.yaml", kb.read(ACCOUNT))
    fs = kb.findings()
    f = only(fs, "file-name")
    assert (f["path"], f["line"]) == ("accounts/ACC-00002.yaml", 1)
    assert "rename it to ACC-00001.yaml" in f["message"]
    assert "duplicate-id" in codes(fs)


# --- ownership ---------------------------------------------------------------


def test_unknown_owner(kb):
    kb.edit(SOP, "owner: team:ops-team", "owner: team:nobody")
    f = only(kb.findings(), "unknown-owner")
    assert (f["path"], f["line"], f["col"]) == (SOP, 7, 8)


def test_owner_who_left(kb):
    kb.edit(TRAINING, "owner: person:alice", "owner: person:carol")
    f = only(kb.findings(), "inactive-owner")
    assert (f["path"], f["line"]) == (TRAINING, 5)
    assert "left 2026-03-31" in f["message"]


def test_team_without_active_member(kb):
    kb.write("org/teams.yaml", kb.read("org/teams.yaml") + "  - id: ghosts\n    name: Ghosts\n    department: ops\n")
    kb.edit(SOP, "owner: team:ops-team", "owner: team:ghosts")
    f = only(kb.findings(), "empty-team")
    assert (f["path"], f["line"]) == (SOP, 7)


def test_tier_1_account_needs_an_account_manager(kb):
    kb.edit(ACCOUNT, "owner: person:alice", "owner: person:bob")
    f = only(kb.findings(), "owner-role")
    assert (f["path"], f["line"]) == (ACCOUNT, 6)
    assert "'am'" in f["message"]


def test_tier_3_account_may_be_owned_by_anyone_active(kb):
    kb.edit(ACCOUNT, "owner: person:alice", "owner: person:bob")
    kb.edit(ACCOUNT, "tier: 1", "tier: 3")
    assert kb.findings() == []


def test_retired_documents_are_not_checked_for_owner(kb):
    kb.edit(SOP, "owner: team:ops-team", "owner: person:carol")
    kb.edit(SOP, "status: approved", "status: retired")
    assert "inactive-owner" not in codes(kb.findings())


# --- review dates --------------------------------------------------------------


@pytest.mark.parametrize(
    "last, today, code, severity",
    [
        ("2025-11-21", "2026-11-22", "review-overdue", "error"),  # due 2026-11-21
        ("2025-11-22", "2026-11-22", "review-due-soon", "warning"),  # due today
        ("2025-12-22", "2026-11-22", "review-due-soon", "warning"),  # due in 30 days
        ("2025-12-23", "2026-11-22", None, None),  # due in 31 days
        ("2026-11-23", "2026-11-22", "review-in-future", "error"),
    ],
)
def test_sop_review_dates(kb, last, today, code, severity):
    kb.edit(SOP, "last_reviewed: 2026-06-01", f"last_reviewed: {last}")
    fs = kb.findings(today=today)
    if code is None:
        assert fs == []
        return
    f = only(fs, code)
    assert (f["path"], f["line"], f["col"], f["severity"]) == (SOP, 11, 16, severity)


def test_review_every_uses_calendar_months(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-01-31\nreview_every: 1 month")
    f = only(kb.findings(today="2026-03-01"), "review-overdue")
    assert "due 2026-02-28" in f["message"]
    mine = [f for f in kb.findings(today="2026-02-28") if f["path"] == SOP]
    assert codes(mine) == ["review-due-soon"]


def test_review_interval_default_comes_from_kb_yml(kb):
    kb.edit("kb.yml", "  sop: 12 months", "  sop: 3 months")
    f = only(kb.findings(), "review-overdue")
    assert "due 2026-09-01" in f["message"]


def test_drafts_and_retired_are_exempt(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2020-01-01")
    kb.edit(SOP, "status: approved", "status: draft")
    assert kb.findings() == []
    kb.edit(SOP, "status: draft", "status: retired")
    assert kb.findings() == []


def test_due_soon_window_from_kb_yml(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-01-01")  # due 2027-01-01, 40 days
    assert kb.findings() == []
    kb.edit("kb.yml", "due_soon_days: 30", "due_soon_days: 45")
    assert codes([f for f in kb.findings() if f["path"] == SOP]) == ["review-due-soon"]


@pytest.mark.parametrize(
    "tier, last, code",
    [
        (1, "2026-08-21", "review-overdue"),  # quarterly: due 2026-11-21
        (1, "2026-08-30", "review-due-soon"),
        (2, "2026-05-21", "review-overdue"),  # semi-annual
        (2, "2026-06-01", "review-due-soon"),
        (3, "2025-11-21", "review-overdue"),  # annual
        (3, "2026-01-01", None),
    ],
)
def test_account_review_cadence_per_tier(kb, tier, last, code):
    kb.edit(ACCOUNT, "tier: 1", f"tier: {tier}")
    kb.edit(ACCOUNT, "last_review: 2026-10-01", f"last_review: {last}")
    fs = kb.findings()
    if code is None:
        assert fs == []
    else:
        f = only(fs, code)
        assert (f["path"], f["line"]) == (ACCOUNT, 8)


def test_account_plan_is_annual_for_tiers_1_and_2(kb):
    kb.edit(ACCOUNT, "plan_updated: 2026-02-01", "plan_updated: 2025-11-01")
    f = only(kb.findings(), "plan-overdue")
    assert (f["path"], f["line"]) == (ACCOUNT, 9)
    kb.edit(ACCOUNT, "plan_updated: 2025-11-01\n", "")
    f = only(kb.findings(), "plan-missing")
    assert f["path"] == ACCOUNT
    kb.edit(ACCOUNT, "tier: 1", "tier: 3")
    assert kb.findings() == []


def test_closed_accounts_are_not_checked(kb):
    kb.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2019-01-01")
    kb.edit(ACCOUNT, "status: active", "status: closed")
    assert kb.findings() == []


# --- references ---------------------------------------------------------------


def test_unknown_related_document(kb):
    kb.edit(SOP, "terms: [CSM]", "terms: [CSM]\nrelated: [SOP-OPS-002]")
    f = only(kb.findings(), "unknown-document")
    assert (f["path"], f["line"], f["col"]) == (SOP, 13, 11)


def test_unknown_department_suggests(kb):
    kb.edit(SOP, "department: ops", "department: opz")
    f = only(kb.findings(), "unknown-department")
    assert f["line"] == 6 and "did you mean 'ops'" in f["message"]


def test_unknown_glossary_term(kb):
    kb.edit(SOP, "terms: [CSM]", "terms: [CSM, XYZ]")
    f = only(kb.findings(), "unknown-term")
    assert (f["line"], f["col"]) == (12, 14)


def test_glossary_terms_match_case_insensitively(kb):
    kb.edit(SOP, "terms: [CSM]", "terms: [csm, sop]")
    assert kb.findings() == []


def test_unknown_step_role(kb):
    kb.edit(SOP, "    role: am\n    items", "    role: amm\n    items")
    f = only(kb.findings(), "unknown-role")
    assert f["line"] == 19 and "did you mean 'am'" in f["message"]


def test_unknown_role_in_responsibilities(kb):
    kb.edit(SOP, "  - role: am\n    responsibilities", "  - role: boss\n    responsibilities")
    assert only(kb.findings(), "unknown-role")["line"] == 14


def test_approval_by_must_resolve(kb):
    kb.edit(SOP, "by: role:manager", "by: role:director")
    f = only(kb.findings(), "unknown-reference")
    assert f["line"] == 31


def test_approval_gate_covers_only_earlier_steps(kb):
    text = kb.read(SOP).replace(
        "changelog:", "  - id: later\n    title: Later step\n    role: am\nchangelog:", 1
    ).replace("covers: [gather, analyse]", "covers: [gather, later]")
    kb.write(SOP, text)
    f = only(kb.findings(), "bad-approval")
    assert f["line"] == 31 and "not an earlier step" in f["message"]


def test_approval_gate_unknown_step(kb):
    kb.edit(SOP, "covers: [gather, analyse]", "covers: [gather, analyze]")
    f = only(kb.findings(), "bad-approval")
    assert "did you mean 'analyse'" in f["message"]


def test_duplicate_step_id(kb):
    kb.edit(SOP, "  - id: analyse", "  - id: gather")
    fs = kb.findings()
    assert only(fs, "duplicate-step")["line"] == 21


def test_training_links_must_point_at_real_steps(kb):
    kb.edit(TRAINING, "steps: [gather, approve]", "steps: [gather, aprove]")
    f = only(kb.findings(), "unknown-step")
    assert (f["path"], f["line"]) == (TRAINING, 8)
    assert "did you mean 'approve'" in f["message"]


def test_training_links_must_point_at_real_documents(kb):
    kb.edit(TRAINING, "sop: SOP-OPS-001", "sop: SOP-OPS-009")
    f = only(kb.findings(), "unknown-document")
    assert (f["path"], f["line"]) == (TRAINING, 7)


def test_training_file_must_exist(kb):
    kb.edit(TRAINING, "url: https://learn.example.com/account-review", "file: training/files/review.pdf")
    assert only(kb.findings(), "missing-file")["path"] == TRAINING
    kb.write("training/files/review.pdf", b"%PDF-1.4")
    assert kb.findings() == []


def test_account_segment_from_kb_yml(kb):
    kb.edit(ACCOUNT, "segment: NA", "segment: EU")
    f = only(kb.findings(), "unknown-segment")
    assert f["line"] == 3


def test_account_team_references(kb):
    kb.edit(ACCOUNT, "team: {im: person:bob}", "team: {im: person:bobby}")
    f = only(kb.findings(), "unknown-reference")
    assert f["line"] == 7 and "did you mean 'bob'" in f["message"]


def test_person_team_and_roles_resolve(kb):
    kb.edit("org/people.yaml", "    roles: [im]", "    roles: [imm]")
    assert only(kb.findings(), "unknown-role")["path"] == "org/people.yaml"


def test_changelog_must_match_version(kb):
    kb.edit(SOP, 'version: "1.1"', 'version: "1.2"')
    f = only(kb.findings(), "changelog-version")
    assert f["severity"] == "warning"


# --- content safety --------------------------------------------------------------


@pytest.mark.parametrize(
    "snippet, col",
    [
        ("<script>alert(1)</script>", 1),
        ("Text <SCRIPT src=x></SCRIPT>", 6),
        ('<img src="x.png" onerror="alert(1)">', 18),
        ("[click](javascript:alert(1))", 9),
        ('<a href="JavaScript:alert(1)">x</a>', 10),
        ("![x](data:image/svg+xml;base64,AAAA)", 6),
        ("<javascript:alert(1)>", 2),
    ],
)
def test_unsafe_content_in_body(kb, snippet, col):
    kb.write(SOP, kb.read(SOP) + "\n" + snippet + "\n")
    f = only(kb.findings(), "unsafe-content")
    assert (f["path"], f["line"], f["col"]) == (SOP, 40, col)


def test_safe_html_and_text_pass(kb):
    body = (
        "\nThe word javascript is fine, so is data: in prose.\n"
        '<details><summary>More</summary>See [the portal](https://example.com/data).</details>\n'
        "Online training is popular.\n"
    )
    kb.write(SOP, kb.read(SOP) + body)
    assert kb.findings() == []


def test_partial_cadence_in_kb_yml_keeps_the_other_defaults(kb):
    kb.edit("kb.yml", "account_review_every:\n  1: 3 months\n  2: 6 months\n  3: 12 months",
            "account_review_every:\n  1: 1 month")
    kb.edit(ACCOUNT, "tier: 1", "tier: 2")
    kb.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2026-05-01")  # 6 months: overdue
    assert "review-overdue" in codes(kb.findings())


def test_account_chooses_a_cadence_within_its_tier(kb):
    kb.edit(ACCOUNT, "tier: 1", "tier: 2")  # the fixture's tier 2 allows up to 6 months
    kb.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2026-07-01\nreview_cadence: quarterly")
    f = only(kb.findings(), "review-overdue")  # quarterly: due 2026-10-01
    assert (f["path"], f["line"]) == (ACCOUNT, 8)
    assert "every 3 months, the account's quarterly cadence" in f["message"]
    kb.edit(ACCOUNT, "review_cadence: quarterly", "review_cadence: semi-annual")
    assert "review-overdue" not in codes(kb.findings())  # semi-annual: due 2027-01-01
    kb.edit(ACCOUNT, "review_cadence: semi-annual\n", "")
    assert "review-overdue" not in codes(kb.findings())  # no cadence: the tier's longest, 6 months


def test_unknown_cadence_names_the_known_ones(kb):
    kb.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2026-10-01\nreview_cadence: quartely")
    f = only(kb.findings(), "unknown-cadence")
    assert (f["path"], f["line"]) == (ACCOUNT, 9)
    assert "did you mean 'quarterly'" in f["message"]
    assert "semi-annual" in f["message"]


def test_cadence_longer_than_the_tier_allows(kb):
    # the fixture's tier 1 allows 3 months at the longest
    kb.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2026-07-01\nreview_cadence: semi-annual")
    fs = kb.findings()
    f = only(fs, "cadence-too-long")
    assert (f["path"], f["line"]) == (ACCOUNT, 9)
    assert "held to 3 months" in f["message"]
    assert "review-overdue" in codes(fs)  # held to the tier's 3 months, not the chosen 6


def test_account_team_member_who_left(kb):
    kb.edit(ACCOUNT, "team: {im: person:bob}", "team: {im: person:carol}")
    f = only(kb.findings(), "inactive-owner")
    assert (f["path"], f["line"]) == (ACCOUNT, 7)


# --- retired documents and their successors ------------------------------------------


NEW = "sops/ops/SOP-OPS-002.md"


def _split(kb):
    """SOP-OPS-001 retired and replaced by SOP-OPS-002, which takes its steps."""
    kb.write(NEW, kb.read(SOP).replace("id: SOP-OPS-001", "id: SOP-OPS-002"))
    kb.edit(SOP, "status: approved", "status: retired\nreplaced_by: [SOP-OPS-002]")


def test_links_to_a_retired_document_name_its_successor(kb):
    _split(kb)
    fs = kb.findings()
    assert [(f["path"], f["line"], f["code"]) for f in fs] == [
        ("org/glossary.yaml", 8, "retired-reference"), (TRAINING, 7, "retired-reference")]
    glossary, training = fs
    assert glossary["message"] \
        == "glossary link: SOP-OPS-001 is retired and replaced by SOP-OPS-002; link to SOP-OPS-002 instead"
    assert "SOP-OPS-001 is retired; its step 'gather' is now in SOP-OPS-002: link to SOP-OPS-002 instead" \
        in training["message"]
    assert kb.check().code == 0  # warnings: the links still resolve through the successor
    kb.edit(TRAINING, "sop: SOP-OPS-001", "sop: SOP-OPS-002")
    kb.edit("org/glossary.yaml", "[SOP-OPS-001]", "[SOP-OPS-002]")
    assert kb.findings() == []


def test_related_links_and_mentions_of_a_retired_document(kb):
    _split(kb)
    kb.edit(TRAINING, "sop: SOP-OPS-001", "sop: SOP-OPS-002")
    kb.edit("org/glossary.yaml", "[SOP-OPS-001]", "[SOP-OPS-002]")
    kb.edit(NEW, "terms: [CSM]", "terms: [CSM]\nrelated: [SOP-OPS-001]")
    kb.write(NEW, kb.read(NEW) + "\nThe old procedure, SOP-OPS-001, is retired.\n")
    fs = [f for f in kb.findings() if f["code"] == "retired-reference"]
    assert [(f["path"], f["line"]) for f in fs] == [(NEW, 13), (NEW, 41)]
    assert all("replaced by SOP-OPS-002; link to SOP-OPS-002 instead" in f["message"] for f in fs)
    assert fs[1]["col"] == 20


def test_replaced_by_only_on_a_retired_document(kb):
    kb.edit(SOP, "status: approved", "status: approved\nreplaced_by: [SOP-OPS-002]")
    f = only(kb.findings(), "invalid-record")
    assert "only a retired document has replaced_by" in f["message"]


def test_successors_must_exist_and_lead_to_a_document_in_force(kb):
    kb.edit(SOP, "status: approved", "status: retired\nreplaced_by: [SOP-OPS-009]")
    f = only(kb.findings(), "unknown-document")
    assert (f["path"], f["line"]) == (SOP, 6)
    kb.edit(SOP, "status: retired\nreplaced_by: [SOP-OPS-009]", "status: approved")
    _split(kb)
    kb.edit(NEW, "status: approved", "status: retired\nreplaced_by: [SOP-OPS-001]")
    found = [f for f in kb.findings() if f["code"] == "unknown-document"]
    assert any("never reach a document in force" in f["message"] for f in found)


def test_checklist_of_a_retired_document_names_its_successor(kb):
    _split(kb)
    result = kb.run("checklist", "SOP-OPS-001")
    assert result.code == 2
    assert "SOP-OPS-001 is retired; it is replaced by SOP-OPS-002" in result.err
