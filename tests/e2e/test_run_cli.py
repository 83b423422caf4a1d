"""`kb run start|list|show|export` on a copy of the fixture knowledge base and a real store."""

from __future__ import annotations

import csv
import io
import json
import shutil

import jsonschema
import pytest

from conftest import REPO, SITE_FIXTURE, TODAY, run_kb
from kbtools.load.loader import load
from kbtools.loop.store import Store
from kbtools.runs import work

DOC = "TPL-CARE-001"
TIER1 = "ACC-00201"


@pytest.fixture
def kb_copy(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(SITE_FIXTURE, root)
    return root


@pytest.fixture
def kb_run(kb_copy, tmp_path, capsys):
    store = tmp_path / "store.sqlite3"

    def run(*args: str):
        return run_kb([*args, "--root", str(kb_copy), "--store", str(store), "--today", TODAY], capsys)

    run.store = store  # type: ignore[attr-defined]
    run.root = kb_copy  # type: ignore[attr-defined]
    return run


def tick(root, store, run_id: int, keys: list[str], actor="person:tobias") -> None:
    kb = load(root)
    with Store(store) as opened:
        record = opened.get_run(run_id)
        cl = work.checklist_of(record)
        for key in keys:
            opened.change_run(run_id, work.decide(kb, cl, work.Change(key, "tick"), work.Actor(actor, actor)),
                              by=actor)


def test_start_makes_the_store_and_a_run_of_the_checklist_for_the_account(kb_run):
    started = kb_run("run", "start", DOC, "--account", TIER1, "--run", "review", "--by", "person:petra")
    assert started.code == 0, started.err
    assert started.out.startswith(f"RUN-1  {DOC} 1.4  {TIER1}  start {TODAY}")
    assert "service/runs/RUN-1/" in started.err
    listed = kb_run("run", "list", "--format", "json").json()["runs"]
    assert [(r["run"], r["state"], r["account"], r["doc"]) for r in listed] == [
        ("RUN-1", "in progress", TIER1, DOC)]
    assert kb_run("run", "start", DOC).out.startswith("RUN-2")  # a blank run, every step
    assert [r["run"] for r in kb_run("run", "list", "--account", TIER1.lower(), "--format", "json").json()["runs"]] \
        == ["RUN-1"]


def test_export_json_follows_the_generated_schema_and_carries_who_and_when(kb_run):
    kb_run("run", "start", DOC, "--account", TIER1, "--run", "review")
    tick(kb_run.root, kb_run.store, 1, ["collect-usage/items/1"])
    exported = kb_run("run", "export", "run-1", "--format", "json")
    assert exported.code == 0, exported.err
    data = exported.json()
    jsonschema.validate(data, json.loads((REPO / "schemas/run.schema.json").read_text()))
    assert (data["id"], data["state"], data["source"]["version"]) == ("RUN-1", "in progress", "1.4")
    first = data["steps"][0]["items"][0]
    assert (first["done"], first["changed"]["by"]) == (True, "person:tobias")
    assert [s["state"] for s in data["steps"]][3:5] == ["open", "locked"]


def test_export_csv_has_a_row_per_item_with_its_state_and_md_ticks_what_is_done(kb_run):
    kb_run("run", "start", DOC, "--account", TIER1, "--run", "review")
    tick(kb_run.root, kb_run.store, 1, ["collect-usage/items/2"])
    rows = list(csv.DictReader(io.StringIO(kb_run("run", "export", "RUN-1", "--format", "csv").out)))
    by_item = {r["item"]: r for r in rows}
    assert by_item["Leak alert history"]["state"] == "done" and by_item["Leak alert history"]["by"] == "person:tobias"
    assert by_item["Meter readings for the quarter"]["state"] == "open"
    assert by_item["Approve steps 1, 2, 3"]["state"] == "undecided"
    shown = kb_run("run", "show", "RUN-1").out
    assert "- [x] Leak alert history (person:tobias, " in shown
    assert "- [ ] Meter readings for the quarter\n" in shown
    assert "### 5. Write the plan for the next quarter [locked]" in shown


def test_the_run_keeps_its_version_and_says_what_changed_in_the_document_since(kb_run):
    kb_run("run", "start", DOC, "--account", TIER1)
    path = kb_run.root / "sops/care/TPL-CARE-001.md"
    text = path.read_text().replace('version: "1.4"', 'version: "1.5"', 1).replace(
        "changelog:\n", 'changelog:\n  - {version: "1.5", date: 2026-11-20, summary: A step for the water audit.}\n')
    path.write_text(text)
    data = kb_run("run", "export", "RUN-1", "--format", "json").json()
    assert data["source"]["version"] == "1.4"
    assert data["document_now"] == {"version": "1.5", "changes": ["1.5 (2026-11-20): A step for the water audit."]}
    assert "TPL-CARE-001 has changed since: version 1.4 then, 1.5 now" in kb_run("run", "show", "RUN-1").out


@pytest.mark.parametrize("args", [
    ("run", "start", "SOP-NOPE-999"),
    ("run", "start", DOC, "--account", "ACC-99999"),
    ("run", "start", DOC, "--set", "nonsense"),
    ("run", "start", DOC, "--set", "to=person:petra"),
    ("run", "start", DOC, "--start", "soon"),
    ("run", "start", DOC, "--by", "petra"),
    ("run", "show", "RUN-99"),
    ("run", "show", "FB-1"),
    ("run", "export", "RUN-1", "--format", "html"),
])
def test_wrong_use_exits_2_without_a_traceback_and_starts_nothing(kb_run, args):
    result = kb_run(*args)
    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    assert kb_run("run", "list", "--format", "json").json()["runs"] == []


def test_a_run_shown_to_a_terminal_cannot_steer_it(kb_run):
    kb_run("run", "start", DOC, "--account", TIER1)
    with Store(kb_run.store) as opened:
        opened.add_run_comment(1, "collect-usage", "fine\x1b[2J then", by="person:tobias")
    shown = kb_run("run", "show", "RUN-1").out
    assert "\x1b" not in shown and "fine\\x1b[2J then" in shown


def test_the_digest_lists_each_persons_overdue_run_items(kb_run):
    kb_run("run", "start", DOC, "--account", TIER1, "--start", "2026-10-01")  # send-summary due 2026-10-15
    kb_run("run", "start", DOC, "--account", TIER1)  # due 2026-12-06: not overdue
    data = kb_run("digest", "--format", "json").json()
    petra = next(o for o in data["owners"] if o["owner"] == "person:petra")
    assert [(r["run"], r["item"], r["days_overdue"]) for r in petra["runs"]] == [
        ("RUN-1", "Summary sent to the customer", 38), ("RUN-1", "Copy sent to the national accounts desk", 38)]
    assert all(o["runs"] == [] for o in data["owners"] if o["owner"] != "person:petra")
    md = kb_run("digest").out
    assert "Overdue checklist run items:" in md
    assert "step 9 Send the review summary: Summary sent to the customer (due 2026-10-15, 38 days overdue)" in md


def test_checklist_due_start_runs_starts_one_review_run_per_due_account_once(kb_run):
    first = kb_run("checklist", "--due", "--start-runs")
    assert first.code == 0, first.err
    started = [line.split()[:2] for line in first.out.splitlines() if "  started  " in line]
    assert started and all(ref.startswith("RUN-") for ref, _ in started)
    listed = kb_run("run", "list", "--format", "json").json()["runs"]
    assert sorted(r["account"] for r in listed) == sorted(acc for _, acc in started)
    assert all(r["doc"] == DOC and "(periodic review)" in r["title"] for r in listed)
    again = kb_run("checklist", "--due", "--start-runs")
    assert again.code == 0 and "0 review run(s) of TPL-CARE-001 started" in again.out
    assert len(kb_run("run", "list", "--format", "json").json()["runs"]) == len(listed)


def test_start_runs_goes_with_due(kb_run):
    result = kb_run("checklist", DOC, "--start-runs")
    assert result.code == 2 and "--start-runs go with --due" in result.err


def test_a_run_the_store_holds_in_a_form_kb_cannot_read_is_an_error_not_a_traceback(kb_run):
    import sqlite3

    kb_run("run", "start", DOC, "--account", TIER1)
    with sqlite3.connect(kb_run.store) as db:
        db.execute("UPDATE runs SET checklist = '{\"steps\": 3}'")
    for args in (("run", "show", "RUN-1"), ("run", "list")):
        result = kb_run(*args)
        assert result.code == 2 and "RUN-1 in a form this kb cannot read" in result.err
        assert "Traceback" not in result.err
