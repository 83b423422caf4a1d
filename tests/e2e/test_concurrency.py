"""Concurrent writers: every `kb review`, `kb new` and `kb owners reassign` running at the same moment
keeps every other one's change, because each holds the knowledge base's lock from reading to writing."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time

from conftest import TODAY

PROCESSES = 20
ROUNDS = 4
SOPS = [f"sops/ops/SOP-OPS-00{n}.md" for n in (1, 2, 3)]
ACCOUNT = "accounts/ACC-00001.yaml"

# One process: wait for the start signal, then its rounds of kb, one after the other, in-process.
_DRIVER = r"""
import json, os, sys, time
from kbtools.cli import main
root, start, plan = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
while not os.path.exists(start):
    time.sleep(0.001)
codes = []
for argv in plan:
    try:
        main([*argv, "--root", root])
    except SystemExit as exc:
        codes.append(exc.code)
print(json.dumps(codes))
"""


def _plans(n: int) -> list[list[list[str]]]:
    """Half the processes review the same document, the rest spread over documents and the account;
    every fifth process also creates a document, every seventh hands dana's training to erin and back."""
    plans = []
    for p in range(n):
        plan = []
        for r in range(ROUNDS):
            note = f"p{p}-r{r}"
            if p % 2 == 0:
                plan.append(["review", "SOP-OPS-001", "--by", "person:bob", "--note", note])
            elif r % 2:
                plan.append(["review", "ACC-00001", "--by", "person:alice", "--note", note])
            else:
                ident = f"SOP-OPS-00{1 + (p + r) % len(SOPS)}"
                plan.append(["review", ident, "--by", "person:alice", "--note", note])
            plan[-1] += ["--today", TODAY]
        if p % 5 == 0:
            plan.append(["new", "article", "--department", "ops", "--title", f"Made by p{p}", "--today", TODAY])
        if p % 7 == 0:
            plan.append(["owners", "reassign", "person:dana", "person:erin"])
            plan.append(["owners", "reassign", "person:erin", "person:dana"])
        plans.append(plan)
    return plans


TRAINING = [f"training/TRN-90{n}.yaml" for n in (2, 3, 4, 5)]


def _more_documents(kb) -> None:
    text = kb.read(SOPS[0])
    for rel in SOPS[1:]:
        kb.write(rel, text.replace("SOP-OPS-001", rel.rsplit("/", 1)[1][:-3]))
    people = kb.read("org/people.yaml")
    for name in ("dana", "erin"):
        people += f"  - id: {name}\n    name: {name.title()} Example\n    email: {name}@example.com\n    roles: [im]\n"
    kb.write("org/people.yaml", people)
    training = kb.read("training/TRN-901.yaml").replace("owner: person:alice", "owner: person:dana")
    for rel in TRAINING:
        kb.write(rel, training.replace("TRN-901", rel[9:16]))


def test_many_concurrent_writers_lose_nothing(kb):
    _more_documents(kb)
    assert kb.findings() == []
    start = kb.root.parent / "go"
    plans = _plans(PROCESSES)
    env = dict(os.environ, KB_LOCK_TIMEOUT="60")
    procs = [subprocess.Popen([sys.executable, "-c", _DRIVER, str(kb.root), str(start), json.dumps(plan)],
                              cwd=kb.root.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for plan in plans]
    time.sleep(0.5)  # let them all start and wait at the line
    start.touch()
    results = [p.communicate(timeout=100) for p in procs]
    for (out, err), proc, plan in zip(results, procs, plans, strict=True):
        assert proc.returncode == 0, err
        codes = json.loads(out.strip().splitlines()[-1])
        # a reassign finds the training owned by FROM or, after another process's, nothing to hand over
        assert codes == [0] * len(plan), err
    notes = [argv[argv.index("--note") + 1] for plan in plans for argv in plan if "--note" in argv]
    text = "".join(kb.read(rel) for rel in [*SOPS, ACCOUNT])
    missing = [note for note in notes if f"note: {note}\n" not in text]
    assert missing == [], f"{len(missing)} of {len(notes)} reviews lost"
    assert sum(text.count(f"note: {note}\n") for note in notes) == len(notes)
    made = sorted(p.name for p in (kb.root / "sops/ops").iterdir() if p.name.startswith("ART-"))
    assert made == [f"ART-OPS-00{i}.md" for i in range(1, 1 + sum(1 for p in range(PROCESSES) if p % 5 == 0))]
    owners = {kb.read(rel).split("owner: ", 1)[1].split("\n", 1)[0] for rel in TRAINING}
    assert owners in ({"person:dana"}, {"person:erin"}), "a reassign was split between two owners"
    assert kb.findings() == []
    assert [p for p in kb.root.rglob("*") if p.name.endswith(".tmp")] == []


def test_a_writer_waits_for_the_lock_then_gives_up_with_a_clear_message(kb, monkeypatch):
    before = kb.read(SOPS[0])
    fd = os.open(kb.root / ".kb.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        monkeypatch.setenv("KB_LOCK_TIMEOUT", "0.3")
        started = time.monotonic()
        result = kb.run("review", "SOP-OPS-001", "--by", "person:bob")
        assert time.monotonic() - started >= 0.3
        assert result.code == 2
        assert "another kb command is writing to this knowledge base" in result.err
        assert "try again" in result.err
        assert kb.read(SOPS[0]) == before
        for argv in (["new", "sop", "--department", "ops", "--title", "x"], ["schema"], ["codeowners"],
                     ["owners", "reassign", "team:ops-team", "person:alice"], ["recover", "--rollback"]):
            assert "another kb command is writing" in kb.run(*argv, today=None).err, argv
    finally:
        os.close(fd)
    assert kb.run("review", "SOP-OPS-001", "--by", "person:bob").code == 0


def test_a_dry_run_needs_no_lock(kb, monkeypatch):
    fd = os.open(kb.root / ".kb.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        monkeypatch.setenv("KB_LOCK_TIMEOUT", "0")
        assert kb.run("review", "SOP-OPS-001", "--by", "person:bob", "--dry-run").code == 0
    finally:
        os.close(fd)


def test_a_bad_lock_timeout_is_a_usage_error(kb, monkeypatch):
    monkeypatch.setenv("KB_LOCK_TIMEOUT", "soon")
    result = kb.run("review", "SOP-OPS-001", "--by", "person:bob")
    assert result.code == 2 and "KB_LOCK_TIMEOUT is 'soon'" in result.err


def test_stale_temporary_files_are_removed_by_the_next_writer(kb):
    stale = [kb.root / "sops/ops/.SOP-OPS-001.md.kb-0a1b2c3d.tmp", kb.root / "accounts/.ACC-00001.yaml.kb-00000000.tmp",
             kb.root / ".kb-journal.json.kb-12345678.tmp"]
    kept = [kb.root / "sops/ops/notes.tmp", kb.root / "sops/ops/.draft.tmp"]  # not kb's naming
    for path in stale + kept:
        path.write_text("half", encoding="utf-8")
    assert kb.run("review", "SOP-OPS-001", "--by", "person:bob", "--dry-run").code == 0
    assert all(p.exists() for p in stale), "a dry run removes nothing"
    assert kb.run("review", "SOP-OPS-001", "--by", "person:bob").code == 0
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)


# What writes into the knowledge base, and what takes its lock.
_WRITES = {"write_below", "write_all", "write_files", "finish", "discard", "remove_below"}
_LOCKS = {"writing", "kb_lock"}


def test_every_command_that_writes_into_the_knowledge_base_takes_the_lock():
    """Read from the source, so that a command added later cannot forget it."""
    import ast

    from conftest import REPO

    writers = {}
    for path in sorted((REPO / "kbtools/commands").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        called = {getattr(n.func, "attr", getattr(n.func, "id", None)) for n in calls}
        if called & _WRITES:
            writers[path.stem] = bool(called & _LOCKS)
    assert set(writers) == {"accounts", "codeowners", "new", "owners", "recover", "review", "schema"}
    assert all(writers.values()), writers
