"""`kb accounts report`: the NA/RA report the Sales Support Manager receives, in Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import KB

MORE = {  # besides the fixture's ACC-00001 (NA, tier 1, alice, reviewed 2026-10-01, plan 2026-02-01)
    "ACC-00002": "id: ACC-00002\nname: Regional One\nsegment: RA\ntier: 2\nstatus: active\nhealth: red\n"
                 "owner: person:alice\nlast_review: 2026-01-10\n",
    "ACC-00003": "id: ACC-00003\nname: Regional Two\nsegment: RA\ntier: 3\nstatus: active\nowner: person:bob\n"
                 "opened: 2026-11-01\n",
    "ACC-00004": "id: ACC-00004\nname: Gone Away\nsegment: NA\ntier: 3\nstatus: closed\nowner: person:bob\n",
}


@pytest.fixture
def accounts(kb) -> KB:
    for ident, text in MORE.items():
        kb.write(f"accounts/{ident}.yaml", text)
    return kb


def _rows(kb: KB, *args: str) -> list[dict]:
    result = kb.run("accounts", "report", "--format", "json", *args)
    assert result.code == 0, result.err
    return result.json()["accounts"]


def test_one_row_per_open_account_with_review_and_plan_state(accounts):
    rows = {r["id"]: r for r in _rows(accounts)}
    assert list(rows) == ["ACC-00001", "ACC-00002", "ACC-00003"]  # NA before RA (kb.yml's order), then tier
    one, two, three = rows.values()
    assert (one["review_state"], one["review_due"], one["plan_state"], one["plan_due"]) == (
        "ok", "2027-01-01", "ok", "2027-02-01")
    assert (two["review_state"], two["review_due"], two["plan_state"]) == ("overdue", "2026-07-10", "missing")
    assert (three["review_state"], three["review_due"], three["plan_state"]) == ("ok", "2027-11-01", "n/a")
    assert three["last_review"] is None and three["owner_name"] == "Bob Example"
    assert one["health"] is None and two["health"] == "red"


def test_filters_and_closed_accounts(accounts):
    assert [r["id"] for r in _rows(accounts, "--segment", "RA")] == ["ACC-00002", "ACC-00003"]
    assert [r["id"] for r in _rows(accounts, "--tier", "1", "--tier", "2")] == ["ACC-00001", "ACC-00002"]
    assert [r["id"] for r in _rows(accounts, "--owner", "person:bob")] == ["ACC-00003"]
    with_closed = _rows(accounts, "--owner", "person:bob", "--include-closed")
    assert [(r["id"], r["review_state"]) for r in with_closed] == [("ACC-00004", "none"), ("ACC-00003", "ok")]
    assert [r["id"] for r in _rows(accounts, "--segment", "na")] == ["ACC-00001"]
    bad = accounts.run("accounts", "report", "--segment", "RAA")
    assert bad.code == 2 and "unknown segment 'RAA'" in bad.err and "did you mean 'RA'?" in bad.err
    assert accounts.run("accounts", "report", "--owner", "alice").code == 2
    assert accounts.run("accounts", "report", "--tier", "4").code == 2


def test_the_summary_counts_by_segment_tier_health_and_owner(accounts):
    report = accounts.run("accounts", "report", "--format", "json").json()
    s = report["summary"]
    assert report["version"] == 1 and report["filters"]["segment"] == []
    assert s["accounts"] == 3 and s["segment"] == {"NA": 1, "RA": 2}
    assert s["segment_tier"] == {"NA": {"1": 1, "2": 0, "3": 0}, "RA": {"1": 0, "2": 1, "3": 1}}
    assert s["health"] == {"unset": 2, "red": 1}
    assert s["review_state"] == {"ok": 2, "overdue": 1} and s["plan_state"] == {"ok": 1, "missing": 1, "n/a": 1}
    assert s["owner"]["person:alice"]["accounts"] == 2 and s["owner"]["person:alice"]["reviews_overdue"] == 1
    assert s["owner"]["person:alice"]["plans_late"] == 1


def test_markdown_has_the_tables_the_ssm_reads(accounts):
    result = accounts.run("accounts", "report")
    assert result.code == 0, result.err
    md = result.out
    assert md.startswith("## NA/RA accounts report, 2026-11-22\n\n3 accounts (every open account).")
    for heading in ("### By segment and tier", "### By health", "### Reviews and account plans", "### By owner",
                    "### NA accounts", "### RA accounts"):
        assert heading in md
    assert "| NA | 1 | 0 | 0 | 1 |" in md and "| all | 1 | 1 | 1 | 3 |" in md
    assert "| ACC-00002 | Regional One | 2 | person:alice | red | active | OVERDUE | 2026-07-10 | missing |  |" in md


def test_csv_has_one_row_per_account(accounts, tmp_path):
    out = tmp_path / "report.csv"
    assert accounts.run("accounts", "report", "--format", "csv", "-o", str(out)).code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["ACC-00001", "ACC-00002", "ACC-00003"]
    assert list(rows[0])[:5] == ["segment", "tier", "owner", "owner_name", "id"]


def test_a_file_that_does_not_load_is_noted_and_fails_the_report(accounts):
    accounts.write("accounts/ACC-00009.yaml", "id: ACC-00009\nname: [\n")
    result = accounts.run("accounts", "report")
    assert result.code == 1 and "kept some files out of this report; run kb check" in result.err
