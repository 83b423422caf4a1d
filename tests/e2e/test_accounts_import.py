"""`kb accounts import`: accounts from a Salesforce export, a diff to review, all or nothing, idempotent.

The knowledge base is the minimal fixture with the crm: mapping of tests/fixtures/crm/mapping.yml
and three accounts: ACC-00001 and ACC-00002 came from the CRM (they have a Salesforce id),
ACC-00003 did not. The export tests/fixtures/crm/accounts.csv is written as Salesforce writes one:
a byte-order mark, every cell quoted, CRLF, a 15-character id, an 18-character one whose case a
tool changed, and the report's footer.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import yaml

from conftest import FIXTURES, KB, codes, kill_kb_at, only

CRM = FIXTURES / "crm"
EXPORT = CRM / "accounts.csv"
HEADER = ["Account Name", "Account ID", "Account Owner Email", "Segment", "Account Tier", "Health", "Products",
          "Created Date", "Annual Revenue", "Billing City"]
ROW = {  # the rows of EXPORT, by the account they fill
    "ACC-00001": ["Example Fuel Co", "001Ab00000XyZ12", "alice@example.com", "National Account",
                  "Tier 1 - Strategic", "Yellow", "POS;Loyalty", "2/1/2025", "$1,250,000.00", "Dayton"],
    "ACC-00002": ["Harbor Light Fuels", "0015G00000KP3ZQAAJ", "ALICE@example.com", "Regional Account",
                  "Tier 3 - Standard", "", "POS;Loyalty;Car Wash", "3/1/2024", "", "Portland"],
    "ACC-00004": ["=SUM(1;2) Market", "0015g00000Ex1AB", "alice@example.com", "Regional Account",
                  "Tier 3 - Standard", "Green", "POS", "10/1/2026", "98000", "Salem"],
}
ACCOUNTS = [f"accounts/ACC-0000{n}.yaml" for n in (1, 2, 3, 4)]
JOURNAL = ".kb-journal.json"


def export_text(*rows: list[str], header: list[str] = HEADER) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def crm(kb) -> KB:
    """The minimal knowledge base with the crm: mapping and two accounts that came from the CRM."""
    kb.write("kb.yml", kb.read("kb.yml") + (CRM / "mapping.yml").read_text(encoding="utf-8"))
    kb.edit("accounts/ACC-00001.yaml", "id: ACC-00001\n", "id: ACC-00001\nsalesforce_id: 001Ab00000XyZ12IAF\n")
    for name in ("ACC-00002.yaml", "ACC-00003.yaml"):
        shutil.copy(CRM / name, kb.root / "accounts" / name)
    kb.write("export.csv", EXPORT.read_bytes())
    assert kb.findings() == []
    return kb


def contents(kb: KB) -> dict[str, bytes | None]:
    return {rel: (kb.root / rel).read_bytes() if (kb.root / rel).exists() else None for rel in ACCOUNTS}


def imported(kb: KB, *args: str, csv_name: str = "export.csv") -> dict:
    result = kb.run("accounts", "import", str(kb.root / csv_name), "--format", "json", *args)
    assert result.code == 0, result.err
    return result.json()


def account(kb: KB, ident: str) -> dict:
    return yaml.safe_load(kb.read(f"accounts/{ident}.yaml"))


# --- 1. add, change, close -------------------------------------------------------------------


def test_the_export_adds_changes_and_closes_only_what_the_crm_owns(crm):
    before = {rel: crm.read(rel) for rel in ACCOUNTS[:3]}
    report = imported(crm)
    assert report["counts"] == {"added": 1, "changed": 2, "closed": 0, "unchanged": 0}
    assert report["rows"] == 3 and report["dry_run"] is False
    changes = {c["id"]: {k["key"]: (k["old"], k["new"]) for k in c["changes"]} for c in report["changed"]}
    assert changes == {
        "ACC-00001": {"health": (None, "yellow"), "products": (None, ["POS", "Loyalty"]),
                      "opened": (None, "2025-02-01"), "annual_revenue": (None, 1250000)},
        "ACC-00002": {"health": ("green", None), "products": (["POS", "Loyalty"], ["POS", "Loyalty", "Car Wash"])},
    }
    # the knowledge base's own keys and every other byte stay as they were
    one = crm.read(ACCOUNTS[0])
    assert one == before[ACCOUNTS[0]].replace("status: active\n", "status: active\nhealth: yellow\n").replace(
        "team: {im: person:bob}\n", "team: {im: person:bob}\nproducts: [POS, Loyalty]\nopened: 2025-02-01\n").replace(
        "plan_updated: 2026-02-01\n", "plan_updated: 2026-02-01\nannual_revenue: 1250000\n")
    two = crm.read(ACCOUNTS[1])
    assert two == before[ACCOUNTS[1]].replace("health: green\n", "").replace(
        "  - Loyalty\n", "  - Loyalty\n  - Car Wash\n")
    assert "# kept as the CRM spells it" in two and "Prefers calls on Tuesdays." in two
    assert crm.read(ACCOUNTS[2]) == before[ACCOUNTS[2]], "an account without a Salesforce id is never touched"
    # the new account: the next free id, the 18-character id, no review date invented
    [added] = report["added"]
    assert added["id"] == "ACC-00004" and added["path"] == ACCOUNTS[3] and added["row"] == 4
    new = account(crm, "ACC-00004")
    assert new == {"id": "ACC-00004", "salesforce_id": "0015g00000Ex1ABAAZ", "name": "=SUM(1;2) Market",
                   "segment": "RA", "tier": 3, "status": "active", "health": "green", "owner": "person:alice",
                   "products": ["POS"], "opened": __import__("datetime").date(2026, 10, 1), "annual_revenue": 98000}
    assert crm.read(ACCOUNTS[3]).startswith("# yaml-language-server: $schema=../schemas/account.schema.json\n")
    assert added["review_due"] == "2027-10-01" and added["plan_due"] is None  # tier 3: every 12 months, no plan
    assert crm.findings() == [], "the result of an import passes kb check"
    assert not (crm.root / JOURNAL).exists()


def test_a_new_accounts_first_review_and_plan_fall_due_after_it_was_opened(crm):
    row = [*ROW["ACC-00004"][:4], "Tier 2 - Key", *ROW["ACC-00004"][5:7], "9/15/2026", *ROW["ACC-00004"][8:]]
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"], row))
    [added] = imported(crm)["added"]
    assert (added["review_due"], added["plan_due"]) == ("2027-03-15", "2027-09-15")  # 6 months; the plan 12
    reviews = crm.run("reviews", "--format", "json").json()["items"]
    mine = {i["kind"]: i for i in reviews if i["id"] == "ACC-00004"}
    assert mine["account"]["due"] == "2027-03-15" and mine["account"]["last_review"] is None
    assert mine["account-plan"]["due"] == "2027-09-15"
    assert "last_review" not in account(crm, "ACC-00004")


def test_an_account_opened_long_ago_is_due_from_the_day_it_arrives(crm):
    old = [*ROW["ACC-00004"][:7], "3/2/2015", *ROW["ACC-00004"][8:]]
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"], old))
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 0, result.err
    assert "review dates kb check will report after the import (no review date is invented)" in result.out
    assert "first account review (opened 2015-03-02) overdue: due 2016-03-02" in result.out
    finding = only(crm.findings(), "review-overdue")
    assert finding["path"] == ACCOUNTS[3] and "first account review" in finding["message"]


def test_a_full_export_closes_the_crm_accounts_it_leaves_out_and_a_partial_one_does_not(crm):
    crm.write("export.csv", export_text(ROW["ACC-00001"]))
    partial = imported(crm, "--partial", "--dry-run")
    assert partial["counts"]["closed"] == 0 and partial["partial"] is True
    report = imported(crm)
    assert [(c["id"], c["status"]) for c in report["closed"]] == [("ACC-00002", "active")]
    assert account(crm, "ACC-00002")["status"] == "closed"
    assert crm.read(ACCOUNTS[1]).count("\n") == (CRM / "ACC-00002.yaml").read_text().count("\n")
    assert account(crm, "ACC-00003")["status"] == "active", "no Salesforce id: never closed"
    assert crm.findings() == []
    # back in the CRM: reopened
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"]))
    back = imported(crm)
    changes = {k["key"]: (k["old"], k["new"]) for k in back["changed"][0]["changes"]}
    assert back["changed"][0]["id"] == "ACC-00002" and changes["status"] == ("closed", "active")
    assert account(crm, "ACC-00002")["status"] == "active"


def test_a_sources_segments_limit_what_a_full_export_closes(crm):
    crm.edit("kb.yml", "    date_format:", "    segments: [NA]\n    date_format:")
    crm.write("export.csv", export_text(ROW["ACC-00001"]))
    assert imported(crm)["counts"]["closed"] == 0  # ACC-00002 is RA: not covered by this export


def test_keys_the_crm_does_not_own_fill_only_new_accounts(crm):
    crm.edit("kb.yml", "        values: {Tier 1 - Strategic: 1, Tier 2 - Key: 2, Tier 3 - Standard: 3}",
             "        values: {Tier 1 - Strategic: 1, Tier 2 - Key: 2, Tier 3 - Standard: 3}\n        owned: false")
    rows = [ROW["ACC-00001"], [*ROW["ACC-00002"][:4], "Tier 2 - Key", *ROW["ACC-00002"][5:]], ROW["ACC-00004"]]
    crm.write("export.csv", export_text(*rows))
    report = imported(crm)
    assert all(k["key"] != "tier" for c in report["changed"] for k in c["changes"])
    assert account(crm, "ACC-00002")["tier"] == 3 and account(crm, "ACC-00004")["tier"] == 3


# --- 2. a diff to review ---------------------------------------------------------------------


def test_a_dry_run_prints_the_diff_and_writes_nothing(crm):
    before = contents(crm)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"), "--dry-run")
    assert result.code == 0, result.err
    assert contents(crm) == before and not (crm.root / ".kb.lock").exists()
    out = result.out
    assert out.startswith(f"would import {crm.root / 'export.csv'} (source salesforce, full export, 3 rows): "
                          "1 to add, 2 to change, 0 to close, 0 unchanged\n")
    assert "add     ACC-00004  =SUM(1;2) Market  [0015g00000Ex1ABAAZ, row 4]" in out
    assert "change  ACC-00002  Harbor Light Fuels  [0015g00000Kp3ZqAAJ, row 3]" in out
    assert "          health: green → (none)" in out
    assert "          products: POS; Loyalty → POS; Loyalty; Car Wash" in out
    assert "first review due 2027-10-01" in out
    assert "dry run: 1 added, 2 changed, 0 closed; nothing written" in result.err


def test_the_markdown_diff_is_ready_for_the_pull_request(crm, tmp_path):
    out = tmp_path / "import.md"
    result = crm.run("accounts", "import", str(crm.root / "export.csv"), "--dry-run", "--format", "md",
                     "-o", str(out))
    assert result.code == 0, result.err
    assert result.out == ""
    md = out.read_text(encoding="utf-8")
    assert md.startswith("## Accounts from the CRM: ")
    assert "| 1 | 2 | 0 | 0 |" in md
    assert "| ACC-00004 | '=SUM(1;2) Market | 0015g00000Ex1ABAAZ | RA | 3 | person:alice | 2026-10-01 |" in md
    assert "| ACC-00002 | Harbor Light Fuels | health | green | (none) | 3 |" in md
    assert "### Closed" not in md
    assert contents(crm)[ACCOUNTS[3]] is None


def test_the_json_diff_is_versioned(crm):
    report = imported(crm, "--dry-run")
    assert report["version"] == 1 and report["today"] and report["source"] == "salesforce"
    assert report["dry_run"] is True and report["notes"] == []


# --- 3. all or nothing ---------------------------------------------------------------------


BAD = [
    ("Account ID", "001Ab00000XyZ", "import-id", "not a Salesforce id: 15 or 18 letters and digits"),
    ("Account ID", "001Ab00000XyZ12IAX", "import-id", "do not match the first fifteen (for these they would be IAF)"),
    ("Account ID", "", "import-missing", "the Salesforce id is empty"),
    ("Segment", "Global Account", "import-value", "unknown segment 'Global Account'; the mapping knows"),
    ("Account Tier", "Tier 0", "import-value", "unknown tier 'Tier 0'"),
    ("Created Date", "2025-02-01", "import-date", "'2025-02-01' is not a date written %m/%d/%Y (like 11/22/2026)"),
    ("Created Date", "2/30/2025", "import-date", "is not a date written"),
    ("Created Date", "1/5/2027", "import-date", "2027-01-05 is after today (2026-11-22)"),
    ("Account Owner Email", "zoe@example.com", "import-owner", "no person with email 'zoe@example.com'"),
    ("Account Owner Email", "carol@example.com", "import-owner", "person:carol (carol@example.com) left on 2026-03-31"),
    ("Account Owner Email", "bob@example.com", "import-owner", "person:bob cannot own a tier 1 account"),
    ("Account Name", "", "import-missing", "Account Name is empty; every account needs its name"),
    ("Account Name", "Two\nLines", "import-value", "U+000A"),
    ("Annual Revenue", "=1+2", "import-value", "'=1+2' is not an amount"),
    ("Health", "Purple", "import-value", "unknown health 'Purple'"),
]


@pytest.mark.parametrize("column, value, code, message", BAD, ids=[f"{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_a_bad_row_stops_the_import_at_its_row_and_column(crm, column, value, code, message):
    row = list(ROW["ACC-00001"])
    row[HEADER.index(column)] = value
    crm.write("export.csv", export_text(ROW["ACC-00002"], row))
    before = contents(crm)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1, result.err
    assert result.out == ""
    shown = str(crm.root / "export.csv")
    line = result.err.splitlines()[0]
    assert line.startswith(f"{shown}:3:{HEADER.index(column) + 1}: error: "), line
    assert line.endswith(f"[{code}]") and message in line, line
    assert result.err.splitlines()[-1] == f"kb: error: 1 problem(s) in 1 row(s) of {shown}; nothing was imported"
    assert contents(crm) == before
    assert "Traceback" not in result.err


def test_every_bad_row_is_reported_and_nothing_is_written(crm):
    rows = [list(ROW["ACC-00001"]), list(ROW["ACC-00002"]), list(ROW["ACC-00004"])]
    rows[0][HEADER.index("Segment")] = "Galactic"
    rows[0][HEADER.index("Created Date")] = "yesterday"
    rows[2][HEADER.index("Account ID")] = "0015g00000Kp3Zq"  # ACC-00002's, in its 15-character form
    crm.write("export.csv", export_text(*rows))
    before = contents(crm)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1
    found = [line.rsplit("[", 1)[1].rstrip("]") for line in result.err.splitlines()[:-1]]
    assert found == ["import-value", "import-date", "import-duplicate"]
    assert ":4:2: error: Salesforce id 0015g00000Kp3ZqAAJ is on row 3 already" in result.err
    assert contents(crm) == before


def test_a_missing_column_is_named_in_the_header(crm):
    header = [h if h != "Account Tier" else "Tier" for h in HEADER]
    crm.write("export.csv", export_text(ROW["ACC-00001"], header=header))
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1
    assert f"{crm.root / 'export.csv'}:1:1: error: no column 'Account Tier' (for tier) in the header" in result.err
    assert "[import-column]" in result.err


@pytest.mark.parametrize("data, where, code", [
    ("Account Name,Account ID\n\"Caf\xe9\n".encode("latin-1"), ":2:5:", "import-encoding"),
    (b'"Account Name","Account ID"\n"open quote,x\n', ":2:1:", "import-syntax"),
    (b"", ":1:1:", "import-syntax"),
])
def test_an_export_that_cannot_be_read_is_an_error_at_its_place(crm, data, where, code):
    crm.write("export.csv", data)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1, result.err
    assert f"export.csv{where} error: " in result.err and f"[{code}]" in result.err, result.err


def test_a_row_with_fewer_cells_than_the_header_is_an_error(crm):
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"][:5]))
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1 and ":3:6: error: the row has 5 cells, the header 10 [import-syntax]" in result.err


def test_an_account_file_that_does_not_load_stops_the_import(crm):
    crm.write("accounts/ACC-00009.yaml", "id: ACC-00009\nsalesforce_id: [\n")
    before = contents(crm)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1
    assert "refusing to import: 1 account file(s) do not load" in result.err and "ACC-00009.yaml" in result.err
    assert contents(crm) == before


def test_two_accounts_with_one_salesforce_id_stop_the_import_and_fail_kb_check(crm):
    crm.write("accounts/ACC-00005.yaml", crm.read(ACCOUNTS[1]).replace("ACC-00002", "ACC-00005"))
    finding = only(crm.findings(), "duplicate-id")
    assert finding["path"] == "accounts/ACC-00005.yaml"
    assert "salesforce_id 0015g00000Kp3ZqAAJ is also the id of ACC-00002" in finding["message"]
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1 and "have the same salesforce_id 0015g00000Kp3ZqAAJ" in result.err


def test_usage_errors_exit_2(crm):
    missing = crm.run("accounts", "import", str(crm.root / "nope.csv"))
    assert missing.code == 2 and "cannot read" in missing.err and "nope.csv" in missing.err
    unknown = crm.run("accounts", "import", str(crm.root / "export.csv"), "--source", "salesfroce")
    assert unknown.code == 2 and "did you mean 'salesforce'?" in unknown.err
    folder = crm.run("accounts", "import", str(crm.root / "accounts"))
    assert folder.code == 2 and "is a folder" in folder.err


def test_a_knowledge_base_without_a_mapping_cannot_import(kb):
    kb.write("export.csv", EXPORT.read_bytes())
    result = kb.run("accounts", "import", str(kb.root / "export.csv"))
    assert result.code == 2 and "kb.yml has no crm: section" in result.err


@pytest.mark.parametrize("edit, message", [
    (("      opened: {column: Created Date}\n", ""), "columns needs opened"),
    (("{column: Account Owner Email}", "{column: Account Owner Email, separator: ','}"),
     "separator applies to products only"),
    (("Tier 3 - Standard: 3}", "Tier 3 - Standard: 4}"), "'Tier 3 - Standard' must be 1, 2 or 3"),
    (('date_format: "%m/%d/%Y"', 'date_format: "%m/%Y"'), "does not write and read back a date"),
    (("Regional Account: RA}", "Regional Account: XX}"), "crm.salesforce: XX not among segments"),
    (("      name: {column: Account Name}", "      nmae: {column: Account Name}"), "kb.yml:"),
])
def test_a_mapping_that_cannot_be_used_exits_2_naming_kb_yml(crm, edit, message):
    crm.edit("kb.yml", *edit)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 2, result.err
    assert "kb.yml" in result.err and message in result.err, result.err


# --- idempotent ------------------------------------------------------------------------------


def test_importing_the_same_export_twice_changes_nothing(crm):
    imported(crm)
    after = contents(crm)
    stats = {rel: (crm.root / rel).stat().st_mtime_ns for rel in ACCOUNTS}
    again = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert again.code == 0, again.err
    assert "0 to add" not in again.out and ": 0 added, 0 changed, 0 closed, 3 unchanged" in again.out
    assert contents(crm) == after
    assert {rel: (crm.root / rel).stat().st_mtime_ns for rel in ACCOUNTS} == stats
    assert "0 file(s) written" in again.err


# --- 15- and 18-character ids, dates, formula characters ---------------------------------------


@pytest.mark.parametrize("given", ["001Ab00000XyZ12", "001Ab00000XyZ12IAF", "001AB00000XYZ12IAF", "001ab00000xyz12iaf",
                                   " 001Ab00000XyZ12IAF "])
def test_any_form_of_the_id_matches_the_account(crm, given):
    row = list(ROW["ACC-00001"])
    row[1] = given
    crm.write("export.csv", export_text(row, ROW["ACC-00002"]))
    report = imported(crm, "--dry-run")
    assert report["counts"]["added"] == 0
    assert next(c["salesforce_id"] for c in report["changed"]) == "001Ab00000XyZ12IAF"


def test_a_locale_date_format_and_date_time_cells(crm):
    crm.edit("kb.yml", 'date_format: "%m/%d/%Y"', 'date_format: "%d.%m.%Y"\n    decimal: ","')
    rows = [list(ROW["ACC-00001"]), list(ROW["ACC-00004"]), list(ROW["ACC-00002"])]
    rows[0][7], rows[0][8] = "01.02.2025 09:14", "EUR 1.250.000,00"
    rows[1][7], rows[1][8] = "01.10.2026", "98.000,50"
    rows[2][7] = "01.03.2024"
    crm.write("export.csv", export_text(*rows))
    report = imported(crm)
    changes = {k["key"]: k["new"] for k in report["changed"][0]["changes"]}
    assert changes["opened"] == "2025-02-01" and changes["annual_revenue"] == 1250000
    assert report["added"][0]["values"]["opened"] == "2026-10-01"
    assert account(crm, "ACC-00004")["annual_revenue"] == 98000.5


@pytest.mark.parametrize("cell", ["11/22/2026 10:32 AM", "11/22/2026, 10:32 AM", "11/22/2026 22:32:05"])
def test_a_time_after_the_date_is_ignored(crm, cell):
    row = list(ROW["ACC-00004"])
    row[7] = cell
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"], row))
    assert imported(crm, "--dry-run")["added"][0]["values"]["opened"] == "2026-11-22"


FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1 Fuel", "-2+3 Gas", "@SUM(1,2)", "\uff1dFull Width"]


def test_formula_characters_are_read_as_text_and_neutralised_where_written_out(crm, tmp_path):
    rows = []
    for i, name in enumerate(FORMULAS):
        row = list(ROW["ACC-00004"])
        row[0], row[1] = name, f"0015g00000Zz{i:03d}"
        rows.append(row)
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"], *rows))
    report = imported(crm)
    assert [a["values"]["name"] for a in report["added"]] == FORMULAS
    assert [account(crm, a["id"])["name"] for a in report["added"]] == FORMULAS, "stored exactly as text"
    # the NA/RA report's CSV and Markdown, and the import's Markdown diff
    table = crm.run("accounts", "report", "--format", "csv").out
    names = [r["name"] for r in csv.DictReader(io.StringIO(table)) if r["id"] >= "ACC-00004"]
    assert names == ["'" + n for n in FORMULAS]
    md = crm.run("accounts", "report").out
    assert "| '=HYPERLINK(\"http://x\",\"y\") |" in md and "| '&#64;SUM(1,2) |" in md and "| '+1 Fuel |" in md
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"]))  # the five are closed next
    diff = crm.run("accounts", "import", str(crm.root / "export.csv"), "--dry-run", "--format", "md").out
    for name in FORMULAS:
        cell = name.replace("@", "&#64;")
        assert f"| '{cell} |" in diff, name


def test_the_example_mapping_reads_the_salesforce_footer_and_byte_order_mark(crm):
    data = EXPORT.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"Copyright (c)" in data
    assert imported(crm, "--dry-run")["rows"] == 3


# --- kill in the middle: every file old or new, the journal honest ---------------------------------


def _killed(kb: KB, name: str, n: int) -> None:
    argv = ["accounts", "import", str(kb.root / "export.csv"), "--root", str(kb.root), "--today", "2026-11-22"]
    kill_kb_at(name, n, argv, kb.root.parent)


def _whole_import(kb: KB) -> dict[str, bytes | None]:
    scratch = kb.root.parent / "scratch"
    shutil.copytree(kb.root, scratch)
    other = KB(scratch, kb._capsys)
    assert other.run("accounts", "import", str(scratch / "export.csv")).code == 0
    new = contents(other)
    shutil.rmtree(scratch)
    return new


# os.replace writes the two changed accounts; os.link creates the journal (#1), then the new account (#2);
# os.unlink removes each link's temporary name, the third call the journal.
@pytest.mark.parametrize("call, n, written", [("replace", 1, 0), ("replace", 2, 1), ("link", 2, 2), ("unlink", 3, 3)])
@pytest.mark.parametrize("how", ["resume", "rollback"])
def test_an_import_killed_half_way_leaves_every_file_old_or_new_and_recovers(crm, call, n, written, how):
    old, new = contents(crm), _whole_import(crm)
    order = [ACCOUNTS[0], ACCOUNTS[1], ACCOUNTS[3]]  # the order the import writes them
    _killed(crm, call, n)
    now = contents(crm)
    for i, rel in enumerate(order):
        assert now[rel] == (new if i < written else old)[rel], rel
    assert now[ACCOUNTS[2]] == old[ACCOUNTS[2]]
    finding = only(crm.findings(), "interrupted-write")
    assert f"after writing {written} of 3 files" in finding["message"]
    record = json.loads((crm.root / JOURNAL).read_text(encoding="utf-8"))
    assert record["command"].startswith("kb accounts import ") and record["command"].endswith("--source salesforce")
    assert [f["path"] for f in record["files"]] == order
    assert record["files"][2]["old"] is None and record["files"][2]["old_sha256"] is None
    refused = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert refused.code == 2 and "interrupted write must be finished or undone first" in refused.err
    status = crm.run("recover", today=None)
    assert status.code == 1 and f"{ACCOUNTS[3]}: {'new' if written == 3 else 'old'}" in status.out
    result = crm.run("recover", f"--{how}", today=None)
    assert result.code == 0, result.err
    assert contents(crm) == (new if how == "resume" else old)
    if how == "rollback" and written == 3:
        assert f"{ACCOUNTS[3]}: removed (the write created it)" in result.out
    assert crm.findings() == []
    assert sorted(p.name for p in crm.root.rglob("*.tmp")) == []
    # and the import, finished or undone, can run (again): nothing left to do, or everything
    final = imported(crm)
    assert final["counts"]["added"] == (0 if how == "resume" else 1)
    assert contents(crm) == new


def test_killed_before_the_journal_is_written_the_import_never_happened(crm):
    old = contents(crm)
    _killed(crm, "link", 1)
    assert contents(crm) == old
    assert not (crm.root / JOURNAL).exists()
    assert codes(crm.findings()) == []


# --- more of the mapping ---------------------------------------------------------------------


def test_leading_tabs_and_carriage_returns_are_space_around_a_value_that_is_text(crm):
    rows = []
    for i, name in enumerate(["\t+1 Fuel", "\r=Market", " @Home "]):
        row = list(ROW["ACC-00004"])
        row[0], row[1] = name, f"0015g00000Zy{i:03d}"
        rows.append(row)
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"], *rows))
    report = imported(crm)
    assert [a["values"]["name"] for a in report["added"]] == ["+1 Fuel", "=Market", "@Home"]
    table = crm.run("accounts", "report", "--format", "csv").out
    assert {r["name"] for r in csv.DictReader(io.StringIO(table))} >= {"'+1 Fuel", "'=Market", "'@Home"}


def test_owners_matched_by_name_and_an_ambiguous_name(crm):
    crm.edit("kb.yml", "      owner: {column: Account Owner Email}", "      owner: {column: Owner, match: name}")
    header = [h if h != "Account Owner Email" else "Owner" for h in HEADER]
    rows = [list(ROW["ACC-00001"]), list(ROW["ACC-00002"])]
    rows[0][2], rows[1][2] = "alice  example", "Alice Example"
    crm.write("export.csv", export_text(*rows, header=header))
    assert imported(crm, "--dry-run")["counts"]["added"] == 0
    crm.edit("org/people.yaml", "name: Bob Example", "name: Alice Example")
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1 and "2 people have the name 'alice  example' (person:alice, person:bob)" in result.err


def test_an_empty_cell_can_be_an_error(crm):
    crm.edit("kb.yml", "health: {column: Health, empty: clear}", "health: {column: Health, empty: error}")
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1 and ":3:6: error: Health is empty; every account needs its health [import-missing]" in (
        result.err)


def test_two_sources_need_source(crm):
    crm.write("kb.yml", crm.read("kb.yml").replace("crm:\n  salesforce:", "crm:\n  other:\n    id_column: Id\n"
                                                   "    columns: {name: {column: N}, segment: {column: S}, tier: "
                                                   "{column: T}, owner: {column: O}, opened: {column: C}}\n"
                                                   "  salesforce:"))
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 2 and "kb.yml maps 2 sources (other, salesforce); name one" in result.err
    assert imported(crm, "--source", "salesforce", "--dry-run")["source"] == "salesforce"
    other = crm.run("accounts", "import", str(crm.root / "export.csv"), "--source", "other")
    assert other.code == 1 and "no column 'Id' (for salesforce_id) in the header" in other.err


def test_a_value_that_cannot_be_edited_in_place_is_its_rows_problem(crm):
    crm.edit(ACCOUNTS[1], "name: Harbor Light Fuels   # kept as the CRM spells it", "name: >-\n  Harbor Light")
    before = contents(crm)
    result = crm.run("accounts", "import", str(crm.root / "export.csv"))
    assert result.code == 1
    assert ":3:2: error: ACC-00002 cannot be updated: 'name' in accounts/ACC-00002.yaml is not a one-line value; " \
           "edit it by hand [import-record]" in result.err
    assert contents(crm) == before


def test_what_was_wrong_with_an_account_already_is_not_the_imports_doing(crm):
    crm.edit(ACCOUNTS[1], "owner: person:alice\n", "owner: person:alice\nteam: {csm: person:carol}\n")
    assert "inactive-owner" in codes(crm.findings())
    report = imported(crm)
    assert report["counts"]["changed"] == 2
    assert "inactive-owner" in codes(crm.findings()), "still there: the import neither made nor hid it"


def test_a_new_account_named_like_one_without_a_salesforce_id_is_pointed_out(crm):
    row = list(ROW["ACC-00004"])
    row[0] = "hand kept market"
    crm.write("export.csv", export_text(ROW["ACC-00001"], ROW["ACC-00002"], row))
    report = imported(crm, "--dry-run")
    assert report["added"][0]["same_name"] == "ACC-00003"
    text = crm.run("accounts", "import", str(crm.root / "export.csv"), "--dry-run").out
    assert "note: ACC-00003 has the same name and no salesforce_id: if it is this account, add the id there" in text


def test_the_knowledge_base_is_freed_when_the_import_ends(crm, monkeypatch):
    """kb pauses the cyclic garbage collector, so a reference cycle would keep every record alive to the end
    (and make exiting slow): the knowledge base must go when the command returns."""
    import gc
    import weakref

    from kbtools.commands import common

    loaded = []
    real = common.load

    def load(root):
        kb = real(root)
        loaded.append(weakref.ref(kb))
        return kb

    monkeypatch.setattr(common, "load", load)
    enabled = gc.isenabled()
    gc.disable()
    try:
        assert crm.run("accounts", "import", str(crm.root / "export.csv")).code == 0
        assert [ref() for ref in loaded] == [None]
    finally:
        if enabled:
            gc.enable()


def test_a_new_account_takes_its_first_review_like_any_other(crm):
    imported(crm)
    result = crm.run("review", "ACC-00004", "--by", "person:alice", "--date", "2026-11-20")
    assert result.code == 0, result.err
    assert "last_review unset -> 2026-11-20" in result.out and "next review due 2027-11-20" in result.out
    text = crm.read(ACCOUNTS[3])
    assert "status: active\nlast_review: 2026-11-20\n" in text and "opened: 2026-10-01\n" in text
    assert crm.findings() == []
    assert imported(crm)["counts"]["changed"] == 0, "the review is the knowledge base's: the import leaves it"
