"""`kb check --changed-since`: documents matched by id across renames; links in the old tree skipped."""

from __future__ import annotations

import os
import subprocess

import pytest

SOP = "sops/ops/SOP-OPS-001.md"
BODY = "# Review an account\n\nGather the records, then analyse the account.\n"


def git(root, *args):
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(kb):
    git(kb.root, "init", "-q", "-b", "main")
    git(kb.root, "add", "-A")
    git(kb.root, "commit", "-qm", "base")
    return kb


def _move(kb, new: str, body: str | None = None, stage: bool = False) -> None:
    text = kb.read(SOP)
    (kb.root / SOP).unlink()
    kb.write(new, text if body is None else text.replace(BODY, body))
    if stage:
        git(kb.root, "add", "-A")


@pytest.mark.parametrize("new, body, stage", [
    ("sops/ops/renamed.md", None, False),  # moved, not staged: git sees a deletion and an untracked file
    ("sops/elsewhere/SOP-OPS-001.md", None, True),  # staged: git sees a rename
    # staged, but the body is new: git's rename detection finds no rename
    ("sops/ops/renamed.md", "# Something else entirely\n\n" + "A new procedure, line by line.\n" * 100, True),
])
def test_an_edited_document_is_compared_by_id_wherever_its_file_went(repo, new, body, stage):
    _move(repo, new, body or BODY + "\nA new paragraph.\n", stage)
    fs = repo.findings("--changed-since", "HEAD")
    assert [(f["path"], f["code"]) for f in fs] == [(new, "version-not-bumped")]
    assert 'version is 1.1 (was 1.1)' in fs[0]["message"]


def test_a_renamed_document_without_edits_needs_no_bump(repo):
    _move(repo, "sops/ops/renamed.md")
    assert repo.findings("--changed-since", "HEAD") == []


def test_a_new_document_needs_no_bump(repo):
    repo.write("sops/ops/SOP-OPS-002.md", repo.read(SOP).replace("SOP-OPS-001", "SOP-OPS-002") + "\nMore.\n")
    assert repo.findings("--changed-since", "HEAD") == []


@pytest.mark.parametrize("link, target", [
    ("sops/ops/passwd.md", "/etc/passwd"),  # absolute
    ("accounts/ACC-00009.yaml", "../../outside.yaml"),  # leaves the tree
    ("org/extra", "/"),  # a folder
])
def test_a_committed_link_is_skipped_with_a_warning(repo, link, target):
    os.symlink(target, repo.root / link)
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "a link")
    (repo.root / link).unlink()  # gone from the working tree: only the tree at HEAD has it
    repo.write(SOP, repo.read(SOP) + "\nA new paragraph.\n")
    result = repo.check("--changed-since", "HEAD", "--format", "json")
    assert result.code == 1 and "Traceback" not in result.err and "internal error" not in result.err
    fs = result.json()["findings"]
    assert sorted((f["path"], f["code"], f["severity"]) for f in fs) == sorted([
        (link, "not-a-file", "warning"), (SOP, "version-not-bumped", "error")])
    assert "at HEAD; skipped" in next(f["message"] for f in fs if f["path"] == link)


def test_a_link_still_in_the_tree_is_reported_once(repo):
    os.symlink("/etc/passwd", repo.root / "sops/ops/passwd.md")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "a link")
    fs = repo.findings("--changed-since", "HEAD~1")
    assert [(f["path"], f["code"]) for f in fs] == [("sops/ops/passwd.md", "not-a-file")]
