"""`kb run`: checklist runs in the service's store, started and reported on from the command line.

A run is the checklist `kb checklist` builds, frozen at the document's
version and stored (kbtools/loop/store.py); it is worked on the internal
service (`/service/runs/RUN-<n>/`). What a run holds and how it is worked is
kbtools/runs/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..findings import KBError, printable
from ..kb import KnowledgeBase
from ..loop.location import store_location
from ..loop.store import RunRecord, Store, parse_run_ref
from ..loop.triage import person_of
from ..models import RUNS, Run
from ..output import csv_text, json_report, text_table
from ..runs import work
from ..runs.model import RUN_STATES
from ..runs.render import FORMATS, render
from .checklist import parse_sets
from .common import emit, note_left_out, open_kb, output_option, parse_date, root_option, store_option, today_option

LIST_COLUMNS = ["run", "state", "doc", "version", "account", "start", "open_items", "title"]


def _store(kb: KnowledgeBase, given: Path | None) -> Store:
    """The store, made when there is none yet (a run can be started before the service first runs)."""
    path = store_location(kb.root, given)
    return Store(path, migrate=not path.exists())


def find_run(store: Store, text: str) -> RunRecord:
    number = parse_run_ref(text)
    if number is None:
        raise KBError(f"{text!r} is not a run id; write it RUN-<n>, e.g. RUN-7")
    record = store.get_run(number)
    if record is None:
        raise KBError(f"no run RUN-{number} in the store {store.path}")
    return record


@click.group("run")
def run() -> None:
    """Checklist runs: a document's checklist started for an account and worked on the service.

    Runs are RUN-<n>. The store is --store, else $KB_STORE, else
    .kb/store.sqlite3; kb run start makes it when there is none.
    """


@run.command("start")
@click.argument("doc_id", metavar="DOC-ID")
@click.option("--account", "account_id", metavar="ACC-ID", help="Start the run for this account.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A run input, e.g. --set to=person:jdoe.")
@click.option("--start", metavar="YYYY-MM-DD", help="The day relative due dates count from (default: today).")
@click.option("--run", "run_kind", type=click.Choice(RUNS), default=None,
              help="Only the steps of this run: setup or review (default: every step).")
@click.option("--by", metavar="person:<id>", help="Who starts it (recorded with the run).")
@store_option
@today_option
@root_option
def start(doc_id: str, account_id: str | None, sets: tuple[str, ...], start: str | None, run_kind: Run | None,
          by: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    """Start a run of DOC-ID's checklist: built as kb checklist builds it, frozen at the document's version."""
    inputs = parse_sets(sets)
    begin = parse_date(start, "'--start'") if start is not None else today
    kb = open_kb(root)
    who = person_of(kb, by)
    with _store(kb, store) as opened:
        record = work.start_run(kb, opened, doc_id, account_id=account_id, sets=inputs, start=begin, today=today,
                                run_kind=run_kind, by=who)
        items = len(opened.run_items(record.id))
    click.echo(f"{record.ref}  {record.doc} {record.version}  {record.account or 'no account'}  "
               f"start {record.start}  {items} item(s)")
    click.echo(f"work it at {kb.config.url(f'service/runs/{record.ref}/')}", err=True)
    note_left_out(kb, "the run")
    return 0


@run.command("list")
@click.option("--account", metavar="ACC-ID", help="Only this account's runs.")
@click.option("--doc", metavar="ID", help="Only runs of this document.")
@click.option("--state", "states", multiple=True, type=click.Choice(RUN_STATES), help="Only runs in this state.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@output_option("the list")
@store_option
@today_option
@root_option
def list_runs(account: str | None, doc: str | None, states: tuple[str, ...], fmt: str, output: str | None,
              store: Path | None, today: dt.date, root: Path | None) -> int:
    """Runs, oldest first, with their state and how many items are still open."""
    kb = open_kb(root)
    with _store(kb, store) as opened:
        items = opened.all_run_items()
        rows = []
        for record in opened.runs(account=account.upper() if account else None, doc=doc.upper() if doc else None):
            cl = work.checklist_of(record)
            mine = items.get(record.id, [])
            state = work.run_state(cl, mine, today)
            if states and state not in states:
                continue
            still_open = sum(1 for i in mine if (i.kind == "task" and not i.done)
                             or (i.kind == "approval" and i.decision != "approved"))
            rows.append({"run": record.ref, "state": state, "doc": record.doc, "version": record.version,
                         "account": record.account, "start": record.start.isoformat(), "open_items": still_open,
                         "title": cl.title})
    if fmt == "json":
        text = json_report(today, runs=rows)
    elif fmt == "csv":
        text = csv_text(LIST_COLUMNS, [[r[c] if r[c] is not None else "" for c in LIST_COLUMNS] for r in rows])
    else:
        table = [[c.replace("_", " ") for c in LIST_COLUMNS]] + [
            [printable(str(r[c] if r[c] is not None else "-")) for c in LIST_COLUMNS] for r in rows]
        text = "\n".join(text_table(table) if rows else ["no runs"]) + "\n"
    emit(text, output)
    return 0


def _export(ident: str, fmt: str, output: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    kb = open_kb(root)
    with _store(kb, store) as opened:
        record = find_run(opened, ident)
        data = work.report(kb, record, opened.run_items(record.id), opened.run_comments(record.id), today)
    text = render(data, fmt)
    if fmt == "md" and output in (None, "-"):  # to a terminal: what anyone wrote cannot steer it
        text = "\n".join(printable(line) for line in text.split("\n"))
    emit(text, output)
    return 0


@run.command("show")
@click.argument("ident", metavar="RUN-ID")
@store_option
@today_option
@root_option
def show(ident: str, store: Path | None, today: dt.date, root: Path | None) -> int:
    """One run as Markdown: every step with its state, each item with who and when, comments, gate decisions."""
    return _export(ident, "md", None, store, today, root)


@run.command("export")
@click.argument("ident", metavar="RUN-ID")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@output_option("the run")
@store_option
@today_option
@root_option
def export(ident: str, fmt: str, output: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    """One run in md, csv or json (the json's schema is schemas/run.schema.json)."""
    return _export(ident, fmt, output, store, today, root)
