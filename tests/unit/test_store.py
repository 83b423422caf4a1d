"""The feedback store on a real SQLite file: schema and migrations, faults, kills, concurrent writers, purge, backup.

Faults are made with SQLite itself (a read-only connection, a page-count limit):
the tests run as root, whom file permissions do not stop.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kbtools.loop.store import MIGRATIONS, NewItem, Store, StoreError, parse_ref

REPO = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def comment(text: str, doc: str = "SOP-CARE-002", helpful: bool = False) -> NewItem:
    return NewItem(kind="feedback", audience="internal", doc=doc, version="1.1", helpful=helpful, text=text,
                   sender="tobias@kestrel.example", person="person:tobias")


def schema_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def run_python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


# --- schema -----------------------------------------------------------------------------------


def test_a_new_store_is_migrated_from_an_empty_file_and_reopened_as_it_is(tmp_path):
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"")  # an empty file is an empty database
    with Store(path) as store:
        item = store.add(comment("first"))
    assert schema_version(path) == len(MIGRATIONS)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"items", "events"} <= tables
    with Store(path) as again:  # opening a current store changes nothing
        assert [i.ref for i in again.items()] == [item.ref] == ["FB-1"]
        assert again.get("feedback", 1).text == "first"


def test_a_store_is_made_in_a_missing_folder_but_only_when_asked(tmp_path):
    path = tmp_path / "deep" / "er" / "store.sqlite3"
    with pytest.raises(StoreError, match="no feedback store"):
        Store(path, create=False)
    assert not path.parent.exists()
    with Store(path):
        pass
    assert path.is_file()


def test_a_store_of_a_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "store.sqlite3"
    with Store(path) as store:
        store.add(comment("kept"))
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    for read_only in (False, True):
        with pytest.raises(StoreError, match="made by a newer kb"):
            Store(path, read_only=read_only)
    assert schema_version(path) == len(MIGRATIONS) + 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT text FROM items").fetchall() == [("kept",)]


def test_a_read_only_connection_does_not_migrate(tmp_path):
    path = tmp_path / "store.sqlite3"
    sqlite3.connect(path).close()
    with pytest.raises(StoreError, match="needs migrating"):
        Store(path, read_only=True)
    assert schema_version(path) == 0


def test_a_file_that_is_not_a_store_is_a_store_error(tmp_path):
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not an SQLite database, only some text long enough to be read " * 20)
    with pytest.raises(StoreError, match="cannot open the feedback store"):
        Store(path)


def test_references_are_parsed_in_any_case():
    assert parse_ref("FB-12") == ("feedback", 12)
    assert parse_ref(" gap-3 ") == ("gap", 3)
    for bad in ("FB", "FB-", "FB-x", "XX-1", "FB-1-2", "FB--1", "FB-" + "9" * 19, "", "١٢"):
        assert parse_ref(bad) is None, bad


# --- faults -------------------------------------------------------------------------------------


def test_a_read_only_store_refuses_to_add_and_keeps_what_it_has(tmp_path):
    path = tmp_path / "store.sqlite3"
    with Store(path) as store:
        store.add(comment("before"))
    with Store(path, read_only=True) as store:
        assert store.count() == 1  # it still reads
        with pytest.raises(StoreError, match="cannot be written"):
            store.add(comment("refused"))
        with pytest.raises(StoreError):
            store.move("feedback", 1, "assessed", allowed_from=("new",))
        assert store.count() == 1
    with Store(path) as store:
        assert [i.text for i in store.items()] == ["before"]


def test_a_full_store_refuses_to_add_and_keeps_every_item_it_accepted(tmp_path):
    path = tmp_path / "store.sqlite3"
    with Store(path) as store:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    accepted: list[str] = []
    with Store(path, max_pages=pages + 2) as store:
        with pytest.raises(StoreError, match="full"):
            for n in range(10_000):
                store.add(comment(f"comment {n} " + "x" * 500))
                accepted.append(f"comment {n} ")
        assert 0 < len(accepted) < 10_000
        assert store.count() == len(accepted)  # the refused one is not half there
        assert len(store.all_events()) == len(accepted)
    with Store(path) as store:
        assert [i.text[: len(a)] for i, a in zip(store.items(), accepted, strict=True)] == accepted


# --- kills and concurrent writers ---------------------------------------------------------------

_ADD_THEN_DIE = """
    import os, signal, sys
    from pathlib import Path
    from kbtools.loop.store import NewItem, Store
    store = Store(Path(sys.argv[1]))
    for n in range(int(sys.argv[2])):
        store.add(NewItem(kind="gap", audience="internal", text=f"{sys.argv[3]} {n}", gap_kind="unknown"))
    print("added", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_nothing_is_lost_when_the_process_is_killed_right_after_adding(tmp_path):
    path = tmp_path / "store.sqlite3"
    result = run_python(_ADD_THEN_DIE, str(path), "50", "killed")
    assert result.returncode == -9 and result.stdout == "added\n", result.stderr
    assert path.with_name(path.name + "-wal").exists()  # never checkpointed: the items are in the log only
    with Store(path) as store:
        assert [i.text for i in store.items()] == [f"killed {n}" for n in range(50)]
        assert all(len(store.events("gap", i.id)) == 1 for i in store.items())


_ADD_MANY = """
    import sys
    from pathlib import Path
    from kbtools.loop.store import NewItem, Store
    store = Store(Path(sys.argv[1]))
    sys.stdin.readline()  # start together
    for n in range(int(sys.argv[2])):
        store.add(NewItem(kind="feedback", audience="public", doc="ART-DSK-001", helpful=False,
                          text=f"{sys.argv[3]} {n}"))
"""


def test_two_processes_adding_at_once_lose_nothing(tmp_path):
    path = tmp_path / "store.sqlite3"
    Store(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(_ADD_MANY), str(path), "300", name],
                                stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
               for name in ("left", "right")]
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, err = writer.communicate(timeout=100)
        assert writer.returncode == 0, err
    with Store(path) as store:
        items = store.items()
        texts = {i.text for i in items}
        assert len(items) == 600 == len({i.id for i in items})
        assert texts == {f"{name} {n}" for name in ("left", "right") for n in range(300)}
        assert store.votes() == {"ART-DSK-001": store.votes()["ART-DSK-001"]}
        assert store.votes()["ART-DSK-001"].votes == 600


# --- moving, counting ---------------------------------------------------------------------------


def test_move_checks_the_state_in_its_transaction_and_records_an_event(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        item = store.add(comment("moves"), at=T0)
        moved = store.move("feedback", item.id, "assessed", allowed_from=("new",), by="person:ines", note="read",
                           at=T0 + dt.timedelta(days=1))
        assert (moved.state, moved.updated) == ("assessed", T0 + dt.timedelta(days=1))
        with pytest.raises(ValueError, match="assessed"):
            store.move("feedback", item.id, "assessed", allowed_from=("new",))
        with pytest.raises(LookupError):
            store.move("gap", item.id, "assessed", allowed_from=("new",))  # FB-1 is not GAP-1
        done = store.move("feedback", item.id, "resolved", allowed_from=("new", "assessed"),
                          resolved_doc="SOP-CARE-002", resolved_version="1.1")
        assert (done.resolved_doc, done.resolved_version) == ("SOP-CARE-002", "1.1")
        assert [(e.state, e.by, e.note) for e in store.events("feedback", item.id)] == [
            ("new", "person:tobias", None), ("assessed", "person:ines", "read"), ("resolved", None, None)]
        assert store.all_events()[item.id] == store.events("feedback", item.id)


def test_a_plain_yes_is_a_vote_and_everything_else_waits_for_triage(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        states = [store.add(new).state for new in (
            NewItem(kind="feedback", audience="public", doc="ART-DSK-001", helpful=True),
            NewItem(kind="feedback", audience="public", doc="ART-DSK-001", helpful=True, text="great, but"),
            NewItem(kind="feedback", audience="public", doc="ART-DSK-001", helpful=False),
            NewItem(kind="gap", audience="internal", text="how?", gap_kind="unknown"),
        )]
        assert states == ["vote", "new", "new", "new"]
        votes = store.votes()["ART-DSK-001"]
        assert (votes.votes, votes.helpful, votes.percent) == (3, 2, 67)
        assert [i.ref for i in store.items(states=["new"], kind="feedback")] == ["FB-2", "FB-3"]
        assert store.items(states=[]) == []
        assert [i.ref for i in store.items(since=T0)] == ["FB-1", "FB-2", "FB-3", "GAP-4"]


# --- purge --------------------------------------------------------------------------------------


def test_purge_deletes_old_text_everywhere_and_keeps_the_counts(tmp_path):
    path = tmp_path / "store.sqlite3"
    with Store(path) as store:
        old = store.add(comment("SECRET-OLD-COMMENT"), at=T0)
        store.add(NewItem(kind="gap", audience="internal", text="SECRET-OLD-QUESTION", gap_kind="cannot",
                          product="SECRET-PRODUCT", account="ACC-00201", sender="SECRET-SENDER"), at=T0)
        store.move("feedback", old.id, "declined", allowed_from=("new",), by="person:ines",
                   reason="SECRET-REASON", note="SECRET-NOTE", at=T0)
        store.add(NewItem(kind="feedback", audience="public", doc="ART-DSK-001", helpful=True), at=T0)
        for n in range(40):  # enough to fill pages, whose freed space would keep the text
            store.add(comment(f"SECRET-OLD-COMMENT {n} " + "padding " * 10), at=T0)
            store.add(comment(f"recent comment {n}"), at=T0 + dt.timedelta(days=60))
        recent = store.add(comment("recent comment"), at=T0 + dt.timedelta(days=60))
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the old text is in the file, not only the log
        assert store.purge(T0 + dt.timedelta(days=30), by="person:ines") == 42
        purged = store.get("feedback", old.id)
        assert (purged.text, purged.sender, purged.person, purged.reason) == (None, None, None, None)
        assert (purged.state, purged.doc, purged.helpful) == ("declined", "SOP-CARE-002", False)
        gap = store.get("gap", 2)
        assert (gap.text, gap.product, gap.sender, gap.account) == (None, None, None, "ACC-00201")
        assert [(e.state, e.by, e.note) for e in store.events("feedback", old.id)][:2] == [
            ("new", None, None), ("declined", None, None)]
        assert store.events("feedback", old.id)[-1].state == "purged"
        assert store.get("feedback", recent.id).text == "recent comment"
        assert store.votes()["ART-DSK-001"].votes == 1 and store.count() == 84
        assert store.purge(T0 + dt.timedelta(days=30)) == 0  # nothing left to delete
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"recent comment" in raw
    for secret in (b"SECRET-OLD-COMMENT", b"SECRET-OLD-QUESTION", b"SECRET-PRODUCT", b"SECRET-SENDER",
                   b"SECRET-REASON", b"SECRET-NOTE"):
        assert secret not in raw, secret  # overwritten in the file, not left in free space or the log


# --- backup -------------------------------------------------------------------------------------

_WRITE_UNTIL_TOLD = """
    import sys
    from pathlib import Path
    from kbtools.loop.store import NewItem, Store
    store = Store(Path(sys.argv[1]))
    n = 0
    print("writing", flush=True)
    while not Path(sys.argv[2]).exists() or n < 200:
        store.add(NewItem(kind="feedback", audience="internal", doc="SOP-CARE-002", helpful=False, text=f"w {n}"))
        n += 1
    print(n, flush=True)
"""


def test_backup_while_another_process_writes_and_restore_from_it(tmp_path):
    path = tmp_path / "live" / "store.sqlite3"
    with Store(path) as store:
        store.add(comment("before the backup"))
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_WRITE_UNTIL_TOLD), str(path), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert writer.stdout.readline() == "writing\n"
    backups = [tmp_path / f"backup-{n}.sqlite3" for n in range(3)]
    with Store(path, read_only=True) as store:
        for target in backups:
            store.backup(target)
    stop.touch()
    out, err = writer.communicate(timeout=100)
    assert writer.returncode == 0, err
    written = int(out)
    for target in backups:
        assert not target.with_name(target.name + "-wal").exists()  # a backup is one file
        with sqlite3.connect(target) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            items, events = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "events"))
        assert 1 <= items <= written + 1 and events == items  # a consistent moment: every item with its event
    # restore: with the service stopped, the backup replaces the store and its -wal and -shm files go
    chosen = backups[-1]
    with sqlite3.connect(chosen) as db:
        in_backup = db.execute("SELECT count(*) FROM items").fetchone()[0]
    shutil.copyfile(chosen, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with Store(path) as store:
        assert store.count() == in_backup
        assert store.items()[0].text == "before the backup"
        assert store.add(comment("after the restore")).id == in_backup + 1
    assert os.path.getsize(path) > 0


def test_the_rate_limiter_forgets_the_longest_idle_and_keeps_a_flooding_client_limited():
    from kbtools.service.guard import RateLimiter, rate_key
    from kbtools.service.settings import RateLimit

    clock = [0.0]
    limiter = RateLimiter(RateLimit(2, 60.0), clock=lambda: clock[0], size=3)
    assert [limiter.take("flood") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("flood") > 0
    for other in ("a", "b", "c", "d"):  # more clients than the table holds, the flood still going
        limiter.take(other)
        assert limiter.take("flood") > 0
    clock[0] += 30.0  # half the period: one token back
    assert limiter.take("flood") == 0.0
    assert rate_key("2001:db8:1:2:3:4:5:6") == rate_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert rate_key("::ffff:192.0.2.1") == "192.0.2.1"
