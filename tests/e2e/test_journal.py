"""`kb owners reassign` is complete and honest: it refuses when a broken file may name FROM, and a run
killed half-way leaves a journal that `kb check` reports and `kb recover` finishes or undoes."""

from __future__ import annotations

import json

import pytest

from conftest import codes, kill_kb_at, only

ACCOUNT = "accounts/ACC-00001.yaml"
TRAINING = ["training/TRN-901.yaml", *(f"training/TRN-90{n}.yaml" for n in (2, 3, 4))]
OWNED = [ACCOUNT, *TRAINING]  # everything person:alice owns, in the order reassign writes it
JOURNAL = ".kb-journal.json"


@pytest.fixture
def owned(kb):
    """person:alice owns the account and four training materials; bob may take them all."""
    kb.edit("org/people.yaml", "    roles: [im]", "    roles: [im, am]")
    text = kb.read(TRAINING[0])
    for rel in TRAINING[1:]:
        kb.write(rel, text.replace("TRN-901", rel[9:16]))
    assert kb.findings() == []
    return kb


def _contents(kb) -> dict[str, bytes]:
    return {rel: (kb.root / rel).read_bytes() for rel in OWNED}


def _killed(kb, name: str, n: int, *argv: str) -> None:
    kill_kb_at(name, n, [*argv, "--root", str(kb.root)], kb.root.parent)


def _temps(kb) -> list[str]:
    return sorted(p.relative_to(kb.root).as_posix() for p in kb.root.rglob("*.tmp"))


def _reassign(kb) -> dict[str, bytes]:
    """The contents a whole reassign gives, computed on a scratch copy."""
    import shutil

    from conftest import KB

    scratch = kb.root.parent / "scratch"
    shutil.copytree(kb.root, scratch)
    other = KB(scratch, kb._capsys)
    assert other.run("owners", "reassign", "person:alice", "person:bob", today=None).code == 0
    new = _contents(other)
    shutil.rmtree(scratch)
    return new


# --- complete: nothing is skipped silently --------------------------------------------------


def test_a_broken_file_naming_from_stops_the_reassign(owned):
    kb = owned
    kb.write("accounts/ACC-00002.yaml", kb.read(ACCOUNT).replace("ACC-00001", "ACC-00002").replace(
        "tier: 1", "tier: [1"))  # does not parse, still names person:alice
    before = _contents(kb)
    result = kb.run("owners", "reassign", "person:alice", "person:bob", today=None)
    assert result.code == 1, result.err
    assert "refusing to reassign" in result.err and "accounts/ACC-00002.yaml" in result.err
    assert _contents(kb) == before
    assert "owner: person:alice" in kb.read("accounts/ACC-00002.yaml")


@pytest.mark.parametrize("owner_line",
                         ['owner: "person:alice"', "owner:   'person:alice'  # x", "{owner: person:alice"])
def test_any_spelling_of_the_owner_in_a_broken_file_counts(owned, owner_line):
    owned.write("training/TRN-909.yaml", f"id: TRN-909\n{owner_line}\ntitle: [unclosed\n")
    result = owned.run("owners", "reassign", "person:alice", "person:bob", today=None)
    assert result.code == 1 and "training/TRN-909.yaml" in result.err


def test_a_folder_that_cannot_be_read_stops_the_reassign(owned, monkeypatch):
    """Its files are unknown, so some may be owned by FROM (root reads any folder: the failure is simulated)."""
    import os

    hidden = owned.root / "training/more"
    hidden.mkdir()
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(hidden):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    before = _contents(owned)
    result = owned.run("owners", "reassign", "person:alice", "person:bob", today=None)
    assert result.code == 1 and "training/more/ (cannot be read)" in result.err, result.err
    assert _contents(owned) == before


def test_a_broken_file_of_someone_else_does_not_stop_it(owned):
    owned.write("training/TRN-909.yaml", "id: TRN-909\nowner: person:alice-smith\ntitle: [unclosed\n")
    assert owned.run("owners", "reassign", "person:alice", "person:bob", today=None).code == 0
    assert all("owner: person:bob" in owned.read(rel) for rel in OWNED)


def test_a_record_whose_id_repeats_is_handed_over_too(owned):
    owned.write("training/TRN-copy.yaml", owned.read(TRAINING[0]))  # duplicate-id, still owned by alice
    assert owned.run("owners", "reassign", "person:alice", "person:bob", today=None).code == 0
    assert "owner: person:bob" in owned.read("training/TRN-copy.yaml")


# --- honest: an interrupted run is reported and can be finished or undone ----------------


@pytest.mark.parametrize("written", [0, 1, 3, 5])
@pytest.mark.parametrize("how", ["resume", "rollback"])
def test_a_reassign_killed_half_way_is_reported_and_recovered(owned, written, how):
    kb = owned
    old = _contents(kb)
    new = _reassign(kb)
    if written < len(OWNED):
        _killed(kb, "replace", written + 1, "owners", "reassign", "person:alice", "person:bob")
    else:  # every file written, killed while removing the journal (unlink #1 removed its temporary name)
        _killed(kb, "unlink", 2, "owners", "reassign", "person:alice", "person:bob")
    now = _contents(kb)
    assert now == {rel: (new if i < written else old)[rel] for i, rel in enumerate(OWNED)}, "each file old or new"
    finding = only(kb.findings(), "interrupted-write")
    assert finding["severity"] == "error" and finding["path"] == JOURNAL
    assert f"after writing {written} of {len(OWNED)} files" in finding["message"]
    assert "kb recover --resume" in finding["message"]
    status = kb.run("recover", today=None)
    assert status.code == 1 and "interrupted" in status.out
    # nothing else writes meanwhile, and the journal's record is what it says
    refused = kb.run("review", "ACC-00001", "--by", "person:alice")
    assert refused.code == 2 and "interrupted write must be finished or undone first" in refused.err
    record = json.loads((kb.root / JOURNAL).read_text(encoding="utf-8"))
    assert [f["path"] for f in record["files"]] == OWNED
    assert {f["path"]: f["old"].encode() for f in record["files"]} == old
    result = kb.run("recover", f"--{how}", today=None)
    assert result.code == 0, result.err
    assert _contents(kb) == (new if how == "resume" else old)
    assert not (kb.root / JOURNAL).exists()
    assert "interrupted-write" not in codes(kb.findings())
    assert _temps(kb) == []


def test_killed_before_the_journal_is_written_changes_nothing(owned):
    kb = owned
    old = _contents(kb)
    _killed(kb, "link", 1, "owners", "reassign", "person:alice", "person:bob")
    assert _contents(kb) == old
    assert not (kb.root / JOURNAL).exists()
    assert kb.findings() == []
    [temp] = _temps(kb)  # the journal's temporary file, left by the kill
    assert temp.startswith("..kb-journal.json.kb-")
    assert kb.run("owners", "reassign", "person:alice", "person:bob", today=None).code == 0
    assert _temps(kb) == []


def test_recover_refuses_to_overwrite_a_change_made_since(owned):
    kb = owned
    _killed(kb, "replace", 3, "owners", "reassign", "person:alice", "person:bob")
    kb.edit(TRAINING[3], "title: Account review walkthrough", "title: Edited by hand")
    assert "changed since, by someone else: training/TRN-904.yaml" in only(kb.findings(), "interrupted-write")[
        "message"]
    for how in ("--resume", "--rollback"):
        result = kb.run("recover", how, today=None)
        assert result.code == 1 and "training/TRN-904.yaml" in result.err
        assert "title: Edited by hand" in kb.read(TRAINING[3])
    assert kb.run("recover", "--discard", today=None).code == 0
    assert "interrupted-write" not in codes(kb.findings())
    assert "title: Edited by hand" in kb.read(TRAINING[3])


def test_a_damaged_journal_is_reported(kb):
    kb.write(JOURNAL, "{not json")
    finding = only(kb.findings(), "interrupted-write")
    assert "is damaged" in finding["message"]
    assert kb.run("recover", today=None).code == 2
    assert kb.run("review", "SOP-OPS-001", "--by", "person:bob").code == 2


def test_nothing_to_recover(kb):
    result = kb.run("recover", today=None)
    assert result.code == 0 and "nothing to recover" in result.out
    assert kb.run("recover", "--resume", today=None).code == 0
