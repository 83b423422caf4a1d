"""`kb feedback`: triage of the store's feedback and knowledge gaps, through the command line.

The knowledge base is a copy of tests/fixtures/site/ (Kestrel Water Services), the
store a real SQLite file filled through the store's own API, as `kb serve` fills it:

    FB-1   2026-09-01  "no" + comment   SOP-CARE-002  team:care-managers  (care)
    FB-2   2026-09-15  "yes" vote       ART-DSK-001   team:desk-agents    (desk)
    GAP-3  2026-10-01  "I cannot"       no document   team:gov-board      (the kmt_team)
    FB-4   2026-10-10  "no" + comment   PRC-FLD-001   person:uma          (field)
    FB-5   2026-11-01  "yes" + comment  SOP-FLD-001   team:field-crew     (field; uma's team)
    GAP-6  2026-11-20  "I do not know"  POL-CARE-001  person:petra        (care)
    FB-7   2026-11-21  "no", nothing    ART-DSK-001   team:desk-agents    (desk)
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import SITE_FIXTURE, TODAY, run_kb
from kbtools.loop.store import MIGRATIONS, NewItem, Store

HANDOVER = "The handover call is not described"
REFUND = "How do I refund a meter deposit?"


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9, 30), dt.UTC)


SEED: list[tuple[str, NewItem]] = [
    ("2026-09-01", NewItem(kind="feedback", audience="internal", doc="SOP-CARE-002", version="1.1",
                           page="/sops/sop-care-002/", helpful=False, text=HANDOVER,
                           sender="tobias@kestrel.example", person="person:tobias")),
    ("2026-09-15", NewItem(kind="feedback", audience="public", doc="ART-DSK-001", version="1.2", helpful=True)),
    ("2026-10-01", NewItem(kind="gap", audience="internal", text=REFUND, gap_kind="cannot", product="Meters",
                           account="ACC-00201", sender="kofi@kestrel.example", person="person:kofi")),
    ("2026-10-10", NewItem(kind="feedback", audience="internal", doc="PRC-FLD-001", version="1.0", helpful=False,
                           text="Step 3 is out of date")),
    ("2026-11-01", NewItem(kind="feedback", audience="internal", doc="SOP-FLD-001", version="2.1", helpful=True,
                           text="Clear, but add photos")),
    ("2026-11-20", NewItem(kind="gap", audience="internal", doc="POL-CARE-001", text="Which tier is a school?",
                           gap_kind="unknown")),
    ("2026-11-21", NewItem(kind="feedback", audience="public", doc="ART-DSK-001", version="1.2", helpful=False)),
]


def fill(path: Path, seed: list[tuple[str, NewItem]] = SEED) -> Path:
    with Store(path) as store:
        for day, new in seed:
            store.add(new, at=at(day))
    return path


class Triage:
    """A copy of the site fixture and a filled store beside it; `run` passes --store (unless told) and --root."""

    def __init__(self, base: Path, capsys):
        self.root = base / "kb"
        shutil.copytree(SITE_FIXTURE, self.root)
        self.store = fill(base / "feedback" / "store.sqlite3")
        self._capsys = capsys

    def run(self, *args: str, store: Path | bool | None = True):
        """`kb ARGS --store STORE --root ROOT`: `store` True for the test's store, False for none, or a path."""
        argv = [*args, *(["--store", str(self.store if store is True else store)] if store else [])]
        return run_kb([*argv, "--root", str(self.root)], self._capsys)

    def ids(self, *args: str) -> list[str]:
        result = self.run("feedback", "list", "--format", "json", *args)
        assert result.code == 0, result.err
        return [i["id"] for i in result.json()["items"]]

    def item(self, ident: str) -> dict:
        result = self.run("feedback", "show", ident, "--format", "json")
        assert result.code == 0, result.err
        return result.json()["item"]

    def add(self, new: NewItem, day: str = "2026-11-22") -> str:
        with Store(self.store) as store:
            return store.add(new, at=at(day)).ref


@pytest.fixture
def tri(tmp_path, capsys, monkeypatch) -> Triage:
    monkeypatch.setenv("KB_TODAY", TODAY)  # ages, the envelope's "today" and purge count from it
    return Triage(tmp_path, capsys)


# --- where the store is ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["list"], ["show", "FB-1"], ["stats"], ["export"], ["assess", "FB-1"], ["action", "FB-1"],
    ["resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.1"], ["decline", "FB-1", "--reason", "no"],
    ["purge", "--older-than", "6 months"], ["backup", "copy.sqlite3"],
])
def test_a_missing_store_is_never_created_by_triage(tri, tmp_path, args):
    missing = tmp_path / "nowhere" / "store.sqlite3"
    result = tri.run("feedback", *args, store=missing)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err == (f"kb: error: no feedback store at {missing}; kb serve creates it, "
                          "or set --store / KB_STORE\n")
    assert not missing.parent.exists()
    default = tri.run("feedback", *args, store=False)  # nothing at <root>/.kb/store.sqlite3 either
    assert default.code == 2 and f"no feedback store at {tri.root / '.kb' / 'store.sqlite3'};" in default.err
    assert not (tri.root / ".kb").exists()


@pytest.mark.parametrize("args", [["assess", "FB-1"], ["purge", "--older-than", "1 day"], ["list"]])
def test_triage_never_makes_a_store_of_another_sqlite_file(tri, tmp_path, args):
    foreign = tmp_path / "accounts.db"
    with contextlib.closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE accounts (id TEXT)")
        db.commit()
    result = tri.run("feedback", *args, store=foreign)
    assert result.code == 2 and "is not a feedback store" in result.err
    with contextlib.closing(sqlite3.connect(foreign)) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"accounts"} and db.execute("PRAGMA user_version").fetchone()[0] == 0


def test_the_store_is_the_option_else_the_environment_else_under_the_root(tri, monkeypatch, tmp_path):
    (tri.root / ".kb").mkdir()
    shutil.copyfile(tri.store, tri.root / ".kb" / "store.sqlite3")
    with Store(tri.root / ".kb" / "store.sqlite3") as default:
        default.add(NewItem(kind="gap", audience="internal", text="only in the default store", gap_kind="unknown"))
    assert len(tri.run("feedback", "list", "--format", "json", store=False).json()["items"]) == 7
    monkeypatch.chdir(tri.store.parent.parent)
    monkeypatch.setenv("KB_STORE", "feedback/store.sqlite3")  # relative to the current folder
    assert len(tri.run("feedback", "list", "--format", "json", store=False).json()["items"]) == 6
    monkeypatch.setenv("KB_STORE", str(tmp_path / "missing.sqlite3"))
    assert tri.run("feedback", "list", store=False).code == 2
    assert tri.run("feedback", "list").code == 0  # --store wins over KB_STORE
    monkeypatch.setenv("KB_STORE", "")  # empty is unset
    assert len(tri.run("feedback", "list", "--format", "json", store=False).json()["items"]) == 7


def test_a_store_that_cannot_be_used_is_exit_2_with_a_message(tri):
    with sqlite3.connect(tri.store) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    for args in (["list"], ["assess", "FB-1"], ["backup", str(tri.store.parent / "b.sqlite3")]):
        result = tri.run("feedback", *args)
        assert result.code == 2 and "Traceback" not in result.err
        assert "was made by a newer kb" in result.err and "upgrade kbtools" in result.err
    assert tri.run("digest").code == 2
    for name in os.listdir(tri.store.parent):
        if name.startswith("store.sqlite3"):
            (tri.store.parent / name).unlink()
    tri.store.write_bytes(b"\x1b[31mnot a database at all " * 100)
    result = tri.run("feedback", "stats")
    assert result.code == 2 and "cannot open the feedback store" in result.err and "Traceback" not in result.err


# --- list and its filters -------------------------------------------------------------------------


def test_list_shows_every_item_but_plain_yes_votes_oldest_first(tri):
    result = tri.run("feedback", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "STATE", "KIND", "AGE", "DOC", "OWNER", "COMMENT", "OR", "QUESTION"]
    assert [line.split()[0] for line in lines[1:7]] == ["FB-1", "GAP-3", "FB-4", "FB-5", "GAP-6", "FB-7"]
    assert lines[7:] == ["", "6 items: 6 new"]
    assert lines[1].split()[:6] == ["FB-1", "new", "feedback", "82d", "SOP-CARE-002", "team:care-managers"]
    assert lines[1].endswith(HANDOVER)
    assert lines[2].split()[:7] == ["GAP-3", "new", "gap", "(cannot)", "52d", "-", "team:gov-board"]
    assert lines[6].endswith('(a "no", nothing said)')
    assert tri.ids() == ["FB-1", "GAP-3", "FB-4", "FB-5", "GAP-6", "FB-7"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--doc", "SOP-CARE-002"], ["FB-1"]),
    (["--doc", "art-dsk-001"], ["FB-7"]),  # any case; the yes vote is not listed
    (["--doc", "ART-DSK-001", "--state", "vote"], ["FB-2"]),
    (["--doc", "PRC-FLD-001", "--doc", "POL-CARE-001"], ["FB-4", "GAP-6"]),
    (["--doc", "SOP-XX-404"], []),
    (["--owner", "person:uma"], ["FB-4", "FB-5"]),  # her own document and her team's
    (["--owner", "team:field-crew"], ["FB-5"]),
    (["--owner", "person:petra"], ["FB-1", "GAP-6"]),  # her policy, and SOP-CARE-002 of her team
    (["--owner", "team:gov-board"], ["GAP-3"]),  # a gap from no document goes to the governing team
    (["--owner", "person:ines"], ["GAP-3"]),
    (["--owner", "person:omar"], ["FB-7"]),
    (["--kind", "gap"], ["GAP-3", "GAP-6"]),
    (["--kind", "feedback", "--state", "vote", "--state", "new"], ["FB-1", "FB-2", "FB-4", "FB-5", "FB-7"]),
    (["--since", "2026-11-01"], ["FB-5", "GAP-6", "FB-7"]),
    (["--since", "2026-11-02"], ["GAP-6", "FB-7"]),
    (["--state", "closed"], []),
    (["--kind", "feedback", "--since", "2026-10-01", "--owner", "person:uma"], ["FB-4", "FB-5"]),
])
def test_list_filters(tri, args, expected):
    assert tri.ids(*args) == expected


def test_list_filters_by_state_as_items_move(tri):
    assert tri.run("feedback", "assess", "FB-4").code == 0
    assert tri.run("feedback", "decline", "GAP-6", "--reason", "asked twice").code == 0
    assert tri.run("feedback", "resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.1").code == 0
    assert tri.ids("--state", "open") == ["GAP-3", "FB-4", "FB-5", "FB-7"]
    assert tri.ids("--state", "closed") == ["FB-1", "GAP-6"]
    assert tri.ids("--state", "assessed", "--state", "declined") == ["FB-4", "GAP-6"]
    assert tri.ids("--state", "open", "--state", "vote", "--kind", "feedback") == ["FB-2", "FB-4", "FB-5", "FB-7"]
    assert tri.ids() == ["FB-1", "GAP-3", "FB-4", "FB-5", "GAP-6", "FB-7"]  # closed ones are listed too


@pytest.mark.parametrize(("args", "message"), [
    (["--owner", "uma"], "write the owner as person:<id> or team:<id>"),
    (["--owner", "role:am"], "write the owner as person:<id> or team:<id>"),
    (["--owner", "person:umma"], "unknown person 'umma', did you mean 'uma'?"),
    (["--owner", "team:field"], "unknown team 'field'"),
    (["--since", "2026-13-01"], "is not a date; use YYYY-MM-DD"),
    (["--since", "last week"], "is not a date"),
    (["--state", "pending"], "'pending' is not one of"),
    (["--kind", "vote"], "'vote' is not one of"),
    (["--format", "html"], "'html' is not one of"),
])
def test_list_refuses_what_it_cannot_filter_by(tri, args, message):
    result = tri.run("feedback", "list", *args)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err
    assert result.out == ""


def test_list_formats(tri, tmp_path):
    data = tri.run("feedback", "list", "--format", "json").json()
    assert (data["version"], data["today"], data["store"]) == (1, TODAY, str(tri.store))
    first = data["items"][0]
    assert first == {
        "id": "FB-1", "kind": "feedback", "state": "new", "created": "2026-09-01T09:30:00Z",
        "updated": "2026-09-01T09:30:00Z", "audience": "internal", "doc": "SOP-CARE-002",
        "title": "Account handover between CSMs", "version": "1.1", "page": "/sops/sop-care-002/",
        "helpful": False, "text": HANDOVER, "gap_kind": None, "product": None, "account": None,
        "sender": "tobias@kestrel.example", "person": "person:tobias", "owner": "team:care-managers",
        "owner_name": "Account care managers", "department": "care", "resolved_doc": None,
        "resolved_version": None, "reason": None, "age_days": 82,
    }
    rows = list(csv.DictReader(io.StringIO(tri.run("feedback", "list", "--format", "csv").out)))
    assert [r["id"] for r in rows] == tri.ids()
    assert set(rows[0]) == set(first)
    assert (rows[1]["gap_kind"], rows[1]["product"], rows[1]["owner"], rows[1]["age_days"]) == (
        "cannot", "Meters", "team:gov-board", "52")
    target = tmp_path / "list.json"
    assert tri.run("feedback", "list", "--format", "json", "-o", str(target)).out == ""
    assert [i["id"] for i in json.loads(target.read_text())["items"]] == tri.ids()


# --- show -----------------------------------------------------------------------------------------


def test_show_gives_every_field_and_the_history(tri):
    assert tri.run("feedback", "assess", "fb-1", "--by", "person:ines", "--note", "Read it").code == 0
    assert tri.run("feedback", "action", "FB-1", "--by", "person:petra",
                   "--note", "transferred to the KMT governance meeting").code == 0
    result = tri.run("feedback", "show", "Fb-1")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("FB-1  feedback, actioned\n\n")
    for line in ("document:   SOP-CARE-002 version 1.1 (Account handover between CSMs)",
                 "owner:      Account care managers (team:care-managers)", "department: care",
                 "created:    2026-09-01T09:30:00Z (82 days ago)", "page:       /sops/sop-care-002/",
                 "helpful:    no", "sent by:    person:tobias", f"comment:\n  {HANDOVER}\n"):
        assert line in out, line
    history = out.split("history:\n", 1)[1].splitlines()
    assert history[0].split() == ["2026-09-01T09:30:00Z", "new", "person:tobias"]
    assert history[1].split()[1:] == ["assessed", "person:ines", "Read", "it"]
    assert history[2].split()[1:4] == ["actioned", "person:petra", "transferred"]
    data = tri.item("FB-1")
    assert [(e["state"], e["by"], e["note"]) for e in data["events"]] == [
        ("new", "person:tobias", None), ("assessed", "person:ines", "Read it"),
        ("actioned", "person:petra", "transferred to the KMT governance meeting")]
    gap = tri.run("feedback", "show", "GAP-3").out
    assert "gap:        I cannot" in gap and "product:    Meters" in gap and f"question:\n  {REFUND}" in gap


@pytest.mark.parametrize(("ident", "message"), [
    ("FB-99", "no item FB-99 in the feedback store"),
    ("GAP-1", "no item GAP-1 in the feedback store"),  # 1 is feedback
    ("12", "'12' is not an item id; write FB-<number> (feedback) or GAP-<number> (a knowledge gap)"),
    ("FB-1x", "is not an item id"),
    ("\x1b[2J", "is not an item id"),
])
def test_show_of_an_unknown_or_malformed_id(tri, ident, message):
    result = tri.run("feedback", "show", ident)
    assert result.code == 2 and message in result.err and "\x1b" not in result.err


# --- the lifecycle ----------------------------------------------------------------------------------


def test_an_item_goes_new_assessed_actioned_resolved(tri):
    steps = [
        (["assess", "FB-1", "--by", "person:ines"], "FB-1: new -> assessed"),
        (["action", "FB-1", "--note", "transferred to the KMT governance meeting"], "FB-1: assessed -> actioned"),
        (["resolve", "FB-1", "--doc", "sop-care-002", "--version", "1.1", "--by", "person:petra"],
         "FB-1: actioned -> resolved by SOP-CARE-002 version 1.1"),
    ]
    for args, said in steps:
        result = tri.run("feedback", *args)
        assert (result.code, result.out, result.err) == (0, said + "\n", "")
    item = tri.item("FB-1")
    assert (item["state"], item["resolved_doc"], item["resolved_version"]) == ("resolved", "SOP-CARE-002", "1.1")
    assert [e["state"] for e in item["events"]] == ["new", "assessed", "actioned", "resolved"]
    assert item["events"][-1]["by"] == "person:petra"


def test_resolve_and_decline_from_any_open_state_and_action_without_assessing(tri):
    assert tri.run("feedback", "resolve", "GAP-3", "--doc", "SOP-FLD-001", "--version", "2.0").code == 0  # new
    assert tri.run("feedback", "action", "FB-4").out == "FB-4: new -> actioned\n"
    assert tri.run("feedback", "decline", "FB-4", "--reason", "the step is right").out == \
        "FB-4: actioned -> declined\n"
    item = tri.item("FB-4")
    assert item["reason"] == "the step is right" and item["events"][-1]["note"] == "the step is right"
    assert tri.item("GAP-3")["resolved_version"] == "2.0"  # a version in the changelog


@pytest.mark.parametrize(("prepare", "args", "message"), [
    ([["assess", "FB-1"]], ["assess", "FB-1"],
     "FB-1 is assessed; assess takes an item that is new (allowed now: action, resolve, decline)"),
    ([["action", "FB-1"]], ["assess", "FB-1"],
     "FB-1 is actioned; assess takes an item that is new (allowed now: resolve, decline)"),
    ([["action", "FB-1"]], ["action", "FB-1"],
     "FB-1 is actioned; action takes an item that is new or assessed (allowed now: resolve, decline)"),
    ([["decline", "FB-1", "--reason", "dup"]], ["resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.1"],
     "FB-1 is declined; resolve takes an item that is new, assessed or actioned "
     "(it is closed: no command moves it further)"),
    ([["resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.1"]], ["decline", "FB-1", "--reason", "x"],
     "FB-1 is resolved; decline takes an item that is new, assessed or actioned"),
    ([], ["assess", "FB-2"], "FB-2 is a vote (a plain yes with nothing said): there is nothing to triage"),
    ([], ["assess", "FB-99"], "no item FB-99 in the feedback store"),
    ([], ["assess", "GAP-1"], "no item GAP-1"),
    ([], ["assess", "FB-one"], "'FB-one' is not an item id"),
    ([], ["resolve", "FB-1", "--doc", "SOP-CARE-02", "--version", "1.1"],
     "unknown document 'SOP-CARE-02', did you mean 'SOP-CARE-002'?"),
    ([], ["resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.4"],
     "SOP-CARE-002 has no version '1.4'; it has 1.1, 1.0"),
    ([], ["resolve", "FB-1", "--doc", "SOP-CARE-002"], "Missing option '--version'"),
    ([], ["resolve", "FB-1", "--version", "1.1"], "Missing option '--doc'"),
    ([], ["decline", "FB-1"], "Missing option '--reason'"),
    ([], ["decline", "FB-1", "--reason", "  "], "decline needs --reason: say why the item is declined"),
    ([], ["assess", "FB-1", "--by", "ines"], "--by 'ines': write the person as person:<id>"),
    ([], ["assess", "FB-1", "--by", "team:gov-board"], "write the person as person:<id>"),
    ([], ["assess", "FB-1", "--by", "person:inez"], "unknown person 'inez', did you mean 'ines'?"),
    ([], ["assess", "FB-1", "--by", "person:vera"], "--by person:vera: Vera Lindgren is no longer active"),
])
def test_a_wrong_transition_is_exit_2_and_changes_nothing(tri, prepare, args, message):
    for step in prepare:
        assert tri.run("feedback", *step).code == 0
    before = tri.run("feedback", "export", "--format", "json").json()["items"]
    result = tri.run("feedback", *args)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err, result.err
    assert tri.run("feedback", "export", "--format", "json").json()["items"] == before


# --- stats and export -------------------------------------------------------------------------------


def test_stats_per_document_owner_department_and_state(tri):
    tri.add(NewItem(kind="feedback", audience="public", doc="ART-DSK-001", helpful=True))
    assert tri.run("feedback", "resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.1").code == 0
    data = tri.run("feedback", "stats", "--format", "json").json()
    assert [(d["doc"], d["votes"], d["helpful"], d["percent_helpful"], d["open"]) for d in data["documents"]] == [
        ("ART-DSK-001", 3, 2, 67, 1), ("POL-CARE-001", 0, 0, None, 1), ("PRC-FLD-001", 1, 0, 0, 1),
        ("SOP-CARE-002", 1, 0, 0, 0), ("SOP-FLD-001", 1, 1, 100, 1)]
    assert data["documents"][0]["title"] == "Report a supply interruption"
    assert [(o["owner"], o["open"], o["oldest_days"]) for o in data["owners"]] == [
        ("person:petra", 1, 2), ("person:uma", 1, 43), ("team:desk-agents", 1, 1), ("team:field-crew", 1, 21),
        ("team:gov-board", 1, 52)]
    assert [(d["department"], d["name"], d["open"]) for d in data["departments"]] == [
        ("field", "Field Service", 2), ("care", "Account Care", 1), ("desk", "Service Desk", 1), (None, None, 1)]
    assert data["states"] == {"vote": 2, "new": 5, "assessed": 0, "actioned": 0, "resolved": 1, "declined": 0}
    text = tri.run("feedback", "stats").out
    assert "ART-DSK-001   3      67%      1     Report a supply interruption" in text
    assert "POL-CARE-001  0      -        1     Business account review cadence" in text
    assert "field       2     43d     Field Service" in text
    assert text.rstrip().endswith("vote 2, new 5, assessed 0, actioned 0, resolved 1, declined 0")
    rows = list(csv.DictReader(io.StringIO(tri.run("feedback", "stats", "--format", "csv").out)))
    assert {(r["group"], r["key"]): r for r in rows}[("document", "ART-DSK-001")]["percent_helpful"] == "67"
    assert {(r["group"], r["key"]): r["items"] for r in rows if r["group"] == "state"}[("state", "new")] == "5"


def test_stats_of_an_empty_store(tri, tmp_path):
    empty = tmp_path / "empty.sqlite3"
    Store(empty).close()
    out = tri.run("feedback", "stats", store=empty).out
    assert "no feedback yet" in out and out.count("nothing open") == 2
    assert tri.run("feedback", "list", store=empty).out == "no items\n"


def test_export_has_every_item_with_every_field_and_its_history(tri):
    assert tri.run("feedback", "assess", "GAP-3", "--note", "asked the meter team").code == 0
    data = tri.run("feedback", "export").json()  # json by default
    assert [i["id"] for i in data["items"]] == ["FB-1", "FB-2", "GAP-3", "FB-4", "FB-5", "GAP-6", "FB-7"]
    gap = data["items"][2]
    assert [(e["state"], e["note"]) for e in gap["events"]] == [("new", None), ("assessed", "asked the meter team")]
    assert gap["account"] == "ACC-00201" and gap["person"] == "person:kofi"
    rows = list(csv.DictReader(io.StringIO(tri.run("feedback", "export", "--format", "csv").out)))
    assert len(rows) == 7 and rows[1]["state"] == "vote" and rows[2]["state"] == "assessed"
    assert set(rows[0]) == set(data["items"][0]) - {"events"}


# --- hostile text -------------------------------------------------------------------------------------

HOSTILE = ("=HYPERLINK(\"x\") **bold** [link](javascript:alert(1)) | cell | <script>alert(1)</script>\n"
           "\x1b[2J\u202egnp.exe \x1b]8;;http://evil.example\x07click\x1b]8;;\x07 and more words to be cut away")


def test_hostile_comments_are_escaped_in_every_format(tri, tmp_path):
    ref = tri.add(NewItem(kind="feedback", audience="public", doc="ART-DSK-002", version="1.0", helpful=False,
                          text=HOSTILE, page="/x\x1b[31m", sender="-2+3 \x1b[1m", product=None))
    gap = tri.add(NewItem(kind="gap", audience="internal", text="@SUM(A1:A9)", gap_kind="cannot",
                          product="+cmd|' /C calc'!A0"))
    assert tri.run("feedback", "assess", ref, "--note", "\x1b[2Jwiped\u202e").code == 0
    outputs = {
        "list": tri.run("feedback", "list").out,
        "show": tri.run("feedback", "show", ref).out,
        "show-gap": tri.run("feedback", "show", gap).out,
        "list-csv": tri.run("feedback", "list", "--format", "csv").out,
        "export-csv": tri.run("feedback", "export", "--format", "csv").out,
        "digest": tri.run("digest").out,
    }
    for name, out in outputs.items():
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out, name
    assert "\\x1b[2J" in outputs["list"] and "\\u202e" in outputs["show"] and "\\x1b[2Jwiped" in outputs["show"]
    for name in ("list-csv", "export-csv"):
        rows = list(csv.DictReader(io.StringIO(outputs[name])))
        cells = {r["id"]: r for r in rows}
        assert cells[ref]["text"].startswith("'=HYPERLINK(")
        assert cells[gap]["text"] == "'@SUM(A1:A9)" and cells[gap]["product"] == "'+cmd|' /C calc'!A0"
        assert cells[ref]["sender"] == "'-2+3 \\x1b[1m"
        for row in rows:
            for cell in row.values():
                assert not cell.startswith(("=", "+", "-", "@")), cell
    data = tri.run("feedback", "list", "--format", "json").json()
    assert {i["id"]: i["text"] for i in data["items"]}[ref] == HOSTILE  # JSON keeps the text, escaped by JSON
    for args in (["list", "--format", "json"], ["export"], ["show", ref, "--format", "json"], ["stats"],
                 ["stats", "--format", "json"]):
        raw = tri.run("feedback", *args).out
        assert "\x1b" not in raw and "\u202e" not in raw, args
    line = next(x for x in outputs["digest"].splitlines() if x.startswith(f"- **{ref}**"))
    assert "<script>" not in line and "\\<script\\>" in line
    assert "\\*\\*bold\\*\\*" in line and "\\[link\\](javascript:alert(1))" in line and "\\| cell \\|" in line
    assert "\\\\x1b\\[2J\\\\u202egnp" in line  # the control characters shown, then Markdown-escaped
    assert "\n" not in line and line.endswith("…")


# --- purge and backup ---------------------------------------------------------------------------------


def test_purge_deletes_the_text_of_older_items_only(tri):
    assert tri.run("feedback", "assess", "FB-1", "--by", "person:ines", "--note", "call Tobias").code == 0
    result = tri.run("feedback", "purge", "--older-than", "2 months")  # before 2026-09-22
    assert (result.code, result.out) == (0, "purged the text of 1 item sent before 2026-09-22\n")
    item = tri.item("FB-1")
    assert (item["text"], item["sender"], item["person"], item["state"]) == (None, None, None, "assessed")
    assert [(e["state"], e["by"], e["note"]) for e in item["events"]][:2] == [("new", None, None),
                                                                              ("assessed", None, None)]
    assert tri.item("GAP-3")["text"] == REFUND
    assert tri.run("feedback", "purge", "--older-than", "7 weeks").out == \
        "purged the text of 1 item sent before 2026-10-04\n"  # GAP-3; FB-1 has nothing left, FB-2 never had
    assert tri.item("GAP-3")["text"] is None and tri.item("GAP-3")["product"] is None
    said = "its question was deleted under the retention rule"
    assert said in tri.run("feedback", "show", "GAP-3").out
    assert "GAP-3" in tri.run("digest").out and said in tri.run("digest").out
    assert tri.run("feedback", "stats", "--format", "json").json()["states"]["new"] == 5  # the items stay
    assert tri.run("feedback", "purge", "--older-than", "180 days").out == \
        "purged the text of 0 items sent before 2026-05-26\n"


@pytest.mark.parametrize("value", ["0 days", "six months", "6 fortnights", "6months", "-1 day", ""])
def test_purge_refuses_what_is_not_a_duration(tri, value):
    result = tri.run("feedback", "purge", "--older-than", value)
    assert result.code == 2 and "is not a duration" in result.err
    assert tri.item("FB-1")["text"] == HANDOVER


def test_backup_writes_a_whole_copy_atomically_and_restores(tri, tmp_path):
    target = tmp_path / "backups" / "store-backup.sqlite3"
    target.parent.mkdir()
    result = tri.run("feedback", "backup", str(target))
    assert (result.code, result.out) == (0, f"backed up the feedback store {tri.store} to {target}\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data: the owner's only
    assert os.listdir(target.parent) == [target.name]  # no temporary file or log left beside it
    tri.add(NewItem(kind="gap", audience="internal", text="after the backup", gap_kind="unknown"))
    os.chmod(target, 0o640)
    assert tri.run("feedback", "backup", str(target)).code == 0  # replaced, keeping its permissions
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert len(tri.run("feedback", "export", store=target).json()["items"]) == 8
    with Store(tri.store) as store:  # the live store loses the text ...
        store.purge(at("2027-01-01"))
    assert tri.item("FB-1")["text"] is None
    # ... and gets it back: the service stopped, the backup copied over the store, its -wal and -shm removed
    shutil.copyfile(target, tri.store)
    for suffix in ("-wal", "-shm"):
        tri.store.with_name(tri.store.name + suffix).unlink(missing_ok=True)
    assert tri.item("FB-1")["text"] == HANDOVER and tri.ids()[-1] == "GAP-8"


def test_backup_refuses_links_the_store_itself_and_missing_folders(tri, tmp_path):
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "link.sqlite3"
    link.symlink_to(elsewhere)
    result = tri.run("feedback", "backup", str(link))
    assert result.code == 2 and "is a link, not a file" in result.err
    assert link.is_symlink() and elsewhere.read_text() == "keep me"
    # Companions SQLite has not made (yet) count too: a backup there would be taken for the store's own.
    for own in (tri.store, *(tri.store.with_name(f"store.sqlite3-{s}") for s in ("wal", "shm", "journal"))):
        result = tri.run("feedback", "backup", str(own))
        assert result.code == 2 and "is the feedback store's own file" in result.err
    result = tri.run("feedback", "backup", str(tmp_path / "no" / "such" / "b.sqlite3"))
    assert result.code == 2 and "does not exist" in result.err
    assert tri.run("feedback", "backup", str(tmp_path)).code == 2  # a folder
    assert sorted(os.listdir(tmp_path)) == sorted(["feedback", "kb", "link.sqlite3", "precious.txt"])


# --- the digest -------------------------------------------------------------------------------------


def test_the_digest_gives_each_owner_their_open_feedback_and_gaps(tri):
    assert tri.run("feedback", "resolve", "FB-1", "--doc", "SOP-CARE-002", "--version", "1.1").code == 0
    assert tri.run("feedback", "assess", "FB-4").code == 0
    data = tri.run("digest", "--format", "json").json()
    assert (data["feedback"], data["feedback_note"]) == ({"store": str(tri.store), "open": 5}, None)
    said = {o["owner"]: [i["id"] for i in o["feedback"]] for o in data["owners"]}
    assert said == {"person:ingrid": [], "person:petra": ["GAP-6"], "person:tobias": [], "person:uma": ["FB-4"],
                    "team:care-managers": [], "team:desk-agents": ["FB-7"], "team:field-crew": ["FB-5"],
                    "team:gov-board": ["GAP-3"]}  # FB-1 is resolved; FB-2 is a vote
    board = next(o for o in data["owners"] if o["owner"] == "team:gov-board")
    assert board["items"] == [] and board["recipients"] == ["ines@kestrel.example"]  # nothing due, still there
    assert board["feedback"] == [{
        "id": "GAP-3", "kind": "gap", "gap_kind": "cannot", "helpful": None, "state": "new",
        "created": "2026-10-01T09:30:00Z", "age_days": 52, "doc": None, "title": None, "version": None,
        "text": REFUND, "url": None}]
    uma = next(o for o in data["owners"] if o["owner"] == "person:uma")
    assert uma["feedback"][0]["url"] == "sops/prc-fld-001/" and uma["feedback"][0]["state"] == "assessed"
    md = tri.run("digest").out
    assert "\n\n5 open items of feedback and knowledge gaps, for 5 owners.\n\n" in md
    assert ("## Governance board (`team:gov-board`)\n\nTo: ines@kestrel.example\n\n"
            "Open feedback and knowledge gaps, oldest first:\n\n"
            f"- **GAP-3** knowledge gap (I cannot), new, 52 days old: {REFUND}\n") in md
    assert ("- **FB-4** feedback, assessed, 43 days old, on "
            "[PRC-FLD-001: Follow up a new meter installation](sops/prc-fld-001/): Step 3 is out of date\n") in md
    assert '- **FB-7** feedback, new, 1 day old, on [ART-DSK-001: Report a supply interruption](sops/art-dsk-001/): ' \
           '(a "no", nothing said)\n' in md


def test_the_digest_says_when_there_is_no_store_or_nothing_open(tri, tmp_path):
    missing = tmp_path / "missing.sqlite3"
    data = tri.run("digest", "--format", "json", store=missing).json()
    assert data["feedback"] is None
    assert data["feedback_note"] == f"no feedback store at {missing}; kb serve creates it, or set --store / KB_STORE"
    assert all(o["feedback"] is None for o in data["owners"]) and not missing.exists()
    assert "team:gov-board" not in {o["owner"] for o in data["owners"]}
    md = tri.run("digest", store=missing).out
    assert "\n\nFeedback and knowledge gaps are not included: no feedback store at " in md
    assert "Open feedback" not in md
    empty = tmp_path / "empty.sqlite3"
    Store(empty).close()
    assert "\n\nNo feedback or knowledge gap is open.\n" in tri.run("digest", store=empty).out
    assert tri.run("digest", "--format", "json", store=empty).json()["feedback"] == {"store": str(empty), "open": 0}
