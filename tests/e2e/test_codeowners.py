"""`kb codeowners`: the generated file, read back by an independent CODEOWNERS parser."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import SITE_FIXTURE, assert_codeowners, kmt_handles, run_kb

codeowners = pytest.importorskip("codeowners", reason="pip install 'codeowners>=0.6,<1' (test extra)")
CodeOwners = codeowners.CodeOwners

KMT_TEAM = """  - id: kmt
    name: Knowledge Management Team
    department: ops
    github: example/kmt
"""


def _owners(parsed: CodeOwners, rel: str) -> list[str]:
    return [owner for _, owner in parsed.of(rel)]


# -- the fixture knowledge base: teams with and without a handle, people with and without one --


def test_every_file_of_the_fixture_has_its_owners(tmp_path, capsys):
    root = tmp_path / "kb"
    shutil.copytree(SITE_FIXTURE, root)
    result = run_kb(["codeowners", "--root", str(root)], capsys)
    assert result.code == 0, result.out + result.err
    assert kmt_handles(root) == ["@kestrel/gov-board"]
    files = len(list((root / "sops").rglob("*.md"))) + len(list((root / "accounts").glob("*.yaml")))
    assert assert_codeowners(root) == files
    parsed = CodeOwners((root / ".github/CODEOWNERS").read_text(encoding="utf-8"))
    # a team without a handle: its active members, by handle or else by email
    assert _owners(parsed, "sops/desk/ART-DSK-001.md") == ["@kw-omar", "felix@kestrel.example", "@kestrel/gov-board"]


# -- a copy of the minimal knowledge base ---------------------------------------


@pytest.fixture
def kmt_kb(kb):
    kb.write("org/teams.yaml", kb.read("org/teams.yaml") + KMT_TEAM)
    return kb


def test_generate_then_check(kmt_kb):
    missing = kmt_kb.run("codeowners", "--check", today=None)
    assert missing.code == 1
    assert ".github/CODEOWNERS: error: missing" in missing.out
    assert not (kmt_kb.root / ".github").exists()

    wrote = kmt_kb.run("codeowners", today=None)
    assert wrote.code == 0 and "wrote .github/CODEOWNERS" in wrote.out
    assert assert_codeowners(kmt_kb.root) == 2
    assert not [p for p in (kmt_kb.root / ".github").iterdir() if p.name != "CODEOWNERS"]  # no temp files

    assert kmt_kb.run("codeowners", "--check", today=None).code == 0
    assert "up to date" in kmt_kb.run("codeowners", today=None).out


def test_check_names_the_stale_lines(kmt_kb):
    kmt_kb.run("codeowners", today=None)
    kmt_kb.edit("sops/ops/SOP-OPS-001.md", "owner: team:ops-team", "owner: person:alice")
    stale = kmt_kb.run("codeowners", "--check", today=None)
    assert stale.code == 1
    assert "-/sops/ops/SOP-OPS-001.md  @example/ops-team @example/kmt" in stale.out
    assert "+/sops/ops/SOP-OPS-001.md  @alice-ex @example/kmt" in stale.out
    assert "error: stale" in stale.out

    assert kmt_kb.run("codeowners", today=None).code == 0
    assert _owners(CodeOwners(kmt_kb.read(".github/CODEOWNERS")), "sops/ops/SOP-OPS-001.md") == [
        "@alice-ex", "@example/kmt"]


def test_hand_edits_and_broken_bytes_are_stale(kmt_kb):
    kmt_kb.run("codeowners", today=None)
    kmt_kb.write(".github/CODEOWNERS", kmt_kb.read(".github/CODEOWNERS") + "/accounts/ @someone\n")
    assert kmt_kb.run("codeowners", "--check", today=None).code == 1
    kmt_kb.write(".github/CODEOWNERS", b"\xff\xfe not utf-8\n")
    result = kmt_kb.run("codeowners", "--check", today=None)
    assert result.code == 1 and "Traceback" not in result.err
    assert kmt_kb.run("codeowners", today=None).code == 0
    assert kmt_kb.run("codeowners", "--check", today=None).code == 0


def test_fallbacks_escaping_and_email_owners(kmt_kb):
    # A team without a GitHub handle: its active members (carol has left);
    # a person without a handle: the email; a path with spaces and brackets.
    kmt_kb.edit("org/teams.yaml", "    github: example/ops-team\n", "")
    doc = kmt_kb.read("sops/ops/SOP-OPS-001.md")
    kmt_kb.write("sops/ops/Review copy [draft] 2.md",
                 doc.replace("id: SOP-OPS-001", "id: SOP-OPS-002").replace("owner: team:ops-team", "owner: person:bob"))
    assert kmt_kb.run("codeowners", today=None).code == 0
    text = kmt_kb.read(".github/CODEOWNERS")
    assert "/sops/ops/Review\\ copy\\ \\[draft\\]\\ 2.md" in text
    parsed = CodeOwners(text)
    assert _owners(parsed, "sops/ops/SOP-OPS-001.md") == ["@alice-ex", "bob@example.com", "@example/kmt"]
    assert _owners(parsed, "sops/ops/Review copy [draft] 2.md") == ["bob@example.com", "@example/kmt"]
    assert assert_codeowners(kmt_kb.root) == 3


def test_kmt_team_setting(kmt_kb):
    kmt_kb.write("kb.yml", kmt_kb.read("kb.yml") + "kmt_team: ops-team\n")
    assert kmt_kb.run("codeowners", today=None).code == 0
    parsed = CodeOwners(kmt_kb.read(".github/CODEOWNERS"))
    assert _owners(parsed, "sops/ops/SOP-OPS-001.md") == ["@example/ops-team"]  # owner and KMT: once
    assert _owners(parsed, "org/people.yaml") == ["@example/ops-team"]


def test_missing_kmt_team_writes_nothing(kb):
    result = kb.run("codeowners", today=None)
    assert result.code == 1
    assert "kb.yml: error: kmt_team: team:kmt is not a team" in result.err
    assert not (kb.root / ".github/CODEOWNERS").exists()
    assert kb.run("codeowners", "--check", today=None).code == 1


def test_owner_without_any_handle_writes_nothing(kmt_kb):
    kmt_kb.edit("org/teams.yaml", "    github: example/ops-team\n", "")
    kmt_kb.edit("org/people.yaml", "    team: ops-team\n    github: alice-ex\n", "    github: alice-ex\n")
    kmt_kb.edit("org/people.yaml", "    roles: [im]\n    team: ops-team\n", "    roles: [im]\n")
    result = kmt_kb.run("codeowners", today=None)
    assert result.code == 1
    assert "sops/ops/SOP-OPS-001.md:7:8: error: owner team:ops-team has no GitHub handle" in result.err
    assert not (kmt_kb.root / ".github/CODEOWNERS").exists()


def test_files_that_do_not_load_write_nothing(kmt_kb):
    kmt_kb.write("accounts/ACC-00002.yaml", "id: [unclosed\n")
    result = kmt_kb.run("codeowners", today=None)
    assert result.code == 1 and "run kb check" in result.err
    assert not (kmt_kb.root / ".github/CODEOWNERS").exists()


def test_usage_errors(kmt_kb, tmp_path, capsys):
    assert kmt_kb.run("codeowners", "--bogus", today=None).code == 2
    assert run_kb(["codeowners", "--root", str(tmp_path / "nowhere")], capsys).code == 2
    (kmt_kb.root / ".github/CODEOWNERS").mkdir(parents=True)
    result = kmt_kb.run("codeowners", today=None)
    assert result.code == 2 and "cannot read .github/CODEOWNERS" in result.err


# -- hostile names and owners: never a line that was not meant ---------------------------


def _copy_doc(kb, rel: str, ident: str = "SOP-OPS-002") -> None:
    kb.write(rel, kb.read("sops/ops/SOP-OPS-001.md").replace("id: SOP-OPS-001", f"id: {ident}"))


def test_a_file_name_cannot_hand_a_folder_to_someone_else(kmt_kb):
    # sops/x<newline>/org/<tab>@evil.md would be written as the two lines "/sops/x" and "/org/ @evil.md ..."
    assert kmt_kb.run("codeowners", today=None).code == 0
    before = kmt_kb.read(".github/CODEOWNERS")
    _copy_doc(kmt_kb, "sops/x\n/org/\t@evil.md")
    check = kmt_kb.check()
    assert check.code == 1
    fs = kmt_kb.findings()
    assert [(f["path"], f["code"]) for f in fs] == [("sops/x\\x0a", "file-name")]
    result = kmt_kb.run("codeowners", today=None)
    assert result.code == 1 and "run kb check" in result.err
    assert kmt_kb.read(".github/CODEOWNERS") == before
    assert _owners(CodeOwners(before), "org/people.yaml") == ["@example/kmt"]


def test_codeowners_refuses_a_path_it_cannot_write(kmt_kb):
    from kbtools.edit.codeowners import escape, generate
    from kbtools.load.loader import load

    kb = load(kmt_kb.root)
    entry = kb.docs["SOP-OPS-001"]
    for bad in ("sops/x\n/org/\t@evil.md", "sops/a\rb.md", "sops/a\\b.md", "sops/ trail.md"):
        assert escape(bad) is None
        kb.docs["SOP-OPS-001"] = type(entry)(entry.model, bad, entry.pos, (), entry.body, entry.body_line)
        text, problems = generate(kb)
        assert [p.code for p in problems] == ["codeowners-path"], bad
        assert "@evil" not in text and all(line.isprintable() for line in text.split("\n"))
    assert escape("sops/Review copy [draft] #2.md") == "/sops/Review\\ copy\\ \\[draft\\]\\ \\#2.md"


@pytest.mark.parametrize("email", ["bob\x1c@example.com", "b#ob@example.com", "bob\\x@example.com"])
def test_an_owner_codeowners_cannot_hold_writes_nothing(kmt_kb, email):
    # the models accept these emails; \x1c is a line break to str.splitlines, '#' may start a comment
    kmt_kb.edit("org/people.yaml", "email: bob@example.com", f"email: {json.dumps(email)}")
    kmt_kb.edit("sops/ops/SOP-OPS-001.md", "owner: team:ops-team", "owner: person:bob")
    result = kmt_kb.run("codeowners", today=None)
    assert result.code == 1
    assert "sops/ops/SOP-OPS-001.md:7:8: error: owner person:bob: " in result.err
    assert "[codeowners-owner]" in result.err and "Traceback" not in result.err
    assert not (kmt_kb.root / ".github/CODEOWNERS").exists()
