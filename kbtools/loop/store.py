"""The store of the knowledge loop: feedback and knowledge gaps, in SQLite.

This is the only module that knows SQL. Everything else speaks `Item`,
`Event` and the methods of `Store`.

- One file, WAL mode, `synchronous=NORMAL`: a submission is committed before
  the service answers, and a committed transaction survives the process being
  killed (only a power cut can lose the last ones).
- The schema has migrations from the first version: `PRAGMA user_version`
  says which have run; a store made by a newer kb is refused, not damaged.
- Any failure of SQLite (a read-only or full store, a locked or damaged file)
  is a `StoreError`: the service answers 503, the commands exit 2.
- One connection per `Store`, shared by threads under a lock; the service
  runs its calls in a thread pool. Other processes (the triage commands while
  the service runs) open their own, and WAL lets them read while it writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["feedback", "gap"]
GapKind = Literal["unknown", "cannot"]  # "I do not know" (missing knowledge), "I cannot" (a limitation)
State = Literal["vote", "new", "assessed", "actioned", "resolved", "declined"]

PREFIX: dict[Kind, str] = {"feedback": "FB", "gap": "GAP"}
OPEN_STATES: tuple[State, ...] = ("new", "assessed", "actioned")
CLOSED_STATES: tuple[State, ...] = ("resolved", "declined")
STATES: tuple[State, ...] = ("vote", *OPEN_STATES, *CLOSED_STATES)
BUSY_TIMEOUT_MS = 5000

# Each entry runs once, in order, in one transaction with the bump of user_version.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('feedback', 'gap')),
        created TEXT NOT NULL,
        audience TEXT NOT NULL,
        doc TEXT,
        version TEXT,
        page TEXT,
        helpful INTEGER CHECK (helpful IN (0, 1)),
        text TEXT,
        gap_kind TEXT CHECK (gap_kind IN ('unknown', 'cannot')),
        product TEXT,
        account TEXT,
        sender TEXT,
        person TEXT,
        state TEXT NOT NULL,
        updated TEXT NOT NULL,
        resolved_doc TEXT,
        resolved_version TEXT,
        reason TEXT
    );
    CREATE INDEX items_state ON items (state, created);
    CREATE INDEX items_doc ON items (doc);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        item INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        state TEXT NOT NULL,
        by TEXT,
        note TEXT
    );
    CREATE INDEX events_item ON events (item);
    """,
    # Checklist runs: a document's checklist frozen at its version, worked item by item.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc TEXT NOT NULL,
        version TEXT NOT NULL,
        account TEXT,
        run_kind TEXT CHECK (run_kind IN ('setup', 'review')),
        start TEXT NOT NULL,
        created TEXT NOT NULL,
        created_by TEXT,
        checklist TEXT NOT NULL
    );
    CREATE INDEX runs_account ON runs (account);
    CREATE TABLE run_items (
        run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('task', 'field', 'approval')),
        done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
        value TEXT,
        decision TEXT CHECK (decision IN ('approved', 'rejected')),
        note TEXT,
        by TEXT,
        at TEXT,
        version INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run, key)
    );
    CREATE TABLE run_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        item TEXT NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        by TEXT,
        value TEXT,
        note TEXT
    );
    CREATE INDEX run_events_run ON run_events (run);
    CREATE TABLE run_comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        at TEXT NOT NULL,
        by TEXT,
        text TEXT NOT NULL
    );
    CREATE INDEX run_comments_run ON run_comments (run);
    """,
)

_COLUMNS = (
    "id, kind, created, audience, doc, version, page, helpful, text, gap_kind, product, account, sender, person, "
    "state, updated, resolved_doc, resolved_version, reason"
)


class StoreError(Exception):
    """The store cannot be used for this (read-only, full, locked, damaged, newer, missing)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One submission: feedback on a page, or a knowledge gap."""

    id: int
    kind: Kind
    created: dt.datetime
    audience: str
    doc: str | None
    version: str | None
    page: str | None
    helpful: bool | None
    text: str | None  # the feedback's comment, the gap's question
    gap_kind: GapKind | None
    product: str | None
    account: str | None
    sender: str | None  # the identity the trusted proxy passed, as it passed it
    person: str | None  # that identity as a person of the registry, `person:<id>`
    state: State
    updated: dt.datetime
    resolved_doc: str | None
    resolved_version: str | None
    reason: str | None

    @property
    def ref(self) -> str:
        return f"{PREFIX[self.kind]}-{self.id}"

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True, slots=True)
class Event:
    """A step of an item's life: created, assessed, actioned, resolved, declined, purged."""

    at: dt.datetime
    state: str
    by: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class NewItem:
    """What a submission brings; the store adds the id, the times and the state."""

    kind: Kind
    audience: str
    doc: str | None = None
    version: str | None = None
    page: str | None = None
    helpful: bool | None = None
    text: str | None = None
    gap_kind: GapKind | None = None
    product: str | None = None
    account: str | None = None
    sender: str | None = None
    person: str | None = None

    @property
    def first_state(self) -> State:
        """A "yes" with nothing said is a vote; everything else waits for triage."""
        return "vote" if self.kind == "feedback" and self.helpful and not self.text else "new"


@dataclass(frozen=True, slots=True)
class Votes:
    votes: int
    helpful: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.helpful / self.votes) if self.votes else None


RunItemKind = Literal["task", "field", "approval"]
Decision = Literal["approved", "rejected"]
RUN_PREFIX = "RUN"
RUNS_SCHEMA = 2  # the migration that added runs


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A started run: which document at which version, for which account, from when; its frozen checklist."""

    id: int
    doc: str
    version: str
    account: str | None
    run_kind: str | None  # setup | review | None (every step)
    start: dt.date
    created: dt.datetime
    created_by: str | None
    checklist: str  # the checklist as JSON, as it was built when the run started

    @property
    def ref(self) -> str:
        return f"{RUN_PREFIX}-{self.id}"


@dataclass(frozen=True, slots=True)
class RunItem:
    """One thing to do in a run: a task to tick, a field to fill, a gate to decide; as it stands now."""

    key: str
    step: str
    kind: RunItemKind
    done: bool = False
    value: str | None = None
    decision: Decision | None = None
    note: str | None = None
    by: str | None = None
    at: dt.datetime | None = None
    version: int = 0  # how many times it has changed: a form sends the one it showed


@dataclass(frozen=True, slots=True)
class ItemChange:
    """What one item becomes (every column), and the action recorded for it."""

    key: str
    action: str
    done: bool
    value: str | None
    decision: Decision | None
    note: str | None


@dataclass(frozen=True, slots=True)
class RunEvent:
    at: dt.datetime
    item: str
    action: str
    by: str | None
    value: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class RunComment:
    at: dt.datetime
    step: str
    by: str | None
    text: str


def parse_run_ref(ref: str) -> int | None:
    """`RUN-7` (any case) -> 7; None when it is not a run reference."""
    prefix, _, number = ref.strip().upper().partition("-")
    if prefix != RUN_PREFIX or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


def _run(row: sqlite3.Row) -> RunRecord:
    try:
        start = dt.date.fromisoformat(row["start"])
    except (TypeError, ValueError):
        raise StoreError(f"the store holds a date that is not one kb writes: {row['start']!r}") from None
    return RunRecord(id=row["id"], doc=row["doc"], version=row["version"], account=row["account"],
                     run_kind=row["run_kind"], start=start, created=_moment(row["created"]),
                     created_by=row["created_by"], checklist=row["checklist"])


def _run_item(row: sqlite3.Row) -> RunItem:
    return RunItem(key=row["key"], step=row["step"], kind=row["kind"], done=bool(row["done"]), value=row["value"],
                   decision=row["decision"], note=row["note"], by=row["by"],
                   at=None if row["at"] is None else _moment(row["at"]), version=row["version"])


_RUN_COLUMNS = "id, doc, version, account, run_kind, start, created, created_by, checklist"
_RUN_ITEM_COLUMNS = "key, step, kind, done, value, decision, note, by, at, version"


def parse_ref(ref: str) -> tuple[Kind, int] | None:
    """`FB-12` -> ("feedback", 12); None when it is not an item reference."""
    prefix, _, number = ref.strip().upper().partition("-")
    kind = next((k for k, p in PREFIX.items() if p == prefix), None)
    if kind is None or not number.isdigit() or len(number) > 18:
        return None
    return kind, int(number)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        raise StoreError(f"the store holds a time that is not one kb writes: {text!r}") from None


def _item(row: sqlite3.Row) -> Item:
    return Item(
        id=row["id"], kind=row["kind"], created=_moment(row["created"]), audience=row["audience"], doc=row["doc"],
        version=row["version"], page=row["page"], helpful=None if row["helpful"] is None else bool(row["helpful"]),
        text=row["text"], gap_kind=row["gap_kind"], product=row["product"], account=row["account"],
        sender=row["sender"], person=row["person"], state=row["state"], updated=_moment(row["updated"]),
        resolved_doc=row["resolved_doc"], resolved_version=row["resolved_version"], reason=row["reason"],
    )


class Store:
    """One SQLite store. `read_only` opens it without writing; `max_pages` caps its size (SQLite's page count)."""

    def __init__(self, path: Path, *, create: bool = True, read_only: bool = False, max_pages: int | None = None,
                 migrate: bool = True):
        """`migrate=False`: a store of an older schema is still brought up to date, but an empty or
        foreign SQLite file is refused rather than made a store."""
        self.path = path
        self.read_only = read_only
        self.max_pages = max_pages
        # One connection per thread: a thread waiting for SQLite's lock (another process writing) holds
        # up only itself, and SQLite, not Python, decides who writes next.
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.schema = 0
        if not create and not path.is_file():
            raise StoreError(f"no feedback store at {path}")
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rwc'}"
            if not migrate and self._schema() == 0:  # an empty or foreign file: only the service makes one a store
                raise StoreError(f"{path} is not a feedback store (kb serve creates one)")
            self._migrate(read_only)
        except (sqlite3.Error, OSError, StoreError) as exc:
            self.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open the feedback store {path}: {exc}") from None

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._uri, uri=True, check_same_thread=False, isolation_level=None,
                                 timeout=BUSY_TIMEOUT_MS / 1000)
            with self._opened_lock:
                self._opened.append(db)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            if not self.read_only:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("PRAGMA secure_delete = ON")  # purged text is overwritten, not left in free pages
            if self.max_pages is not None:
                db.execute(f"PRAGMA max_page_count = {int(self.max_pages)}")
            self._local.db = db
        return db

    def close(self) -> None:
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _schema(self) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(f"the store {self.path} was made by a newer kb (schema {version}); upgrade kbtools")
        return version

    def _migrate(self, read_only: bool) -> None:
        version = self._schema()
        self.schema = version
        if version == len(MIGRATIONS):
            return
        if read_only and version >= 1:
            return  # read as it is: what later migrations add (runs) reads as empty until kb serve migrates it
        if read_only:
            raise StoreError(f"the store {self.path} needs migrating and was opened read-only")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated it while this one waited for the lock (a newer kb too).
            version = self._schema()
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            self._db.execute("COMMIT")
            self.schema = len(MIGRATIONS)
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction within BUSY_TIMEOUT_MS in all, however many threads wait before it.

        This process's writers queue on a lock (SQLite's own busy wait polls with sleeps, slow
        between threads); whatever of the time is left is SQLite's, for writers in other processes.
        """
        budget = BUSY_TIMEOUT_MS / 1000
        deadline = time.monotonic() + budget
        if not self._write_lock.acquire(timeout=budget):
            raise StoreError(f"the feedback store {self.path} is busy: no write got through in {budget:g} s")
        try:
            db = self._db
            db.execute(f"PRAGMA busy_timeout = {max(1, round((deadline - time.monotonic()) * 1000))}")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"the feedback store {self.path} cannot be written: {exc}") from None
        finally:
            self._write_lock.release()

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"the feedback store {self.path} cannot be read: {exc}") from None

    # --- writing -------------------------------------------------------------------

    def add(self, new: NewItem, at: dt.datetime | None = None) -> Item:
        """Store a submission; it is committed when this returns."""
        stamp = _stamp(at or now())
        state = new.first_state
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO items (kind, created, audience, doc, version, page, helpful, text, gap_kind, product, "
                "account, sender, person, state, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.kind, stamp, new.audience, new.doc, new.version, new.page,
                 None if new.helpful is None else int(new.helpful), new.text, new.gap_kind, new.product,
                 new.account, new.sender, new.person, state, stamp),
            )
            ident = cursor.lastrowid
            db.execute("INSERT INTO events (item, at, state, by) VALUES (?, ?, ?, ?)",
                       (ident, stamp, state, new.person or new.sender))
            row = db.execute(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (ident,)).fetchone()
        return _item(row)

    def move(self, kind: Kind, ident: int, to: State, *, allowed_from: Sequence[State], by: str | None = None,
             note: str | None = None, resolved_doc: str | None = None, resolved_version: str | None = None,
             reason: str | None = None, at: dt.datetime | None = None) -> Item:
        """Move an item to the state `to`, checked and changed in one transaction.

        LookupError when there is no such item; ValueError (its argument the item's state) when
        its state is not one of `allowed_from`.
        """
        stamp = _stamp(at or now())
        with self._transaction() as db:
            row = db.execute("SELECT state FROM items WHERE id = ? AND kind = ?", (ident, kind)).fetchone()
            if row is None:
                raise LookupError(f"{PREFIX[kind]}-{ident}")
            if row["state"] not in allowed_from:
                raise ValueError(row["state"])
            db.execute(
                "UPDATE items SET state = ?, updated = ?, resolved_doc = coalesce(?, resolved_doc), "
                "resolved_version = coalesce(?, resolved_version), reason = coalesce(?, reason) WHERE id = ?",
                (to, stamp, resolved_doc, resolved_version, reason, ident),
            )
            db.execute("INSERT INTO events (item, at, state, by, note) VALUES (?, ?, ?, ?, ?)",
                       (ident, stamp, to, by, note or reason))
            return _item(db.execute(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (ident,)).fetchone())

    def purge(self, before: dt.datetime, by: str | None = None) -> int:
        """Delete what people wrote (comments, questions, products, who sent them, triage notes) in items
        created before `before`.

        The items stay, with their votes, documents and states, so counts and history keep adding up.
        The deleted text is overwritten in the file (`secure_delete`) and the write-ahead log is
        truncated when no reader holds it, so it does not linger in free pages. Returns how many items
        lost text or a sender.
        """
        stamp = _stamp(before)
        personal = (
            "created < ? AND (text IS NOT NULL OR product IS NOT NULL OR sender IS NOT NULL OR person IS NOT NULL "
            "OR reason IS NOT NULL OR EXISTS (SELECT 1 FROM events e WHERE e.item = items.id "
            "AND e.state != 'purged' AND (e.by IS NOT NULL OR e.note IS NOT NULL)))"
        )
        with self._transaction() as db:
            purged = db.execute(
                "INSERT INTO events (item, at, state, by, note) "
                f"SELECT id, ?, 'purged', ?, ? FROM items WHERE {personal}",
                (_stamp(now()), by, f"text written before {stamp} deleted", stamp),
            ).rowcount
            db.execute("UPDATE events SET by = NULL, note = NULL WHERE state != 'purged' AND item IN "
                       "(SELECT id FROM items WHERE created < ?)", (stamp,))
            db.execute("UPDATE items SET text = NULL, product = NULL, sender = NULL, person = NULL, reason = NULL "
                       "WHERE created < ?", (stamp,))
        # Truncating waits for no one: while a reader holds the log, its frames are overwritten later.
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(purged)

    def backup(self, target: Path) -> None:
        """An online copy of the whole store into `target` (SQLite's backup API; the service may keep writing)."""
        try:
            copy = sqlite3.connect(target)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the backup {target}: {exc}") from None
        try:
            self._db.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal or -shm beside it
        except sqlite3.Error as exc:
            raise StoreError(f"cannot back up the feedback store into {target}: {exc}") from None
        finally:
            copy.close()

    # --- reading -------------------------------------------------------------------

    def get(self, kind: Kind, ident: int) -> Item | None:
        rows = self._query(f"SELECT {_COLUMNS} FROM items WHERE id = ? AND kind = ?", (ident, kind))
        return _item(rows[0]) if rows else None

    def items(self, *, kind: Kind | None = None, states: Sequence[State] | None = None,
              docs: Sequence[str] | None = None, since: dt.datetime | None = None,
              limit: int | None = None) -> list[Item]:
        """Items, oldest first, narrowed by kind, states, documents and creation time; the first `limit`."""
        clause, args = self._where(kind, states, docs, since)
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        return [_item(r) for r in self._query(f"SELECT {_COLUMNS} FROM items{clause} ORDER BY id{tail}", args)]

    def open_counts(self, docs: Sequence[str] | None = None) -> dict[tuple[str | None, State], int]:
        """How many open items each document (None: no document) has in each open state, counted in SQL;
        of `docs` only, when given."""
        clause, args = self._where(None, OPEN_STATES, docs, None)
        rows = self._query(f"SELECT doc, state, count(*) AS n FROM items{clause} GROUP BY doc, state", args)
        return {(r["doc"], r["state"]): int(r["n"]) for r in rows}

    def _where(self, kind: Kind | None, states: Sequence[State] | None, docs: Sequence[str] | None,
               since: dt.datetime | None) -> tuple[str, list[object]]:
        where: list[str] = []
        args: list[object] = []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        for column, values in (("state", states), ("doc", docs)):
            if values is not None:
                where.append(f"{column} IN ({','.join('?' * len(values))})" if values else "0")
                args.extend(values)
        if since is not None:
            where.append("created >= ?")
            args.append(_stamp(since))
        return (f" WHERE {' AND '.join(where)}" if where else ""), args

    def events(self, kind: Kind, ident: int) -> list[Event]:
        rows = self._query("SELECT e.at, e.state, e.by, e.note FROM events e JOIN items i ON i.id = e.item "
                           "WHERE i.id = ? AND i.kind = ? ORDER BY e.id", (ident, kind))
        return [Event(_moment(r["at"]), r["state"], r["by"], r["note"]) for r in rows]

    def all_events(self) -> dict[int, list[Event]]:
        """Every item's events, by item number (the number of its `FB-`/`GAP-` reference), oldest first."""
        found: dict[int, list[Event]] = {}
        for r in self._query("SELECT item, at, state, by, note FROM events ORDER BY id"):
            found.setdefault(r["item"], []).append(Event(_moment(r["at"]), r["state"], r["by"], r["note"]))
        return found

    def votes(self, doc: str | None = None) -> dict[str, Votes]:
        """Per document: how many answered "was this page helpful?", and how many said yes."""
        clause, args = ("AND doc = ?", [doc]) if doc is not None else ("", [])
        rows = self._query("SELECT doc, count(*) AS votes, sum(helpful) AS helpful FROM items "
                           f"WHERE kind = 'feedback' AND doc IS NOT NULL AND helpful IS NOT NULL {clause} "
                           "GROUP BY doc", args)
        return {r["doc"]: Votes(r["votes"], r["helpful"] or 0) for r in rows}

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM items")[0][0])

    # --- checklist runs -------------------------------------------------------------

    def add_run(self, *, doc: str, version: str, account: str | None, run_kind: str | None, start: dt.date,
                checklist: str, items: Sequence[tuple[str, str, RunItemKind]], by: str | None = None,
                at: dt.datetime | None = None) -> RunRecord:
        """Store a new run and its items (key, step, kind), all open; committed when this returns."""
        stamp = _stamp(at or now())
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (doc, version, account, run_kind, start, created, created_by, checklist) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc, version, account, run_kind, start.isoformat(), stamp, by, checklist))
            ident = cursor.lastrowid
            db.executemany("INSERT INTO run_items (run, key, step, kind) VALUES (?, ?, ?, ?)",
                           [(ident, key, step, kind) for key, step, kind in items])
            db.execute("INSERT INTO run_events (run, item, at, action, by) VALUES (?, '', ?, 'started', ?)",
                       (ident, stamp, by))
            return _run(db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (ident,)).fetchone())

    def change_run(self, ident: int, decide: Callable[[list[RunItem]], Sequence[ItemChange]], *,
                   by: str | None, at: dt.datetime | None = None) -> list[RunItem]:
        """Change a run's items as `decide` says, given them as they are, in one transaction.

        `decide` sees the items as committed by everyone before (writers queue), so what it checks
        (a gate, a version) still holds when its changes are written; whatever it raises is raised
        here and nothing is written. LookupError when there is no such run. Returns the run's items after.
        """
        stamp = _stamp(at or now())
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (ident,)).fetchone() is None:
                raise LookupError(f"{RUN_PREFIX}-{ident}")
            rows = db.execute(f"SELECT {_RUN_ITEM_COLUMNS} FROM run_items WHERE run = ? ORDER BY rowid",
                              (ident,)).fetchall()
            for change in decide([_run_item(r) for r in rows]):
                db.execute(
                    "UPDATE run_items SET done = ?, value = ?, decision = ?, note = ?, by = ?, at = ?, "
                    "version = version + 1 WHERE run = ? AND key = ?",
                    (int(change.done), change.value, change.decision, change.note, by, stamp, ident, change.key))
                db.execute("INSERT INTO run_events (run, item, at, action, by, value, note) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (ident, change.key, stamp, change.action, by, change.value, change.note))
            rows = db.execute(f"SELECT {_RUN_ITEM_COLUMNS} FROM run_items WHERE run = ? ORDER BY rowid",
                              (ident,)).fetchall()
            return [_run_item(r) for r in rows]

    def add_run_comment(self, ident: int, step: str, text: str, *, by: str | None,
                        at: dt.datetime | None = None) -> RunComment:
        stamp = _stamp(at or now())
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (ident,)).fetchone() is None:
                raise LookupError(f"{RUN_PREFIX}-{ident}")
            db.execute("INSERT INTO run_comments (run, step, at, by, text) VALUES (?, ?, ?, ?, ?)",
                       (ident, step, stamp, by, text))
        return RunComment(_moment(stamp), step, by, text)

    @property
    def _has_runs(self) -> bool:
        return self.schema >= RUNS_SCHEMA

    def get_run(self, ident: int) -> RunRecord | None:
        if not self._has_runs:
            return None
        rows = self._query(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (ident,))
        return _run(rows[0]) if rows else None

    def runs(self, *, account: str | None = None, doc: str | None = None) -> list[RunRecord]:
        """Runs, oldest first, narrowed by account and document."""
        if not self._has_runs:
            return []
        where, args = [], []
        for column, value in (("account", account), ("doc", doc)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [_run(r) for r in self._query(f"SELECT {_RUN_COLUMNS} FROM runs{clause} ORDER BY id", args)]

    def run_items(self, ident: int) -> list[RunItem]:
        rows = self._query(f"SELECT {_RUN_ITEM_COLUMNS} FROM run_items WHERE run = ? ORDER BY rowid", (ident,))
        return [_run_item(r) for r in rows]

    def all_run_items(self) -> dict[int, list[RunItem]]:
        """Every run's items, by run number."""
        if not self._has_runs:
            return {}
        found: dict[int, list[RunItem]] = {}
        for r in self._query(f"SELECT run, {_RUN_ITEM_COLUMNS} FROM run_items ORDER BY run, rowid"):
            found.setdefault(r["run"], []).append(_run_item(r))
        return found

    def run_events(self, ident: int) -> list[RunEvent]:
        rows = self._query("SELECT at, item, action, by, value, note FROM run_events WHERE run = ? ORDER BY id",
                           (ident,))
        return [RunEvent(_moment(r["at"]), r["item"], r["action"], r["by"], r["value"], r["note"]) for r in rows]

    def run_comments(self, ident: int) -> list[RunComment]:
        rows = self._query("SELECT at, step, by, text FROM run_comments WHERE run = ? ORDER BY id", (ident,))
        return [RunComment(_moment(r["at"]), r["step"], r["by"], r["text"]) for r in rows]
