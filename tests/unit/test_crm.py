"""The pieces of `kb accounts import`: Salesforce ids, reading an export, the edits it makes, the account model."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURE
from kbtools import models
from kbtools.crm.export import parse
from kbtools.crm.salesforce_id import is_canonical, normalised, suffix
from kbtools.edit import inplace
from kbtools.edit.scaffold import free_ids, next_account_ids
from kbtools.load.loader import load, load_text
from kbtools.output import md_cell

# --- Salesforce ids ----------------------------------------------------------------------


@pytest.mark.parametrize("id15, id18", [
    ("00558000001N0Ke", "00558000001N0KeAAK"),  # a published example (PyPI salesforce_id_converter)
    ("001i000000NqMKp", "001i000000NqMKpAAN"),  # chunk 3 "NqMKp": N, M, K upper = 1 + 4 + 8 = 13 = N
    ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
    ("a0B5g00000AbCdE", "a0B5g00000AbCdEEAV"),  # "AbCdE": 1 + 4 + 16 = 21 = V
    ("000000000000000", "000000000000000AAA"),
    ("AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA555"),
])
def test_the_checksum_of_a_15_character_id(id15, id18):
    assert id15 + suffix(id15) == id18
    assert normalised(id15) == (id18, None)
    assert normalised(id18) == (id18, None)
    assert is_canonical(id18)


def test_an_18_character_id_whose_case_was_lost_gets_it_back():
    assert normalised("001I000000NQMKPAAN") == ("001i000000NqMKpAAN", None)
    assert normalised("001i000000nqmkpaan") == ("001i000000NqMKpAAN", None)
    assert not is_canonical("001i000000nqmkpAAN")


@pytest.mark.parametrize("raw, problem", [
    ("001i000000NqMKpAAB", "do not match the first fifteen (for these they would be AAN)"),
    ("001i000000NQmkpAAN", "do not match"),  # mixed case that is not the checksum's
    ("001i000000NqMK", "15 or 18 letters and digits"),
    ("001i000000NqMKp-AN", "15 or 18 letters and digits"),
    ("001i000000NqMKpA9N", "not a checksum"),
    ("00100000000000000B", "do not match"),  # a bit set for a digit
    ("", "the Salesforce id is empty"),
])
def test_what_is_not_a_salesforce_id(raw, problem):
    found, why = normalised(raw)
    assert found is None and problem in why


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=15, max_size=15))
def test_every_form_of_an_id_normalises_to_one(id15):
    id18 = id15 + suffix(id15)
    assert normalised(id15)[0] == normalised(id18)[0] == normalised(id18.upper())[0] == normalised(id18.lower())[0]
    assert is_canonical(id18)


# --- reading an export ------------------------------------------------------------------------


def test_the_salesforce_footer_blank_rows_and_a_trailing_delimiter_are_left_out():
    data = ('\ufeff"A","B"\r\n"1","2",\r\n\r\n"3","4"\r\n\r\n"Report"\r\n"Copyright (c) salesforce.com"\r\n'
            .encode())
    export, findings = parse(data, "x.csv")
    assert findings == [] and export is not None
    assert export.header == ("A", "B")
    assert [(r.number, r.cells) for r in export.rows] == [(2, ("1", "2")), (4, ("3", "4"))]


def test_a_quoted_cell_with_line_breaks_is_one_row():
    export, findings = parse(b'A,B\n"two\nlines",x\ny,z\n', "x.csv")
    assert findings == []
    assert [(r.number, r.cells) for r in export.rows] == [(2, ("two\nlines", "x")), (3, ("y", "z"))]


def test_cells_are_kept_as_the_text_they_are():
    export, _ = parse(b'A\n"=SUM(A1)"\n+1\n"@x"\n', "x.csv")
    assert [r.cells[0] for r in export.rows] == ["=SUM(A1)", "+1", "@x"]


def test_another_delimiter():
    export, findings = parse(b"A;B\n1;2\n", "x.csv", ";")
    assert findings == [] and export.rows[0].cells == ("1", "2")


# --- the edits --------------------------------------------------------------------------------


@pytest.fixture
def minimal_kb():
    return load(FIXTURE)


def _edit(kb, text: str) -> inplace.FileEdit:
    entry, findings = load_text(kb, "accounts/ACC-00001.yaml", text)
    assert entry is not None and findings == [], findings
    return inplace.FileEdit(entry, text, text.encode())


BASE = "id: ACC-00001\nname: A\nsegment: NA\ntier: 3\nstatus: active\nowner: person:alice\nlast_review: 2026-10-01\n"


@pytest.mark.parametrize("before, after", [
    (BASE + "products: [POS]\n", BASE + "products: [POS, \"Fuel, Oil\", \"[x]\"]\n"),
    (BASE + "products:\n  - POS\n  - Old\n# end\n",
     BASE + "products:\n  - POS\n  - \"Fuel, Oil\"\n  - \"[x]\"\n# end\n"),
    (BASE + "products:\n- POS\n", BASE + "products:\n- POS\n- \"Fuel, Oil\"\n- \"[x]\"\n"),
    (BASE, BASE.replace("owner: person:alice\n", "owner: person:alice\nproducts: [POS, \"Fuel, Oil\", \"[x]\"]\n")),
    (BASE.replace("\n", "\r\n") + "products:\r\n  - POS\r\n",
     BASE.replace("\n", "\r\n") + "products:\r\n  - POS\r\n  - \"Fuel, Oil\"\r\n  - \"[x]\"\r\n"),
])
def test_a_list_keeps_its_style(minimal_kb, before, after):
    fe = _edit(minimal_kb, before)
    fe.set_list("products", ["POS", "Fuel, Oil", "[x]"], "owner")
    assert fe.apply() == after
    assert inplace.finish(minimal_kb, fe).entry.model.products == ("POS", "Fuel, Oil", "[x]")


def test_a_block_list_can_become_empty(minimal_kb):
    fe = _edit(minimal_kb, BASE + "products:\n  - POS\nsince: 2020-01-01\n")
    fe.set_list("products", [], "owner")
    assert fe.apply() == BASE + "products: []\nsince: 2020-01-01\n"


@pytest.mark.parametrize("before, after", [
    (BASE.replace("status: active\n", "status: active\nhealth: red   # why\n"), BASE),
    (BASE + "notes: |\n  two\n  lines\nsince: 2020-01-01\n", BASE + "since: 2020-01-01\n"),
    (BASE, BASE),
])
def test_a_key_is_removed_with_its_lines(minimal_kb, before, after):
    fe = _edit(minimal_kb, before)
    fe.remove_key("health")
    fe.remove_key("notes")
    assert fe.apply() == after


def test_a_flow_mapping_file_is_not_edited_by_removal(minimal_kb):
    fe = _edit(minimal_kb, "{id: ACC-00001, name: A, segment: NA, tier: 3, status: active, owner: person:alice, "
                           "last_review: 2026-10-01, health: red}\n")
    with pytest.raises(inplace.EditError, match="flow mapping"):
        fe.remove_key("health")


@pytest.mark.parametrize("values", [[], ["POS"], ["a, b", "c]", "{d}", "null", "1.5", "yes", "#x", "é ü", "a: b"]])
def test_a_flow_list_reads_back_as_the_same_texts(values):
    import yaml

    assert yaml.safe_load(f"k: {inplace.yaml_flow_list(values)}")["k"] == values


def test_a_new_file_is_a_change_without_old_content(minimal_kb):
    change = inplace.new_file(minimal_kb, "accounts/ACC-00002.yaml", BASE.replace("ACC-00001", "ACC-00002"))
    assert change.old_raw is None and change.entry.model.id == "ACC-00002"
    assert change.diff().startswith("--- /dev/null\n+++ b/accounts/ACC-00002.yaml\n")
    with pytest.raises(inplace.EditError, match="refusing to write"):
        inplace.new_file(minimal_kb, "accounts/ACC-00003.yaml", BASE.replace("tier: 3", "tier: 9"))


# --- ids -------------------------------------------------------------------------------------


def test_new_accounts_get_the_numbers_after_every_id_valid_or_broken(minimal_kb):
    assert next_account_ids(minimal_kb, 3) == ["ACC-00002", "ACC-00003", "ACC-00004"]
    minimal_kb.broken.add("account:ACC-00041")
    assert next_account_ids(minimal_kb, 1) == ["ACC-00042"]
    assert next_account_ids(minimal_kb, 0) == []
    minimal_kb.broken.add("account:ACC-99998")
    assert next_account_ids(minimal_kb, 1) == ["ACC-99999"]
    with pytest.raises(Exception, match="no free id left after ACC-99999 for 2 new records"):
        next_account_ids(minimal_kb, 2)
    assert free_ids(minimal_kb, "document", "SOP-OPS-", 3, 2) == ["SOP-OPS-002", "SOP-OPS-003"]


# --- the account model -------------------------------------------------------------------------


def _account(**keys) -> dict:
    return {"id": "ACC-00001", "name": "A", "segment": "NA", "tier": 3, "status": "active", "owner": "person:a",
            **keys}


def test_an_account_never_reviewed_needs_the_day_it_was_opened():
    models.Account.model_validate(_account(opened=dt.date(2026, 1, 5)))
    with pytest.raises(ValueError, match="last_review is required unless status is closed"):
        models.Account.model_validate(_account())


@pytest.mark.parametrize("sfid, ok", [("001i000000NqMKpAAN", True), ("001i000000NqMKp", False),
                                      ("001i000000NqMKpAAB", False), ("001i000000nqmkpAAN", False)])
def test_an_account_stores_the_canonical_18_character_id(sfid, ok):
    data = _account(last_review=dt.date(2026, 1, 5), salesforce_id=sfid)
    if ok:
        assert models.Account.model_validate(data).salesforce_id == sfid
    else:
        with pytest.raises(ValueError):
            models.Account.model_validate(data)


def test_kb_check_words_a_bad_salesforce_id(kb):
    kb.edit("accounts/ACC-00001.yaml", "id: ACC-00001\n", "id: ACC-00001\nsalesforce_id: 001i000000NqMKpAAB\n")
    [finding] = kb.findings()
    assert finding["line"] == 2 and "for these first fifteen characters the last three are AAN" in finding["message"]
    kb.edit("accounts/ACC-00001.yaml", "001i000000NqMKpAAB", "001i000000NqMKp")
    [finding] = kb.findings()
    assert "expected a Salesforce id in its 18-character form" in finding["message"]


def test_review_dates_of_an_account_never_reviewed_count_from_opened(kb):
    text = kb.read("accounts/ACC-00001.yaml")
    kb.write("accounts/ACC-00001.yaml", text.replace("last_review: 2026-10-01\n", "opened: 2026-05-01\n").replace(
        "plan_updated: 2026-02-01\n", ""))
    found = {f["code"]: f for f in kb.findings()}
    assert set(found) == {"review-overdue"}  # tier 1: due 2026-08-01; the plan 2027-05-01
    assert found["review-overdue"]["message"].startswith("first account review (opened 2026-05-01) overdue: "
                                                         "due 2026-08-01")
    assert found["review-overdue"]["line"] == 8
    kb.edit("accounts/ACC-00001.yaml", "opened: 2026-05-01", "opened: 2027-01-01")
    future = {f["code"] for f in kb.findings()}
    assert future == {"review-in-future", "plan-in-future"}
    # once reviewed, the review counts from its date
    kb.edit("accounts/ACC-00001.yaml", "opened: 2027-01-01", "opened: 2026-11-01\nlast_review: 2026-11-20")
    assert kb.findings() == []


def test_a_markdown_cell_shows_its_value_and_runs_nothing():
    assert md_cell("=SUM(A1)") == "'=SUM(A1)"
    assert md_cell("a|b *c* [x](y) <b> @team #1 `x` ~s~ _u_ \\") == (
        "a\\|b \\*c\\* \\[x\\](y) &lt;b&gt; &#64;team \\#1 \\`x\\` \\~s\\~ \\_u\\_ \\\\")
    assert md_cell("two\nlines") == "two\\\\x0alines"
    assert md_cell(None) == "" and md_cell(3) == "3" and md_cell("-3") == "-3"



# --- many files at once ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 80])  # one by one, and with the file system flushed at once
def test_many_files_are_written_whole(tmp_path, count):
    from kbtools.edit.atomic import write_many_below

    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts/old.yaml").write_text("old\n")
    files = [("accounts/old.yaml", b"new\n", False)] + [(f"accounts/f{i}.yaml", f"{i}\n".encode(), True)
                                                         for i in range(count)]
    write_many_below(tmp_path, files)
    assert (tmp_path / "accounts/old.yaml").read_text() == "new\n"
    assert all((tmp_path / f"accounts/f{i}.yaml").read_text() == f"{i}\n" for i in range(count))
    assert list(tmp_path.rglob("*.tmp")) == []


@pytest.mark.parametrize("count", [3, 80])
def test_a_file_that_exists_already_stops_the_batch_before_any_is_placed(tmp_path, count):
    from kbtools.edit.atomic import write_many_below
    from kbtools.findings import KBError

    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts/taken.yaml").write_text("someone's\n")
    files = [(f"accounts/f{i}.yaml", b"x\n", True) for i in range(count)] + [("accounts/taken.yaml", b"y\n", True)]
    with pytest.raises(KBError, match=r"accounts/taken\.yaml already exists"):
        write_many_below(tmp_path, files)
    assert sorted(p.name for p in (tmp_path / "accounts").iterdir()) == ["taken.yaml"]
