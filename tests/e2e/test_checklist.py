"""`kb checklist`: blank and filled checklists in every format, batch mode, bad input."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from html.parser import HTMLParser

import pytest

from conftest import GOLDEN, KB, REPO, SITE_FIXTURE, TODAY, kill_kb_at, only, run_kb

FIXED = ["--today", TODAY, "--start", "2026-12-01", "--root", str(SITE_FIXTURE)]
FORMATS = ("md", "html", "csv", "json")

# (document, account, run) of the fixture knowledge base; `make golden` rewrites their files
CASES = [
    ("TPL-CARE-001", None, None),
    ("TPL-CARE-001", "ACC-00201", None),
    ("TPL-CARE-001", "ACC-00201", "review"),
    ("TPL-CARE-001", None, "setup"),
    ("SOP-CARE-002", None, None),
    ("SOP-CARE-002", "ACC-00203", None),
    ("PRC-FLD-001", "ACC-00201", None),
]


def _name(doc, account, run, fmt):
    return f"{doc}.{account or 'blank'}{'.' + run if run else ''}.{fmt}"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("doc, account, run", CASES)
def test_checklists_match_golden_files(capsys, doc, account, run, fmt):
    argv = ["checklist", doc, "--format", fmt, *FIXED]
    if account:
        argv += ["--account", account]
    if run:
        argv += ["--run", run]
    result = run_kb(argv, capsys)
    assert result.code == 0, result.err
    golden = GOLDEN / _name(doc, account, run, fmt)
    if os.environ.get("KB_UPDATE_GOLDEN"):  # set by `make golden`
        golden.write_bytes(result.out.encode("utf-8"))
    assert result.out == golden.read_bytes().decode("utf-8"), f"differs from {golden.name}; `make golden` rewrites it"


def test_golden_folder_holds_the_cases_and_nothing_else():
    wanted = {_name(doc, account, run, fmt) for doc, account, run in CASES for fmt in FORMATS}
    assert {p.name for p in GOLDEN.iterdir()} == wanted


def _json(capsys, *args):
    result = run_kb(["checklist", *args, "--format", "json", *FIXED], capsys)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_template_checklist_is_complete(capsys):
    cl = _json(capsys, "TPL-CARE-001", "--account", "ACC-00201")
    numbers = [s["number"] for s in cl["steps"]]
    assert numbers == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]  # 7 (health yellow or red) does not apply to a green account
    assert [s["number"] for s in cl["skipped"]] == [7]
    gates = [s for s in cl["steps"] if s["approval"]]
    assert [g["number"] for g in gates] == [4, 8]
    assert [[c["number"] for c in g["approval"]["covers"]] for g in gates] == [[1, 2, 3], [5]]
    assert all(g["approval"]["approvers"] for g in gates)
    scale = [f for s in cl["steps"] for f in s["fields"] if f["kind"] == "single"]
    assert scale[0]["options"] == ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]
    assert {f["kind"] for s in cl["steps"] for f in s["fields"]} == {"single", "multi", "date", "text"}
    # every working step is assigned: the account owner holds the account-manager role, the KAM comes from the team
    assert all(s["assignees"] for s in cl["steps"] if not s["approval"])
    assert cl["steps"][0]["assignees"][0]["ref"] == cl["account"]["owner"]["ref"] == "person:petra"
    assert cl["steps"][5]["assignees"][0]["ref"] == "person:tobias"
    assert cl["source"] == {"id": "TPL-CARE-001", "title": "Quarterly account review", "type": "template",
                            "version": "1.4", "path": "sops/care/TPL-CARE-001.md"}


def test_transition_fills_in_the_new_csm_from_the_account(capsys):
    cl = _json(capsys, "SOP-CARE-002", "--account", "ACC-00203")
    assert cl["inputs"]["to"].startswith("person:kofi")
    last = cl["steps"][-1]
    assert last["assignees"][0]["ref"] == "person:kofi"
    assert cl["steps"][1]["assignees"][0]["ref"] == "person:ingrid"  # input:from, the outgoing CSM
    assert cl["account"]["transition"]["to"] == "person:kofi"
    assert cl["account"]["open_tickets"] and cl["account"]["opportunities"]


def test_set_overrides_an_input(capsys):
    cl = _json(capsys, "SOP-CARE-002", "--account", "ACC-00203", "--set", "to=person:tobias")
    assert cl["steps"][-1]["assignees"][0]["ref"] == "person:tobias"


def test_transition_without_target_needs_set(capsys):
    result = run_kb(["checklist", "SOP-CARE-002", "--account", "ACC-00201", *FIXED], capsys)
    assert result.code == 2
    assert "--set to=" in result.err


def test_due_dates_count_from_start(capsys):
    cl = _json(capsys, "PRC-FLD-001", "--account", "ACC-00201")
    dues = {s["due_after"]: s["due"] for s in cl["steps"] if s["due_after"]}
    assert dues == {"30 days": "2026-12-31", "60 days": "2027-01-30", "90 days": "2027-03-01"}


def test_csv_reads_back(capsys):
    result = run_kb(["checklist", "TPL-CARE-001", "--account", "ACC-00204", "--format", "csv", *FIXED], capsys)
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert list(rows[0]) == ["step", "step_title", "kind", "item", "role", "assignee", "due", "approval"]
    assert {r["step"] for r in rows} == {"1", "2", "3", "4", "5", "7", "8", "9", "10", "11"}  # tier 2, health red
    approvals = [r for r in rows if r["kind"] == "approval"]
    assert [r["step"] for r in approvals] == ["4", "8"]
    assert all(r["approval"] for r in approvals)
    assert any(r["item"] == "Meter readings for the quarter" for r in rows)
    assert not any(r["item"] == "Leak alert history" for r in rows)  # the account has no Leak Alerts
    assert next(r["due"] for r in rows if r["step"] == "9") == "2026-12-15"


def test_markdown_is_a_task_list_ending_with_its_source(capsys):
    result = run_kb(["checklist", "TPL-CARE-001", *FIXED], capsys)
    lines = result.out.strip().splitlines()
    assert "- [ ] Meter readings for the quarter" in lines
    assert lines[-1].startswith("Generated from TPL-CARE-001 version 1.4 ")


def test_html_is_standalone(capsys):
    result = run_kb(["checklist", "TPL-CARE-001", "--format", "html", *FIXED], capsys)
    page = result.out
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "@media print" in page and 'type="checkbox"' in page and 'type="radio"' in page


def test_json_validates_against_the_committed_schema(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "schemas" / "checklist.schema.json").read_text())
    for doc, account, run in CASES:
        cl = _json(capsys, doc, *(["--account", account] if account else []), *(["--run", run] if run else []))
        jsonschema.validate(cl, schema)


# --- conditions, on the small fixture -----------------------------------------


def test_conditional_items_and_steps(kb):
    kb.edit("sops/ops/SOP-OPS-001.md", "    items: [Contracts, Invoices]",
            "    items: [Contracts, {text: Loyalty report, when: {products: [Loyalty]}}]\n"
            "  - id: strategic\n    title: Strategic review\n    role: am\n    when: {tier: [1]}")
    blank = kb.run("checklist", "SOP-OPS-001")
    assert "Loyalty report *(only when products Loyalty)*" in blank.out
    assert "Only when tier 1" in blank.out
    filled = kb.run("checklist", "SOP-OPS-001", "--account", "ACC-00001")
    assert "Loyalty report" not in filled.out
    assert "Strategic review" in filled.out
    kb.edit("accounts/ACC-00001.yaml", "tier: 1", "tier: 3\nproducts: [Loyalty]")
    filled = kb.run("checklist", "SOP-OPS-001", "--account", "ACC-00001")
    assert "- [ ] Loyalty report" in filled.out
    assert "Not applicable to this account: 2. Strategic review" in filled.out


def test_assignees_from_account_and_registry(kb):
    cl = json.loads(kb.run("checklist", "SOP-OPS-001", "--account", "ACC-00001", "--format", "json").out)
    alice = {"ref": "person:alice", "name": "Alice Example", "email": "alice@example.com"}
    assert cl["steps"][0]["assignees"] == [alice]
    assert cl["steps"][2]["approval"]["approvers"][0]["ref"] == "person:alice"  # holds role manager


# --- hostile content in the standalone HTML ------------------------------------------


class _Page(HTMLParser):
    """The elements, attributes and text nodes of a page, as a browser would read them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.texts.append(data.strip())


def test_html_escapes_hostile_content(kb: KB) -> None:
    script, img, quote = "</td><script>alert(1)</script>", "<img src=x onerror=alert(1)>", 'x" onfocus="alert(1)'
    kb.edit("sops/ops/SOP-OPS-001.md", "title: Gather records", f"title: {json.dumps(script)}")
    kb.edit("sops/ops/SOP-OPS-001.md", "items: [Contracts, Invoices]", f"items: [{json.dumps(img)}, Invoices]")
    kb.edit("sops/ops/SOP-OPS-001.md", "options: [Satisfied,", f"options: [{json.dumps(quote)},")
    kb.edit("accounts/ACC-00001.yaml", "name: Example Fuel Co", f"name: {json.dumps(img)}")
    result = kb.run("checklist", "SOP-OPS-001", "--account", "ACC-00001", "--format", "html")
    assert result.code == 0, result.err
    page = _Page(result.out)
    assert {"script", "img", "td"}.isdisjoint(page.tags)
    assert not {name for name, _value in page.attrs} & {"src", "onerror", "onfocus"}
    assert f"1. {script}" in page.texts
    assert f"Account: {img} (ACC-00001), tier 1, segment NA, status active" in page.texts
    assert img in page.texts  # the item's label
    assert ("value", quote) in page.attrs and quote in page.texts
    assert page.texts.count(f"Review an account: {img} (ACC-00001)") == 2  # <title> and <h1>


# --- bad input: clear message, SPEC's exit code, nothing written -------------------


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["SOP-OPS-999"], 2, "unknown document 'SOP-OPS-999', did you mean 'SOP-OPS-001'?"),
        (["SOP-OPS-001", "--account", "ACC-00009"], 2, "unknown account 'ACC-00009', did you mean 'ACC-00001'?"),
        (["SOP-OPS-001", "--set", "nonsense"], 2, "write it as key=value"),
        (["SOP-OPS-001", "--set", "to=person:bob"], 2, "takes no input 'to'"),
        (["SOP-OPS-001", "--start", "01/12/2026"], 2, "is not a date"),
        (["SOP-OPS-001", "--format", "pdf"], 2, "Invalid value"),
        ([], 2, "give a document ID"),
    ],
)
def test_bad_input(kb, args, code, message):
    out = kb.root / "out.md"
    result = kb.run("checklist", *args, "-o", str(out))
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


def test_document_without_steps(kb):
    kb.write("sops/ops/POL-OPS-001.md", kb.read("sops/ops/SOP-OPS-001.md").split("steps:")[0]
             .replace("SOP-OPS-001", "POL-OPS-001").replace("type: sop", "type: policy") + "---\nPolicy.\n")
    result = kb.run("checklist", "POL-OPS-001")
    assert result.code == 2 and "has no steps" in result.err


def test_role_nobody_holds(kb):
    kb.edit("org/roles.yaml", "  - id: manager", "  - id: director\n    name: Director\n  - id: manager")
    kb.edit("sops/ops/SOP-OPS-001.md", "by: role:manager", "by: role:director")
    out = kb.root / "out.md"
    result = kb.run("checklist", "SOP-OPS-001", "--account", "ACC-00001", "-o", str(out))
    assert result.code == 1
    assert "no one on account ACC-00001 or in the registry holds it" in result.err
    assert not out.exists()
    assert kb.run("checklist", "SOP-OPS-001").code == 0  # the blank checklist needs no one


def test_output_file_is_replaced_atomically(kb):
    out = kb.root / "out" / "review.md"
    out.parent.mkdir()
    result = kb.run("checklist", "SOP-OPS-001", "-o", str(out))
    assert result.code == 0 and out.read_text().startswith("## Review an account")
    assert [p.name for p in out.parent.iterdir()] == ["review.md"]


# --- batch ------------------------------------------------------------------------------


def test_batch_writes_one_checklist_per_due_account(capsys, tmp_path):
    out = tmp_path / "due"
    result = run_kb(["checklist", "--due", "--within", "30", "--out", str(out), "--root", str(SITE_FIXTURE),
                     "--today", TODAY], capsys)
    assert result.code == 0, result.err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["ACC-00202.md", "ACC-00203.md", "ACC-00204.md"]  # due soon, due soon, overdue
    assert "3 account-review checklist(s) from TPL-CARE-001" in result.out
    text = (out / "ACC-00202.md").read_text()
    assert text.startswith("## Quarterly account review (periodic review): Fenwick Cold Storage")
    assert "Alderbrook" not in text
    # a periodic review: the review steps, not the set-up step
    assert "### 11. Compare the quarter with the baseline" in text
    assert "Record the baseline" not in text


# --- runs: first set-up and periodic review ----------------------------------------------


def test_periodic_review_holds_the_review_steps_not_the_set_up_steps(capsys):
    full = _json(capsys, "TPL-CARE-001", "--account", "ACC-00201")
    review = _json(capsys, "TPL-CARE-001", "--account", "ACC-00201", "--run", "review")
    setup = _json(capsys, "TPL-CARE-001", "--account", "ACC-00201", "--run", "setup")
    ids = {name: [s["id"] for s in cl["steps"]] for name, cl in (("full", full), ("review", review),
                                                                  ("setup", setup))}
    assert "record-baseline" in ids["setup"] and "record-baseline" not in ids["review"]
    assert "compare-baseline" in ids["review"] and "compare-baseline" not in ids["setup"]
    # steps of every run are in both; numbers stay the document's, so they match the site's anchors
    assert ids["review"] == [i for i in ids["full"] if i != "record-baseline"]
    assert [s["number"] for s in review["steps"]][-1] == 11
    assert (review["run"], setup["run"], full["run"]) == ("review", "setup", None)
    assert review["title"].startswith("Quarterly account review (periodic review): ")


def test_blank_checklist_says_which_run_a_step_belongs_to(capsys):
    result = run_kb(["checklist", "TPL-CARE-001", *FIXED], capsys)
    assert "*Role: Account Manager · First set-up only*" in result.out
    assert "*Role: Account Manager · Periodic review only*" in result.out


def test_run_of_a_document_without_runs_is_every_step(capsys):
    full = _json(capsys, "SOP-CARE-002", "--account", "ACC-00203")
    review = _json(capsys, "SOP-CARE-002", "--account", "ACC-00203", "--run", "review")
    assert [s["id"] for s in review["steps"]] == [s["id"] for s in full["steps"]]


def test_unknown_run_is_a_usage_error(capsys):
    result = run_kb(["checklist", "TPL-CARE-001", "--run", "yearly", *FIXED], capsys)
    assert result.code == 2
    assert "setup" in result.err and "review" in result.err


def test_due_makes_review_checklists_only(kb):
    result = kb.run("checklist", "--due", "--run", "setup", "--out", str(kb.root / "out"))
    assert result.code == 2
    assert "--run review" in result.err


def test_gate_outside_the_runs_of_what_it_covers(kb):
    text = kb.read("sops/ops/SOP-OPS-001.md")
    assert "approval:" in text
    steps = [line for line in text.splitlines() if line.startswith("  - id: ")]
    first = steps[0]
    kb.edit("sops/ops/SOP-OPS-001.md", first, first + "\n    runs: [setup]")
    f = only(kb.findings(), "bad-approval")
    assert (f["path"], f["line"]) == ("sops/ops/SOP-OPS-001.md", 32)  # the gate's covers: [gather, ...]
    assert "'approve' is part of the periodic review run but covers 'gather'" in f["message"]


def test_batch_needs_out(kb):
    result = kb.run("checklist", "--due")
    assert result.code == 2 and "--out" in result.err


# --- batch: all or nothing -------------------------------------------------------------------

DUE = ["ACC-00202.md", "ACC-00203.md", "ACC-00204.md"]


def _batch(capsys, out):
    return run_kb(["checklist", "--due", "--within", "30", "--out", str(out), "--root", str(SITE_FIXTURE),
                   "--today", TODAY], capsys)


def _folder(path) -> dict[str, str]:
    return {p.name: ("<folder>" if p.is_dir() else p.read_text()) for p in sorted(path.iterdir())}


def _fail_at(monkeypatch, name: str, n: int, code: int) -> None:
    """os.<name> fails with `code` on its n-th call, and works before and after."""
    real = getattr(os, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


def test_batch_with_one_file_in_the_way_writes_none(capsys, tmp_path):
    out = tmp_path / "due"
    out.mkdir()
    (out / "ACC-00204.md").write_text("last quarter's\n")  # written first (overdue)
    (out / "ACC-00202.md").mkdir()  # written last (due latest): cannot be
    before = _folder(out)
    result = _batch(capsys, out)
    assert result.code == 2 and "ACC-00202.md is a folder" in result.err, result.err
    assert _folder(out) == before


@pytest.mark.parametrize("call, n, code", [
    ("replace", 2, errno.ENOSPC),  # moving the second file in: the first is moved back
    ("fsync", 3, errno.EIO),  # writing the second temporary file: nothing was moved yet
], ids=["while-moving-in", "while-writing"])
def test_batch_failing_half_way_leaves_the_folder_as_it_was(capsys, tmp_path, monkeypatch, call, n, code):
    out = tmp_path / "due"
    out.mkdir()
    (out / "ACC-00204.md").write_text("last quarter's\n")
    (out / "notes.txt").write_text("mine\n")
    before = _folder(out)
    _fail_at(monkeypatch, call, n, code)
    result = _batch(capsys, out)
    monkeypatch.undo()
    assert result.code == 2 and f"{os.strerror(code)}; nothing was written" in result.err, result.err
    assert _folder(out) == before


def test_batch_into_a_new_folder_makes_it_whole(capsys, tmp_path):
    out = tmp_path / "due"
    assert _batch(capsys, out).code == 0
    assert sorted(p.name for p in out.iterdir()) == DUE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["due"]
    result = _batch(capsys, tmp_path / "no" / "due")
    assert result.code == 2 and "does not exist" in result.err


def test_batch_killed_before_the_folder_is_in_place_leaves_nothing(capsys, tmp_path):
    out = tmp_path / "due"
    argv = ["checklist", "--due", "--out", str(out), "--root", str(SITE_FIXTURE), "--today", TODAY]
    kill_kb_at("rename", 1, argv, tmp_path)
    assert not out.exists()
    [stale] = [p.name for p in tmp_path.iterdir()]
    assert stale.startswith(".due.kb-batch-") and stale.endswith(".tmp")
    assert _batch(capsys, out).code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["due"], "the next run removes what a killed one left"
    assert sorted(p.name for p in out.iterdir()) == DUE
