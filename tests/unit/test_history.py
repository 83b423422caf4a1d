"""The versions of a document from git (kbtools/site/history.py) and their comparison (compare.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURE
from history_repo import OUTSIDER, PRC, SEED, UMA, back_to_first, commit, history_repo, replace, shallow_clone
from kbtools.load.loader import load
from kbtools.site import history
from kbtools.site.compare import compare, snapshot, word_diff
from kbtools.site.view import build_view

TODAY = dt.date(2026, 11, 22)


def versions_of(root: Path, doc_id: str) -> tuple[history.History, list[history.Version]]:
    view = build_view(load(root), "internal", TODAY)
    found = history.read(view, root)
    return found, found.of(doc_id)


@given(st.text(alphabet="ab \n.<&é", max_size=40), st.text(alphabet="ab \n.<&é", max_size=40))
def test_a_word_diff_holds_both_texts(old, new):
    runs = word_diff(old, new)
    assert "".join(t for op, t in runs if op != "ins") == old
    assert "".join(t for op, t in runs if op != "del") == new
    assert all(op == "same" for op, _ in runs) == (old == new)


def test_versions_follow_a_renamed_file_and_name_their_authors(tmp_path):
    root = history_repo(tmp_path / "kb", versions=2)
    (root / "sops/elsewhere").mkdir()
    (root / PRC).rename(root / "sops/elsewhere/follow-up.md")
    replace(root, "sops/elsewhere/follow-up.md", ('\nversion: "1.1"', '\nversion: "2.0"'),
            ("changelog:\n", 'changelog:\n  - {version: "2.0", date: 2026-05-01, summary: Moved.}\n'))
    commit(root, "Move PRC-FLD-001", OUTSIDER)
    found, versions = versions_of(root, "PRC-FLD-001")
    assert found.available
    assert [(v.version, v.author, v.person) for v in versions] == [
        ("1.0", SEED[0], None), ("1.1", UMA[0], "person:uma"), ("2.0", OUTSIDER[0], None)]
    assert all(v.entry is not None and v.commit for v in versions)
    assert [(old.version, new.version) for old, new in found.pairs("PRC-FLD-001")] == [("1.0", "1.1"), ("1.1", "2.0")]


def test_a_version_not_committed_yet_has_no_author(tmp_path):
    root = history_repo(tmp_path / "kb", versions=1)
    replace(root, PRC, ('\nversion: "1.0"', '\nversion: "1.1"'))
    _, versions = versions_of(root, "PRC-FLD-001")
    assert [(v.version, v.commit is None, v.author) for v in versions] == [("1.0", False, SEED[0]), ("1.1", True, "")]


def test_the_comparison_of_two_versions_by_field_step_and_word(tmp_path):
    root = history_repo(tmp_path / "kb", versions=3)
    first, _, last = versions_of(root, "PRC-FLD-001")[1]
    assert first.entry is not None and last.entry is not None
    result = compare(snapshot(first.entry, first), snapshot(last.entry, last))
    assert [f.name for f in result.fields] == ["version", "summary", "changelog"]
    assert [(s.id, s.state) for s in result.steps] == [("visit-90", "changed"), ("visit-120", "added")]
    assert result.unchanged_steps == 2
    assert [t for op, t in result.body if op == "del"] == ["visits", "customer"]


def test_a_document_back_at_an_earlier_version_has_each_version_from_its_commit(tmp_path):
    """Committed 1.0, then 1.1, then 1.0 again: three versions, the last one Olive's, none left uncommitted."""
    root = history_repo(tmp_path / "kb", versions=2)
    back_to_first(root)
    found, versions = versions_of(root, "PRC-FLD-001")
    assert [(v.version, v.key, v.author) for v in versions] == [
        ("1.0", "1.0", SEED[0]), ("1.1", "1.1", UMA[0]), ("1.0", "1.0-2", OUTSIDER[0])]
    assert all(v.commit and v.entry is not None for v in versions)
    assert versions[0].commit != versions[2].commit
    assert [v.label for v in versions] == [f"1.0 (commit {versions[0].short})", "1.1",
                                           f"1.0 (commit {versions[2].short})"]
    assert [(old.key, new.key) for old, new in found.pairs("PRC-FLD-001")] == [("1.0", "1.1"), ("1.1", "1.0-2")]
    entry = versions[2].entry
    assert entry is not None
    assert found.changelog("PRC-FLD-001", entry.model.changelog) == [versions[2]]  # its one entry: the newest 1.0
    assert found.previous("PRC-FLD-001", versions[2]) is versions[1]
    assert found.previous("PRC-FLD-001", versions[0]) is None


def test_going_back_to_an_earlier_version_is_not_committed_until_it_is(tmp_path):
    root = history_repo(tmp_path / "kb", versions=2)
    back_to_first(root, commit_it=False)
    _, versions = versions_of(root, "PRC-FLD-001")
    assert [(v.key, v.commit is None, v.author) for v in versions] == [
        ("1.0", False, SEED[0]), ("1.1", False, UMA[0]), ("1.0-2", True, "")]
    assert versions[2].label == "1.0 (not committed yet)"
    replace(root, PRC, ("summary: Three follow-up visits", "summary: Three follow-up visits, unsaved"))
    commit(root, "Back to version 1.0", OUTSIDER)
    replace(root, PRC, ("visits, unsaved", "visits, edited since"))  # the same version, edited again
    _, versions = versions_of(root, "PRC-FLD-001")
    assert [(v.key, v.author) for v in versions] == [("1.0", SEED[0]), ("1.1", UMA[0]), ("1.0-2", OUTSIDER[0])]
    assert versions[2].entry is not None and "edited since" in versions[2].entry.model.summary


@pytest.mark.parametrize("setup,words", [
    ("no-repository", "not in a git repository"),
    ("no-git", "git is not installed"),
])
def test_without_history_a_note_says_why(tmp_path, monkeypatch, setup, words):
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE, root)
    if setup == "no-git":
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    found, versions = versions_of(root, next(iter(load(root).docs)))
    assert not found.available and found.note is not None and words in found.note
    assert versions == []


def test_a_shallow_clone_has_a_note(tmp_path):
    clone = shallow_clone(history_repo(tmp_path / "kb", versions=2), tmp_path / "clone")
    found, versions = versions_of(clone, "PRC-FLD-001")
    assert found.note == history.SHALLOW_NOTE and versions == []


def test_an_author_name_cannot_hide_or_forge_a_commit(tmp_path):
    """A byte that once framed the log's records, and a fake commit id, in an author's name."""
    root = history_repo(tmp_path / "kb", versions=1)
    replace(root, PRC, ('\nversion: "1.0"', '\nversion: "1.1"'))
    forged = "Mallory\x01" + "deadbeef" * 5
    commit(root, "PRC-FLD-001 1.1", (forged, "mallory@elsewhere.example"))
    _, versions = versions_of(root, "PRC-FLD-001")
    assert [(v.version, v.author) for v in versions] == [("1.0", SEED[0]), ("1.1", forged)]
    assert versions[-1].commit and versions[-1].commit != "deadbeef" * 5


def test_a_huge_version_is_read_only_up_to_the_size_limit(tmp_path):
    root = history_repo(tmp_path / "kb", versions=1)
    original = (root / PRC).read_text(encoding="utf-8")
    replace(root, PRC, ('\nversion: "1.0"', '\nversion: "1.1"'))
    (root / PRC).write_text((root / PRC).read_text(encoding="utf-8") + "word " * 1_000_000, encoding="utf-8")
    commit(root, "PRC-FLD-001 1.1, 5 MB", UMA)
    (root / PRC).write_text(original.replace('\nversion: "1.0"', '\nversion: "1.2"'), encoding="utf-8")
    commit(root, "PRC-FLD-001 1.2", UMA)
    _, versions = versions_of(root, "PRC-FLD-001")
    assert [v.version for v in versions] == ["1.0", "1.1", "1.2"]
    huge = versions[1]
    assert huge.entry is None and huge.note and "[file-too-large]" in huge.note


def test_texts_too_different_to_compare_word_by_word_are_shown_replaced_whole():
    """difflib's time grows with (words of one) x (words of the other) on texts of few distinct
    words; past compare.MAX_CELLS the part between the shared start and end is replaced whole."""
    import random

    from kbtools.site.compare import MAX_CELLS

    pick = random.Random(7)
    words = [f"w{i}" for i in range(150)]
    n = int(MAX_CELLS ** 0.5)  # words and spaces are tokens: this many words are twice as many tokens
    old = "Same start. " + " ".join(pick.choice(words) for _ in range(n)) + " same end."
    new = "Same start. " + " ".join(pick.choice(words) for _ in range(n)) + " same end."
    runs = word_diff(old, new)
    assert [op for op, _ in runs] == ["same", "del", "ins", "same"]
    assert "".join(t for op, t in runs if op != "ins") == old and "".join(t for op, t in runs if op != "del") == new
