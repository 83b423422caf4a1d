"""Triage's rules on their own: the lifecycle, whose an item is, the one-line form, durations back, atomic backups."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from conftest import SITE_FIXTURE
from kbtools.edit.atomic import write_atomic_by
from kbtools.findings import KBError
from kbtools.load.loader import load
from kbtools.loop import triage
from kbtools.loop.store import STATES, NewItem, Store
from kbtools.models import subtract_duration

# Which command may move an item out of which state (new -> assessed -> actioned -> resolved | declined).
ALLOWED = {
    "assess": {"new"},
    "action": {"new", "assessed"},
    "resolve": {"new", "assessed", "actioned"},
    "decline": {"new", "assessed", "actioned"},
}


@pytest.fixture(scope="module")
def kb():
    return load(SITE_FIXTURE)


def _to(store: Store, ref: str, state: str) -> None:
    _, number = triage.item_id(ref)
    store._db.execute("UPDATE items SET state = ? WHERE id = ?", (state, number))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", list(ALLOWED))
def test_each_transition_from_each_state(kb, tmp_path, verb, state):
    with Store(tmp_path / "s.sqlite3") as store:
        item = store.add(NewItem(kind="feedback", audience="internal", doc="SOP-CARE-002", helpful=False, text="x"))
        _to(store, item.ref, state)
        how = {"doc": "SOP-CARE-002", "version": "1.0"} if verb == "resolve" else {}
        if verb == "decline":
            how["reason"] = "duplicate"
        if state in ALLOWED[verb]:
            was, moved = triage.move(kb, store, item.ref.lower(), verb, by="person:ines", note="n", **how)
            assert (was, moved.state) == (state, triage.TRANSITIONS[verb].to)
            assert store.events("feedback", item.id)[-1].by == "person:ines"
        else:
            with pytest.raises(KBError, match=f"{item.ref} is {'a vote' if state == 'vote' else state}"):
                triage.move(kb, store, item.ref, verb, **how)
            assert store.get("feedback", item.id).state == state


def test_a_move_that_lost_a_race_names_the_state_it_found(kb, tmp_path, monkeypatch):
    with Store(tmp_path / "s.sqlite3") as store:
        item = store.add(NewItem(kind="gap", audience="internal", text="q", gap_kind="unknown"))
        real_move = store.move

        def someone_else_first(*args, **kwargs):
            real_move("gap", item.id, "declined", allowed_from=("new",), reason="elsewhere")
            return real_move(*args, **kwargs)

        monkeypatch.setattr(store, "move", someone_else_first)
        with pytest.raises(KBError, match="GAP-1 is declined; assess takes an item that is new"):
            triage.move(kb, store, "GAP-1", "assess")
        assert store.get("gap", item.id).state == "declined"


def test_owners_a_person_matches_their_team_a_team_only_itself(kb, tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        team_doc = store.add(NewItem(kind="feedback", audience="internal", doc="SOP-FLD-001", helpful=False))
        own_doc = store.add(NewItem(kind="feedback", audience="internal", doc="PRC-FLD-001", helpful=False))
        nowhere = store.add(NewItem(kind="gap", audience="internal", text="q", gap_kind="cannot"))
        gone = store.add(NewItem(kind="feedback", audience="internal", doc="SOP-OLD-001", helpful=False))
    assert [triage.owned_by(kb, "person:uma", i) for i in (team_doc, own_doc, nowhere)] == [True, True, False]
    assert [triage.owned_by(kb, "person:nadia", i) for i in (team_doc, own_doc)] == [True, False]
    assert [triage.owned_by(kb, "team:field-crew", i) for i in (team_doc, own_doc)] == [True, False]
    # no document, or one that is gone: the team that governs every document (kmt_team)
    assert triage.owner_of(kb, nowhere) == triage.owner_of(kb, gone) == "team:gov-board"
    assert triage.check_owner(kb, "team:gov-board") == "team:gov-board"


def test_states_for_the_state_option():
    assert triage.states_for([]) == ("new", "assessed", "actioned", "resolved", "declined")
    assert triage.states_for(["closed", "new"]) == ("new", "resolved", "declined")
    assert triage.states_for(["open", "assessed"]) == ("new", "assessed", "actioned")
    assert triage.states_for(["vote"]) == ("vote",)


def test_one_line():
    assert triage.one_line("  two\n\tlines \r\n here ") == "two lines here"
    assert triage.one_line(None) == triage.one_line("") == ""
    cut = triage.one_line("word " * 50, limit=20)
    assert cut == "word word word word…" and len(cut) <= 20
    assert triage.one_line("x" * 20, limit=20) == "x" * 20


def test_durations_count_back_on_the_calendar():
    assert subtract_duration(dt.date(2026, 3, 31), "1 month") == dt.date(2026, 2, 28)
    assert subtract_duration(dt.date(2026, 11, 22), "6 months") == dt.date(2026, 5, 22)
    assert subtract_duration(dt.date(2026, 11, 22), "180 days") == dt.date(2026, 5, 26)
    assert subtract_duration(dt.date(2024, 2, 29), "1 year") == dt.date(2023, 2, 28)
    assert subtract_duration(dt.date(2026, 1, 14), "2 weeks") == dt.date(2025, 12, 31)
    assert subtract_duration(dt.date(20, 1, 1), "9999 years") == dt.date.min


def test_an_atomic_write_by_path_leaves_nothing_when_it_fails(tmp_path):
    target = tmp_path / "backup.sqlite3"
    target.write_text("the old backup")

    def fails(path):
        path.write_text("half a backup")
        raise OSError(28, "No space left on device")

    with pytest.raises(KBError, match=r"cannot write .*No space left on device"):
        write_atomic_by(target, fails)
    assert target.read_text() == "the old backup" and os.listdir(tmp_path) == ["backup.sqlite3"]
    write_atomic_by(target, lambda path: path.write_text("the new backup"))
    assert target.read_text() == "the new backup" and os.listdir(tmp_path) == ["backup.sqlite3"]
