"""Checklist runs in the store and the rules of working one: gates lock, approvers decide, rejections reopen."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from kbtools.loop.store import MIGRATIONS, Store
from kbtools.runs import work
from kbtools.runs.work import Actor, Change, RunRefused

DOC = "TPL-CARE-001"
TIER1 = "ACC-00201"  # owned by petra (am, care-lead); tobias is its kam
TODAY = dt.date(2026, 11, 22)
PETRA = Actor("person:petra", "person:petra")  # holds role:care-lead
TOBIAS = Actor("person:tobias", "person:tobias")  # does not
BEFORE_GATE = ["collect-usage/items/1", "collect-usage/items/2", "collect-usage/items/3", "rate-satisfaction/done",
               "check-contract/items/1"]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite3") as opened:
        yield opened


@pytest.fixture
def started(site_kb, store):
    record = work.start_run(site_kb, store, DOC, account_id=TIER1, sets={}, start=TODAY, today=TODAY,
                            run_kind="review", by="person:petra")
    return record


def act(site_kb, store, record, change: Change, actor: Actor = TOBIAS):
    cl = work.checklist_of(record)
    return store.change_run(record.id, work.decide(site_kb, cl, change, actor), by=actor.ref)


def states(store, record):
    return work.step_states(work.checklist_of(record), store.run_items(record.id))


def test_a_run_is_stored_with_its_document_version_account_and_every_item_open(site_kb, store, started):
    assert started.ref == "RUN-1"
    assert (started.doc, started.version, started.account, started.run_kind, started.start) == (
        DOC, site_kb.docs[DOC].model.version, TIER1, "review", TODAY)
    keys = [i.key for i in store.run_items(started.id)]
    assert keys[:5] == ["collect-usage/items/1", "collect-usage/items/2", "collect-usage/items/3",
                        "rate-satisfaction/fields/satisfaction", "rate-satisfaction/fields/topics"]
    assert "sign-off-status/approval" in keys and "record-baseline/items/1" not in keys  # a set-up step
    assert not any(i.done or i.value or i.decision for i in store.run_items(started.id))
    assert work.run_state(work.checklist_of(started), store.run_items(started.id), TODAY) == "in progress"


def first_schema_store(path):
    """A store as the first schema left it (no runs), holding one feedback item."""
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("INSERT INTO items (kind, created, audience, state, updated) "
                   "VALUES ('feedback', '2026-01-01T00:00:00Z', 'internal', 'new', '2026-01-01T00:00:00Z')")
        db.execute("PRAGMA user_version = 1")
    return path


def test_the_runs_migration_brings_a_first_schema_store_up_to_date_and_keeps_its_items(tmp_path):
    path = first_schema_store(tmp_path / "old.sqlite3")
    with Store(path) as store:
        assert store.count() == 1 and store.runs() == []
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 2


def test_a_first_schema_store_opened_read_only_is_read_as_it_is_with_no_runs(tmp_path):
    path = first_schema_store(tmp_path / "old.sqlite3")
    with Store(path, read_only=True) as store:
        assert store.count() == 1
        assert (store.runs(), store.all_run_items(), store.get_run(1)) == ([], {}, None)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1  # left alone


def test_steps_after_a_gate_are_locked_until_the_approver_approves(site_kb, store, started):
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, Change("write-plan/done", "tick"))
    assert (refused.value.status, refused.value.code) == (409, "locked")
    for key in BEFORE_GATE:
        act(site_kb, store, started, Change(key, "tick"))
    assert states(store, started)["sign-off-status"] == "open"
    assert work.run_state(work.checklist_of(started), store.run_items(started.id), TODAY) == "waiting for approval"
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, Change("sign-off-status/approval", "approve"), TOBIAS)
    assert refused.value.code == "not-approver"
    act(site_kb, store, started, Change("sign-off-status/approval", "approve", note="Fine"), PETRA)
    assert states(store, started)["write-plan"] == "open"
    assert states(store, started)["send-summary"] == "locked"  # behind the second gate
    act(site_kb, store, started, Change("write-plan/done", "tick"))
    gate = next(i for i in store.run_items(started.id) if i.key == "sign-off-status/approval")
    assert (gate.decision, gate.note, gate.by) == ("approved", "Fine", "person:petra")


def test_a_gate_cannot_be_decided_before_its_steps_are_complete_nor_without_a_person(site_kb, store, started):
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, Change("sign-off-status/approval", "approve"), PETRA)
    assert refused.value.code == "incomplete"
    for key in BEFORE_GATE:
        act(site_kb, store, started, Change(key, "tick"))
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, Change("sign-off-status/approval", "approve"), Actor("someone@else", None))
    assert refused.value.status == 403
    assert all(i.decision is None for i in store.run_items(started.id))


def test_a_rejection_needs_a_note_and_reopens_the_covered_steps(site_kb, store, started):
    act(site_kb, store, started, Change("rate-satisfaction/fields/satisfaction", "set", "Satisfied"))
    for key in BEFORE_GATE:
        act(site_kb, store, started, Change(key, "tick"))
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, Change("sign-off-status/approval", "reject", note="  "), PETRA)
    assert refused.value.code == "note-required"
    act(site_kb, store, started, Change("sign-off-status/approval", "reject", note="Readings are from Q2"), PETRA)
    items = {i.key: i for i in store.run_items(started.id)}
    assert not any(items[k].done for k in BEFORE_GATE)
    assert items["rate-satisfaction/fields/satisfaction"].value == "Satisfied"  # kept
    assert (items["sign-off-status/approval"].decision, items["sign-off-status/approval"].note) == (
        "rejected", "Readings are from Q2")
    assert states(store, started)["write-plan"] == "locked"
    actions = [e.action for e in store.run_events(started.id)]
    assert actions.count("reopen") == len(BEFORE_GATE) and "reject" in actions


def test_the_steps_an_approved_gate_covers_are_frozen(site_kb, store, started):
    for key in BEFORE_GATE:
        act(site_kb, store, started, Change(key, "tick"))
    act(site_kb, store, started, Change("sign-off-status/approval", "approve"), PETRA)
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, Change("collect-usage/items/1", "untick"))
    assert refused.value.code == "approved"


@pytest.mark.parametrize(("key", "value", "stored"), [
    ("rate-satisfaction/fields/satisfaction", "Neutral", "Neutral"),
    ("rate-satisfaction/fields/topics", ["Response times", "Billing"], '["Billing", "Response times"]'),
    ("check-contract/fields/renewal", "2027-03-31", "2027-03-31"),
])
def test_fields_keep_their_values(site_kb, store, started, key, value, stored):
    act(site_kb, store, started, Change(key, "set", value))
    assert next(i for i in store.run_items(started.id) if i.key == key).value == stored


@pytest.mark.parametrize(("change", "code"), [
    (Change("rate-satisfaction/fields/satisfaction", "set", "Ecstatic"), "invalid"),
    (Change("rate-satisfaction/fields/satisfaction", "set", ["Neutral", "Satisfied"]), "invalid"),
    (Change("rate-satisfaction/fields/topics", "set", ["Parking"]), "invalid"),
    (Change("check-contract/fields/renewal", "set", "next spring"), "invalid"),
    (Change("collect-usage/items/1", "set", "x"), "wrong-action"),
    (Change("rate-satisfaction/fields/topics", "tick"), "wrong-action"),
    (Change("collect-usage/items/9", "tick"), "unknown-item"),
    (Change("rate-satisfaction/fields/satisfaction", "set", "Neutral", seen=3), "conflict"),
])
def test_bad_changes_are_refused_and_change_nothing(site_kb, store, started, change, code):
    before = store.run_items(started.id)
    with pytest.raises(RunRefused) as refused:
        act(site_kb, store, started, change)
    assert refused.value.code == code
    assert store.run_items(started.id) == before


def test_threads_ticking_the_same_run_at_once_lose_nothing(site_kb, tmp_path, started, store):
    keys = BEFORE_GATE
    errors: list[BaseException] = []

    def tick(key: str) -> None:
        try:
            with Store(store.path) as own:  # a connection of its own, as another worker would have
                for _ in range(3):  # the same tick again changes nothing
                    act(site_kb, own, started, Change(key, "tick"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    items = {i.key: i for i in store.run_items(started.id)}
    assert all(items[k].done and items[k].version == 1 for k in keys)
    assert sum(1 for e in store.run_events(started.id) if e.action == "tick") == len(keys)


def test_a_run_past_a_due_date_with_the_step_open_is_overdue_and_a_finished_one_done(site_kb, store):
    record = work.start_run(site_kb, store, DOC, account_id=TIER1, sets={}, start=dt.date(2026, 10, 1),
                            today=TODAY, run_kind="review", by=None)
    cl = work.checklist_of(record)
    assert work.run_state(cl, store.run_items(record.id), TODAY) == "overdue"  # send-summary was due 10-15
    numbers = {s.id: s.number for s in cl.steps}
    for gate, last in (("sign-off-status", 3), ("sign-off-plan", 7), (None, 99)):
        for item in store.run_items(record.id):
            if item.kind == "task" and not item.done and numbers[item.step] <= last:
                act(site_kb, store, record, Change(item.key, "tick"))
        if gate:
            act(site_kb, store, record, Change(f"{gate}/approval", "approve"), PETRA)
    assert work.run_state(cl, store.run_items(record.id), TODAY) == "done"


def test_the_report_carries_who_and_when_comments_and_decisions(site_kb, store, started):
    act(site_kb, store, started, Change("collect-usage/items/1", "tick"))
    store.add_run_comment(started.id, "collect-usage", "Readings came late", by="person:tobias")
    report = work.report(site_kb, started, store.run_items(started.id), store.run_comments(started.id), TODAY)
    first = report.steps[0]
    assert (first.items[0].done, first.items[0].changed.by) == (True, "person:tobias")
    assert first.items[0].changed.at is not None
    assert [c.text for c in first.comments] == ["Readings came late"]
    assert report.steps[3].approval is not None and report.steps[3].approval.decision is None
    assert report.document_now is None
