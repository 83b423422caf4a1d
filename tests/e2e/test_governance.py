"""Governance commands: kb review, kb owners (reassign), kb new, kb check --changed-since."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, codes

SOP = "sops/ops/SOP-OPS-001.md"
ACCOUNT = "accounts/ACC-00001.yaml"


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    import difflib

    return [(op, line) for op, line in
            ((d[0], d[2:]) for d in difflib.ndiff(before.splitlines(), after.splitlines()))
            if op in "+-"]


# --- kb review -------------------------------------------------------------------


def test_review_sets_date_and_logs_it_keeping_every_other_byte(kb):
    kb.edit(SOP, "audience: internal", "audience: internal   # who may read it\nsummary: 'Quoted: kept as is'")
    before = kb.read(SOP)
    result = kb.run("review", "SOP-OPS-001", "--by", "person:bob", "--note", "Steps checked: all current",
                    today="2026-11-20")
    assert result.code == 0, result.err
    after = kb.read(SOP)
    assert changed_lines(before, after) == [
        ("-", "last_reviewed: 2026-06-01"),
        ("+", "last_reviewed: 2026-11-20"),
        ("+", "reviews:"),
        ("+", "  - date: 2026-11-20"),
        ("+", "    by: person:bob"),
        ("+", '    note: "Steps checked: all current"'),
    ]
    assert after.endswith(before.split("---\n", 2)[2])  # the body is untouched
    assert kb.findings() == []


def test_second_review_appends_to_the_log(kb):
    assert kb.run("review", "SOP-OPS-001", "--by", "person:bob", "--date", "2026-10-01").code == 0
    assert kb.run("review", "SOP-OPS-001", "--by", "person:alice", "--note", "ok").code == 0
    text = kb.read(SOP)
    assert text.count("  - date: ") == 2
    assert text.index("by: person:bob") < text.index("by: person:alice")
    assert "last_reviewed: 2026-11-22" in text


def test_review_of_an_account_and_empty_flow_log(kb):
    kb.write(ACCOUNT, kb.read(ACCOUNT) + "reviews: []  # none yet\n")
    result = kb.run("review", "ACC-00001", "--by", "person:alice")
    assert result.code == 0, result.err
    text = kb.read(ACCOUNT)
    assert "last_review: 2026-11-22" in text
    assert "reviews:  # none yet\n  - date: 2026-11-22\n    by: person:alice\n" in text
    assert "next review due 2027-02-22" in result.out


def test_only_owners_and_approvers_may_review(kb):
    kb.write("org/people.yaml", kb.read("org/people.yaml") +
             "  - id: dave\n    name: Dave Outsider\n    email: dave@example.com\n    roles: [im]\n")
    before = kb.read(SOP)
    result = kb.run("review", "SOP-OPS-001", "--by", "person:dave")
    assert result.code == 1
    assert "may not review SOP-OPS-001" in result.err
    assert kb.read(SOP) == before
    kb.edit(SOP, "owner: team:ops-team", "owner: team:ops-team\napprovers: [role:im]")
    assert kb.run("review", "SOP-OPS-001", "--by", "person:dave").code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["SOP-OPS-404", "--by", "person:bob"], "unknown document 'SOP-OPS-404'"),
        (["SOP-OPS-001", "--by", "person:nobody"], "not in org/people.yaml"),
        (["SOP-OPS-001", "--by", "person:carol"], "no longer active"),
        (["SOP-OPS-001", "--by", "bob"], "person:<id>"),
        (["SOP-OPS-001", "--by", "person:bob", "--date", "2027-01-01"], "after today"),
        (["SOP-OPS-001", "--by", "person:bob", "--date", "2026-01-01"], "move it backwards"),
        (["SOP-OPS-001", "--by", "person:bob", "--date", "yesterday"], "not a date"),
    ],
)
def test_review_refuses_bad_input(kb, args, message):
    before = kb.read(SOP)
    result = kb.run("review", *args)
    assert result.code == 2
    assert message in result.err
    assert kb.read(SOP) == before


def test_review_dry_run_prints_a_diff(kb):
    before = kb.read(SOP)
    result = kb.run("review", "SOP-OPS-001", "--by", "person:bob", "--dry-run")
    assert result.code == 0
    assert "-last_reviewed: 2026-06-01" in result.out and "+last_reviewed: 2026-11-22" in result.out
    assert kb.read(SOP) == before


# --- kb owners ---------------------------------------------------------------------


def test_owners_lists_workload_and_flags_the_limit(kb):
    kb.edit("kb.yml", "owner_workload_limit: 25", "owner_workload_limit: 1")
    kb.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2026-08-01")  # overdue
    result = kb.run("owners", "--format", "json")
    rows = {r["owner"]: r for r in result.json()["owners"]}
    assert rows["person:alice"]["accounts"] == ["ACC-00001"]
    assert rows["person:alice"]["training"] == ["TRN-901"]
    assert rows["person:alice"]["overdue"] == 1
    assert rows["team:ops-team"]["documents"] == ["SOP-OPS-001"]
    text = kb.run("owners").out
    assert "over the workload limit (" not in text  # one document, one account each: not above 1
    kb.write("accounts/ACC-00002.yaml", kb.read(ACCOUNT).replace("ACC-00001", "ACC-00002"))
    assert "over the workload limit (2 > 1)" in kb.run("owners").out


def test_reassign_changes_only_owner_lines(kb):
    kb.edit("org/people.yaml", "    roles: [im]", "    roles: [im, am]")
    before = kb.read(ACCOUNT), kb.read("training/TRN-901.yaml")
    result = kb.run("owners", "reassign", "person:alice", "person:bob", today=None)
    assert result.code == 0, result.err
    assert "2 file(s) handed from person:alice to person:bob" in result.out
    assert changed_lines(before[0], kb.read(ACCOUNT)) == [("-", "owner: person:alice"), ("+", "owner: person:bob")]
    assert changed_lines(before[1], kb.read("training/TRN-901.yaml")) == [
        ("-", "owner: person:alice"), ("+", "owner: person:bob")]
    assert "last_review: 2026-10-01" in kb.read(ACCOUNT)
    assert kb.findings() == []


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["person:alice", "person:carol"], 2, "no longer active"),
        (["person:alice", "person:zed"], 2, "not in org/people.yaml"),
        (["person:zed", "person:bob"], 2, "not in the registry"),
        (["alice", "person:bob"], 2, "person:<id> or team:<id>"),
        (["person:alice", "person:bob"], 1, "cannot own tier 1-2 accounts"),
    ],
)
def test_reassign_refuses(kb, args, code, message):
    before = kb.read(ACCOUNT)
    result = kb.run("owners", "reassign", *args, today=None)
    assert result.code == code
    assert message in result.err
    assert kb.read(ACCOUNT) == before


def test_reassign_dry_run(kb):
    result = kb.run("owners", "reassign", "team:ops-team", "person:alice", "--dry-run", today=None)
    assert result.code == 0
    assert "+owner: person:alice" in result.out
    assert "owner: team:ops-team" in kb.read(SOP)


# --- kb new ---------------------------------------------------------------------------


def test_new_scaffolds_the_next_free_id(kb):
    result = kb.run("new", "sop", "--department", "ops", "--title", "Close an account")
    assert result.code == 0, result.err
    text = kb.read("sops/ops/SOP-OPS-002.md")
    assert "status: draft" in text and "owner: team:ops-team" in text and "## Procedure" in text
    assert kb.findings() == []
    kb.run("new", "policy", "--department", "ops", "--title", "Data retention: accounts", "--owner", "person:alice")
    text = kb.read("sops/ops/POL-OPS-001.md")
    assert 'title: "Data retention: accounts"' in text and "## Compliance and exceptions" in text
    kb.run("new", "sop", "--department", "ops", "--title", "Third")
    assert (kb.root / "sops/ops/SOP-OPS-003.md").exists()
    assert kb.findings() == []


@pytest.mark.parametrize("title, char", [
    ("Two\nlines", "U+000A"), ("CRLF\r\nspill", "U+000D"), ("tab\there", "U+0009"), ("NEL\x85here", "U+0085"),
    ("LS\u2028here", "U+2028"), ("PS\u2029here", "U+2029"), ("esc\x1b[31mred", "U+001B"),
    ("bidi\u202egnp.exe", "U+202E"), ("nul\x00", "U+0000"),
])
def test_new_refuses_a_title_that_is_not_one_line_of_text(kb, title, char):
    result = kb.run("new", "sop", "--department", "ops", "--title", title)
    assert result.code == 2, result.err
    assert "the title must be one line of text" in result.err and char in result.err, result.err
    assert sorted(p.name for p in (kb.root / "sops/ops").iterdir()) == ["SOP-OPS-001.md"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=30))
def test_any_title_makes_a_document_that_passes_the_check_or_is_refused_clearly(tmp_path_factory, capsys, title):
    from conftest import FIXTURE, run_kb
    from kbtools.checks import run_checks
    from kbtools.load.loader import load

    root = tmp_path_factory.mktemp("new") / "kb"
    shutil.copytree(FIXTURE, root)
    result = run_kb(["new", "article", "--department", "ops", "--title", title, "--root", str(root),
                     "--today", "2026-11-22"], capsys)
    made = root / "sops/ops/ART-OPS-001.md"
    assert "internal error" not in result.err and "Traceback" not in result.err
    if result.code == 0:
        kb = load(root)
        assert kb.docs["ART-OPS-001"].model.title == title.strip()
        assert run_checks(kb, dt.date(2026, 11, 22)) == []
    else:
        assert result.code == 2, result.err
        assert "title" in result.err or "would not pass kb check" in result.err, result.err
        assert not made.exists()


SPECIAL_TITLES = [
    "key: value", "- dash", "# hash", "'single'", '"double"', "&anchor", "*alias", "!tag", "%directive", "@at",
    "`code`", "{flow: map}", "[flow, list]", "| pipe", "> fold", "? question", "null", "true", "Off", "0x1F",
    "0b101", "1_000", "1:20", "2026-01-01", "2026-01-01 10:00:00", "~", ".inf", "[x](javascript:alert(1))",
    "<script>alert(1)</script>", "C# & F# ##", "a \\ backslash", "*bold* _it_ ~~s~~", "Résumé ✓ 日本語",
    "\U0001F469\u200d\U0001F4BB with a joiner", "ends with colon:", "trailing #", "x #comment",
]


def test_new_writes_titles_with_special_characters_that_pass_the_check(kb):
    from kbtools.load.loader import load

    for n, title in enumerate(SPECIAL_TITLES, 2):
        result = kb.run("new", "article", "--department", "ops", "--title", title)
        assert result.code == 0, (title, result.err)
        ident = f"ART-OPS-{n - 1:03d}"
        assert load(kb.root).docs[ident].model.title == title
    assert kb.findings() == [], "every new document passes kb check"


def test_new_refuses_a_title_that_would_fail_the_check(kb):
    # One line of text, nothing to escape, but longer than the line limit of kb.yml's defaults.
    result = kb.run("new", "sop", "--department", "ops", "--title", "Handle " + "a" * 5000)
    assert result.code == 2
    assert "refusing to write sops/ops/SOP-OPS-002.md: it would not pass kb check" in result.err
    assert "[line-too-long]" in result.err
    assert sorted(p.name for p in (kb.root / "sops/ops").iterdir()) == ["SOP-OPS-001.md"]


def test_new_never_reuses_an_id_of_a_broken_file(kb):
    kb.write("sops/ops/old.md", "---\nid: SOP-OPS-007\ntitle: broken\n---\n")
    kb.run("new", "sop", "--department", "ops", "--title", "Next")
    assert (kb.root / "sops/ops/SOP-OPS-008.md").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["sop", "--department", "opz", "--title", "x"], "did you mean 'ops'"),
        (["memo", "--department", "ops", "--title", "x"], "Invalid value"),
        (["sop", "--department", "ops", "--title", "x", "--owner", "person:carol"], "no longer active"),
        (["sop", "--department", "ops", "--title", "  "], "title is empty"),
    ],
)
def test_new_refuses(kb, args, message):
    result = kb.run("new", *args)
    assert result.code == 2 and message in result.err
    assert sorted(p.name for p in (kb.root / "sops/ops").iterdir()) == ["SOP-OPS-001.md"]


# --- kb check --changed-since ----------------------------------------------------------


def git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(kb):
    git(kb.root, "init", "-q", "-b", "main")
    git(kb.root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(kb.root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    return kb


def test_changed_since_reports_changed_files_and_what_they_break(repo):
    repo.edit(SOP, "  - id: gather\n", "  - id: collect\n")
    repo.edit(SOP, "covers: [gather, analyse]", "covers: [collect, analyse]")
    repo.edit(SOP, 'version: "1.1"', 'version: "1.2"')
    repo.edit(SOP, "changelog:\n", 'changelog:\n  - {version: "1.2", date: 2026-11-20, summary: Renamed a step}\n')
    fs = repo.findings("--changed-since", "HEAD")
    assert [(f["path"], f["code"]) for f in fs] == [("training/TRN-901.yaml", "unknown-step")]


def test_changed_body_needs_a_version_bump(repo):
    repo.write(SOP, repo.read(SOP) + "\nA new paragraph.\n")
    fs = repo.findings("--changed-since", "HEAD")
    assert [(f["path"], f["code"], f["line"]) for f in fs] == [(SOP, "version-not-bumped", 9)]
    repo.edit(SOP, 'version: "1.1"', 'version: "1.2"')
    fs = repo.findings("--changed-since", "HEAD")
    assert codes(fs) == ["changelog-missing", "changelog-version"]
    repo.edit(SOP, "changelog:\n", 'changelog:\n  - {version: "1.2", date: 2026-11-20, summary: Added a paragraph}\n')
    assert repo.findings("--changed-since", "HEAD") == []


def test_metadata_only_change_needs_no_bump(repo):
    assert repo.run("review", "SOP-OPS-001", "--by", "person:bob").code == 0
    assert repo.findings("--changed-since", "HEAD") == []


def test_unchanged_files_findings_are_left_out(repo):
    repo.edit(ACCOUNT, "last_review: 2026-10-01", "last_review: 2026-01-01")
    git(repo.root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "old problem")
    assert codes(repo.findings()) == ["review-overdue"]
    assert repo.findings("--changed-since", "HEAD") == []


def test_changed_since_bad_ref_or_no_repo(kb):
    result = kb.check("--changed-since", "HEAD")
    assert result.code == 2 and "not inside a git repository" in result.err
    git(kb.root, "init", "-q")
    result = kb.check("--changed-since", "no-such-ref")
    assert result.code == 2 and "unknown git ref 'no-such-ref'" in result.err


# --- nothing is ever half-written ------------------------------------------------------

_KILL_AT_RENAME = """
import os, signal, sys
os.replace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
from kbtools.cli import main
main(sys.argv[1:])
"""

_KILL_MID_WRITE = """
import io, os, signal, sys
real_fdopen = os.fdopen
class Half(io.FileIO):
    def write(self, data):
        super().write(data[: len(data) // 2]); self.flush()
        os.kill(os.getpid(), signal.SIGKILL)
os.fdopen = lambda fd, mode="r", *a, **k: Half(fd, "wb") if "w" in mode else real_fdopen(fd, mode, *a, **k)
from kbtools.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("script", [_KILL_AT_RENAME, _KILL_MID_WRITE], ids=["at-rename", "mid-write"])
def test_killed_write_leaves_the_original_intact(kb, script):
    before = kb.read(SOP)
    proc = subprocess.run(
        [sys.executable, "-c", script, "review", "SOP-OPS-001", "--by", "person:bob",
         "--root", str(kb.root), "--today", "2026-11-22"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert kb.read(SOP) == before
    assert kb.findings() == []


def test_review_keeps_a_block_note_whole(kb):
    kb.write(ACCOUNT, kb.read(ACCOUNT) + "reviews:\n  - date: 2026-10-01\n    by: person:alice\n"
             "    note: |\n      Checked the contract.\n      # Section 2 still open\n")
    assert kb.run("review", "ACC-00001", "--by", "person:alice").code == 0
    text = kb.read(ACCOUNT)
    assert "      # Section 2 still open\n  - date: 2026-11-22\n" in text


def test_review_keeps_the_trailing_blank_lines_of_a_keep_block_scalar(kb):
    kb.write(ACCOUNT, kb.read(ACCOUNT) + "reviews:\n  - date: 2026-10-01\n    by: person:alice\n"
             "    note: |+\n      Checked the contract.\n\n\n")
    before = kb.read(ACCOUNT)
    assert kb.run("review", "ACC-00001", "--by", "person:alice").code == 0
    after = kb.read(ACCOUNT)
    assert after == before.replace("last_review: 2026-10-01", "last_review: 2026-11-22") + \
        "  - date: 2026-11-22\n    by: person:alice\n"
    assert yaml.safe_load(after)["reviews"][0]["note"] == "Checked the contract.\n\n\n"


def test_review_keeps_crlf_a_bom_and_a_missing_last_newline(kb):
    raw = kb.read(SOP).replace("\n", "\r\n").rstrip("\r\n").encode()
    kb.write(SOP, b"\xef\xbb\xbf" + raw)
    assert kb.run("review", "SOP-OPS-001", "--by", "person:bob").code == 0
    after = (kb.root / SOP).read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.endswith(b"Gather the records, then analyse the account.")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert after.replace(b"last_reviewed: 2026-11-22", b"last_reviewed: 2026-06-01").replace(
        b"reviews:\r\n  - date: 2026-11-22\r\n    by: person:bob\r\n", b"") == b"\xef\xbb\xbf" + raw


def test_reassign_keeps_quoting(kb):
    kb.edit("training/TRN-901.yaml", "owner: person:alice", 'owner: "person:alice"  # the trainer')
    result = kb.run("owners", "reassign", "person:alice", "team:ops-team", today=None)
    assert result.code == 2 and "accounts are owned by a person" in result.err
    kb.edit(ACCOUNT, "tier: 1", "tier: 3")
    assert kb.run("owners", "reassign", "person:alice", "person:bob", today=None).code == 0
    assert 'owner: "person:bob"  # the trainer' in kb.read("training/TRN-901.yaml")


def test_new_never_reuses_the_id_of_an_unparseable_file(kb):
    kb.edit(SOP, "title: Review an account", "title: [unclosed")
    kb.run("new", "sop", "--department", "ops", "--title", "Another")
    assert (kb.root / "sops/ops/SOP-OPS-002.md").exists()


def test_new_with_markup_in_the_title_passes_the_check(kb):
    assert kb.run("new", "article", "--department", "ops", "--title", "<script>alert(1)</script>").code == 0
    assert "unsafe-content" not in codes(kb.findings())


def test_changed_since_in_a_subfolder_of_the_repository(tmp_path, capsys):
    from conftest import FIXTURE, run_kb

    kbdir = tmp_path / "repo" / "kb"
    shutil.copytree(FIXTURE, kbdir)
    git(kbdir.parent, "init", "-q")
    git(kbdir.parent, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(kbdir.parent, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    sop = kbdir / SOP
    sop.write_text(sop.read_text() + "\nMore.\n")
    result = run_kb(["check", "--changed-since", "HEAD", "--root", str(kbdir), "--today", "2026-11-22",
                     "--format", "json"], capsys)
    assert [f["code"] for f in result.json()["findings"]] == ["version-not-bumped"]
