"""CSV formula injection: every cell of every CSV the project writes is safe to open in a spreadsheet.

The writers are found by reading the package's source (who imports `csv`, who
calls `csv_text`), so a new CSV writer that is not listed here fails the test.
Each listed writer is then run on a knowledge base whose values (titles,
steps, roles, people, items, approvals, owners) start with formula characters.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
import re

import pytest

from conftest import REPO, TODAY

PACKAGE = REPO / "kbtools"
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tTAB", "\rCR",
           "\uff1d1+1", "\uff0b2", "\uff0d3", "\uff20x"]  # the last four: full-width = + - @
# What a spreadsheet runs as a formula (written out here, not taken from the code under test).
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def runs_as_formula(cell: str) -> bool:
    return cell.startswith(FORMULA) and re.fullmatch(r"[+-]?\d+(\.\d*)?", cell) is None


def _modules() -> dict[str, ast.Module]:
    return {p.relative_to(PACKAGE).as_posix(): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(PACKAGE.rglob("*.py"))}


def _imports_csv(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "csv" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            return True
    return False


def _calls(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == name
               for n in ast.walk(tree))


def test_only_the_one_helper_writes_csv():
    modules = _modules()
    # crm/export.py reads CRM exports with the csv module and writes none
    assert [m for m, tree in modules.items() if _imports_csv(tree)] == ["crm/export.py", "output.py"]
    assert not _calls(modules["crm/export.py"], "writer") and not _calls(modules["crm/export.py"], "DictWriter")
    assert sorted(m for m, tree in modules.items() if _calls(tree, "csv_text")) == sorted(WRITERS)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_cell_gets_a_quote_in_front(value):
    from kbtools.output import csv_cell

    assert runs_as_formula(value)
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-3", "+1.5", "0", ".5", "plain", "", "a=b", " =not first", "2026-11-22"])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    from kbtools.output import csv_cell

    assert csv_cell(value) == value


def test_none_is_an_empty_cell():
    from kbtools.output import csv_text

    assert csv_text(["a", "b"], [[None, 3]]) == "a,b\r\n,3\r\n"


# --- each writer on hostile content --------------------------------------------------------


def _hostile(kb) -> None:
    sop = "sops/ops/SOP-OPS-001.md"
    kb.edit(sop, "title: Review an account", f"title: {json.dumps(HOSTILE[0])}")
    kb.edit(sop, "title: Gather records", f"title: {json.dumps(HOSTILE[1])}")
    kb.edit(sop, "items: [Contracts, Invoices]", f"items: [{json.dumps(HOSTILE[2])}, Invoices]")
    kb.edit(sop, "label: Customer satisfaction", f"label: {json.dumps(HOSTILE[3])}")
    kb.edit(sop, 'title: "Approval: status"', f"title: {json.dumps(HOSTILE[4])}")
    kb.edit("org/roles.yaml", "name: Account Manager", f"name: {json.dumps(HOSTILE[5])}")
    kb.edit("org/roles.yaml", "name: Manager", f"name: {json.dumps(HOSTILE[6])}")
    kb.edit("org/people.yaml", "name: Alice Example", f"name: {json.dumps(HOSTILE[7])}")
    kb.edit("accounts/ACC-00001.yaml", "name: Example Fuel Co", f"name: {json.dumps(HOSTILE[8])}")
    assert kb.findings() == []


def _reviews_csv(kb) -> str:
    result = kb.run("reviews", "--format", "csv", today="2027-06-01")
    assert result.code == 1, result.err  # overdue by then
    return result.out


def _checklist_csv(kb) -> str:
    result = kb.run("checklist", "SOP-OPS-001", "--account", "ACC-00001", "--format", "csv")
    assert result.code == 0, result.err
    return result.out


def _site_download_csv(kb) -> str:
    """The blank checklist the site publishes for download."""
    from kbtools.load.loader import load
    from kbtools.site import urls
    from kbtools.site.downloads import write_checklists
    from kbtools.site.view import build_view

    site = kb.root.parent / "site"
    written = write_checklists(build_view(load(kb.root), "internal", dt.date.fromisoformat(TODAY)), site)
    assert written == [urls.checklist("SOP-OPS-001", fmt) for fmt in ("md", "csv", "html")]
    return (site / urls.checklist("SOP-OPS-001", "csv")).read_text(encoding="utf-8")


def _feedback_store(kb) -> None:
    """Feedback and gaps whose every free-text field is hostile, in the knowledge base's default store."""
    from kbtools.loop.store import NewItem, Store

    with Store(kb.root / ".kb" / "store.sqlite3") as store:
        for n, value in enumerate(HOSTILE):
            store.add(NewItem(kind="feedback", audience="internal", doc="SOP-OPS-001", version="1.0", helpful=False,
                              text=value, page=value, sender=value))
            store.add(NewItem(kind="gap", audience="internal", text=value, gap_kind="cannot", product=value,
                              account=HOSTILE[-1 - n]))


def _feedback_csv(*args: str):
    def make(kb) -> str:
        _feedback_store(kb)
        result = kb.run("feedback", *args, "--format", "csv")
        assert result.code == 0, result.err
        return result.out

    make.__name__ = f"_feedback_{args[0]}_csv"
    return make


def _started_run(kb) -> None:
    """A run of the hostile checklist, with hostile comments and a hostile field value, in the default store."""
    from kbtools.load.loader import load
    from kbtools.loop.store import Store
    from kbtools.runs import work

    assert kb.run("run", "start", "SOP-OPS-001", "--account", "ACC-00001").code == 0
    with Store(kb.root / ".kb" / "store.sqlite3") as store:
        for value in HOSTILE:
            store.add_run_comment(1, "gather", value, by=value)
        record = store.get_run(1)
        change = work.Change("gather/items/1", "tick")
        store.change_run(1, work.decide(load(kb.root), work.checklist_of(record), change,
                                        work.Actor(HOSTILE[0], None)), by=HOSTILE[0])


def _run_export_csv(kb) -> str:
    _started_run(kb)
    result = kb.run("run", "export", "RUN-1", "--format", "csv")
    assert result.code == 0, result.err
    return result.out


def _run_list_csv(kb) -> str:
    _started_run(kb)
    result = kb.run("run", "list", "--format", "csv")
    assert result.code == 0, result.err
    return result.out


# The modules that call csv_text, and how to make each CSV they write (the CLI's and the site's checklists
# both come from checklist/render.py).
def _accounts_report_csv(kb) -> str:
    result = kb.run("accounts", "report", "--format", "csv")
    assert result.code == 0, result.err
    return result.out


WRITERS = {
    "commands/reviews.py": [_reviews_csv],
    "checklist/render.py": [_checklist_csv, _site_download_csv],
    "crm/report.py": [_accounts_report_csv],
    "loop/report.py": [_feedback_csv("list"), _feedback_csv("export"), _feedback_csv("stats")],
    "runs/render.py": [_run_export_csv],
    "commands/run.py": [_run_list_csv],
}


@pytest.mark.parametrize("make", [m for makers in WRITERS.values() for m in makers], ids=lambda m: m.__name__)
def test_no_cell_of_any_csv_can_run_as_a_formula(kb, make):
    _hostile(kb)
    text = make(kb)
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert cells, text
    dangerous = [c for c in cells if runs_as_formula(c)]
    assert dangerous == [], dangerous
    neutralised = [c for c in cells if c.startswith("'") and runs_as_formula(c[1:])]
    assert neutralised, "the hostile values must reach the CSV, neutralised"


def test_every_hostile_value_reaches_the_checklist_neutralised(kb):
    _hostile(kb)
    cells = [c for row in csv.reader(io.StringIO(_checklist_csv(kb))) for c in row]
    for value in HOSTILE[1:8]:
        assert any(c.startswith("'" + value) for c in cells), (value, cells)

