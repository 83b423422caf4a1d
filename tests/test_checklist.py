"""`kb checklist`: blank and filled checklists in every format, batch mode, bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from html.parser import HTMLParser

import pytest

from conftest import KB, REPO, run_kb

GOLDEN = REPO / "tests" / "golden"
FIXED = ["--today", "2026-11-22", "--start", "2026-12-01", "--root", str(REPO)]

CASES = [
    ("TPL-AM-001", None, []),
    ("TPL-AM-001", "ACC-00101", []),
    ("SOP-CS-001", None, []),
    ("SOP-CS-001", "ACC-00120", []),
    ("PRC-SAD-001", "ACC-00101", []),
]


def _name(doc, account, fmt):
    return f"{doc}.{account or 'blank'}.{fmt}"


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
@pytest.mark.parametrize("doc, account, extra", CASES)
def test_real_content_matches_golden_files(capsys, doc, account, extra, fmt):
    argv = ["checklist", doc, "--format", fmt, *FIXED, *extra]
    if account:
        argv += ["--account", account]
    result = run_kb(argv, capsys)
    assert result.code == 0, result.err
    golden = GOLDEN / _name(doc, account, fmt)
    if os.environ.get("KB_UPDATE_GOLDEN"):
        golden.write_bytes(result.out.encode("utf-8"))
    assert result.out == golden.read_bytes().decode("utf-8"), f"differs from {golden.name}"


def _json(capsys, *args):
    result = run_kb(["checklist", *args, "--format", "json", *FIXED], capsys)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_template_checklist_is_complete(capsys):
    cl = _json(capsys, "TPL-AM-001", "--account", "ACC-00101")
    assert len(cl["steps"]) == 20
    gates = [s for s in cl["steps"] if s["approval"]]
    assert [g["number"] for g in gates] == [5, 8, 15, 19]
    assert [[c["number"] for c in g["approval"]["covers"]] for g in gates] == [[1, 2, 3, 4], [6, 7], [13, 14], [18]]
    assert all(g["approval"]["approvers"] for g in gates)
    scale = [f for s in cl["steps"] for f in s["fields"] if f["kind"] == "single" and "Very Satisfied" in f["options"]]
    assert scale[0]["options"] == ["Very Satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very Dissatisfied"]
    # every working step is assigned: the account owner holds the account-manager role
    assert all(s["assignees"] for s in cl["steps"])
    assert cl["steps"][0]["assignees"][0]["ref"] == cl["account"]["owner"]["ref"]
    assert cl["source"] == {"id": "TPL-AM-001", "title": "Account management template", "type": "template",
                            "version": cl["source"]["version"], "path": "sops/am/TPL-AM-001.md"}


def test_transition_fills_in_the_new_csm_from_the_account(capsys):
    cl = _json(capsys, "SOP-CS-001", "--account", "ACC-00120")
    assert cl["inputs"]["to"].startswith("person:jlindqvist")
    last = cl["steps"][-1]
    assert last["assignees"][0]["ref"] == "person:jlindqvist"
    assert cl["account"]["transition"]["to"] == "person:jlindqvist"
    assert cl["account"]["open_tickets"] and cl["account"]["opportunities"]


def test_set_overrides_an_input(capsys):
    cl = _json(capsys, "SOP-CS-001", "--account", "ACC-00120", "--set", "to=person:wtan")
    assert cl["steps"][-1]["assignees"][0]["ref"] == "person:wtan"


def test_transition_without_target_needs_set(capsys):
    result = run_kb(["checklist", "SOP-CS-001", "--account", "ACC-00101", *FIXED], capsys)
    assert result.code == 2
    assert "--set to=" in result.err


def test_due_dates_count_from_start(capsys):
    cl = _json(capsys, "PRC-SAD-001", "--account", "ACC-00101")
    dues = {s["due_after"]: s["due"] for s in cl["steps"] if s["due_after"]}
    assert dues == {"30 days": "2026-12-31", "60 days": "2027-01-30", "90 days": "2027-03-01"}


def test_csv_reads_back(capsys):
    result = run_kb(["checklist", "TPL-AM-001", "--account", "ACC-00101", "--format", "csv", *FIXED], capsys)
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert list(rows[0]) == ["step", "step_title", "kind", "item", "role", "assignee", "due", "approval"]
    assert {r["step"] for r in rows} == {str(n) for n in range(1, 21)}
    approvals = [r for r in rows if r["kind"] == "approval"]
    assert [r["step"] for r in approvals] == ["5", "8", "15", "19"]
    assert all(r["approval"] for r in approvals)
    assert any(r["item"] == "Financial statements" for r in rows)


def test_markdown_is_a_task_list_ending_with_its_source(capsys):
    result = run_kb(["checklist", "TPL-AM-001", *FIXED], capsys)
    lines = result.out.strip().splitlines()
    assert "- [ ] Financial statements" in lines
    assert lines[-1].startswith("Generated from TPL-AM-001 version ")


def test_html_is_standalone(capsys):
    result = run_kb(["checklist", "TPL-AM-001", "--format", "html", *FIXED], capsys)
    page = result.out
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "@media print" in page and 'type="checkbox"' in page and 'type="radio"' in page


def test_json_validates_against_the_committed_schema(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "schemas" / "checklist.schema.json").read_text())
    cl = _json(capsys, "SOP-CS-001", "--account", "ACC-00120")
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
    assert cl["steps"][0]["assignees"] == [{"ref": "person:alice", "name": "Alice Example", "email": "alice@example.com"}]
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
    result = kb.run("checklist", "SOP-OPS-001", "-o", str(out))
    assert result.code == 0 and out.read_text().startswith("## Review an account")
    assert [p.name for p in out.parent.iterdir()] == ["review.md"]


# --- batch ------------------------------------------------------------------------------


def test_batch_writes_one_checklist_per_due_account(capsys, tmp_path):
    out = tmp_path / "due"
    result = run_kb(["checklist", "--due", "--within", "30", "--out", str(out), "--root", str(REPO),
                     "--today", "2026-11-22"], capsys)
    assert result.code == 0, result.err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["ACC-00102.md", "ACC-00104.md", "ACC-00107.md", "ACC-00115.md", "ACC-00122.md"]
    assert "5 account-review checklist(s) from TPL-AM-001" in result.out
    assert "Harborline" not in (out / "ACC-00102.md").read_text()


def test_batch_needs_out(kb):
    result = kb.run("checklist", "--due")
    assert result.code == 2 and "--out" in result.err
