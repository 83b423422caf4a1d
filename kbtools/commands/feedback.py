"""`kb feedback`: triage of the feedback and knowledge gaps in the service's store.

The store is operational data (kbtools/loop/store.py), found by
kbtools/loop/location.py; only `kb serve` creates one. What is chosen,
moved and counted is decided in kbtools/loop/triage.py, shown by
kbtools/loop/report.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..findings import printable
from ..kb import KnowledgeBase
from ..loop import report, triage
from ..loop.location import open_existing, store_location
from ..loop.store import Kind, Store
from ..models import DURATION_RE, subtract_duration
from ..output import json_report, plural
from .common import (
    F,
    emit,
    note_left_out,
    open_kb,
    output_option,
    parse_date,
    root_option,
    store_option,
    today_option,
)


def _open(root: Path | None, store: Path | None, *, read_only: bool) -> tuple[KnowledgeBase, Store]:
    kb = open_kb(root)
    return kb, open_existing(store_location(kb.root, store), read_only=read_only)


def _report(kb: KnowledgeBase, fmt: str, output: str | None, **renderers: Callable[[], str]) -> int:
    """Write the report in the format asked for (one renderer each); note files the owners and titles lack."""
    emit(renderers[fmt](), output)
    note_left_out(kb, "the owners and titles")
    return 0


def _report_options(what: str, *formats: str) -> Callable[[F], F]:
    """--format (the first of `formats` by default), -o, --store, --today and --root: the options of every report."""

    def decorate(fn: F) -> F:
        for option in (root_option, today_option, store_option, output_option(what),
                       click.option("--format", "fmt", type=click.Choice(formats), default=formats[0],
                                    show_default=True)):
            fn = option(fn)
        return fn

    return decorate


@click.group("feedback")
def feedback() -> None:
    """Triage the feedback and knowledge gaps that readers sent through kb serve.

    Items are FB-<n> (feedback on a page) and GAP-<n> (a knowledge gap), in
    any letter case. Their life: new -> assess -> action -> resolve (with the
    document version that fixed it), or decline (with a reason) from any open
    state. The store is --store, else $KB_STORE, else .kb/store.sqlite3.
    """


@feedback.command("list")
@click.option("--doc", "docs", multiple=True, metavar="ID", help="Only items on this document (repeatable).")
@click.option("--owner", metavar="REF",
              help="Only items for this owner (person:<id> also gets the items of their team).")
@click.option("--state", "states", multiple=True, type=click.Choice(list(triage.STATE_GROUPS)),
              help="Only items in this state (repeatable; open and closed stand for several). "
                   "Default: every state but vote.")
@click.option("--kind", type=click.Choice(["feedback", "gap"]), help="Only feedback, or only knowledge gaps.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only items sent on or after this day (UTC).")
@_report_options("the list", "text", "json", "csv")
def list_items(docs: tuple[str, ...], owner: str | None, states: tuple[str, ...], kind: Kind | None,
               since: str | None, fmt: str, output: str | None, store: Path | None, today: dt.date,
               root: Path | None) -> int:
    """Items to triage, oldest first: every one that is not a plain "yes" vote, unless filtered."""
    day = parse_date(since, "'--since'") if since is not None else None
    kb, opened = _open(root, store, read_only=True)
    with opened:
        who = triage.check_owner(kb, owner) if owner is not None else None
        items = triage.select(kb, opened, states=triage.states_for(states), docs=docs or None, owner=who, kind=kind,
                              since=day)
        rows = [triage.row(kb, i, today) for i in items]
    return _report(kb, fmt, output, json=lambda: json_report(today, store=str(opened.path), items=rows),
                   csv=lambda: report.items_csv(rows), text=lambda: report.list_text(rows))


@feedback.command("show")
@click.argument("ident", metavar="ID")
@_report_options("the item", "text", "json")
def show(ident: str, fmt: str, output: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    """One item with every field and its history: created, assessed, actioned, ... with who, when and notes."""
    kb, opened = _open(root, store, read_only=True)
    with opened:
        item = triage.find(opened, ident)
        data = triage.row(kb, item, today, opened.events(item.kind, item.id))
    return _report(kb, fmt, output, json=lambda: json_report(today, item=data), text=lambda: report.show_text(data))


@feedback.command("stats")
@_report_options("the statistics", "text", "json", "csv")
def stats(fmt: str, output: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    """Per document: votes, % helpful, open items; per owner and department: open items; per state: items."""
    kb, opened = _open(root, store, read_only=True)
    with opened:
        data = triage.stats(kb, opened, today)
    return _report(kb, fmt, output, json=lambda: json_report(today, **data), csv=lambda: report.stats_csv(data),
                   text=lambda: report.stats_text(data))


@feedback.command("export")
@_report_options("the export", "json", "csv")
def export(fmt: str, output: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    """Every item (votes too) with every field, for archiving (json, with each item's history) or a spreadsheet."""
    kb, opened = _open(root, store, read_only=True)
    with opened:
        events = opened.all_events()
        rows = [triage.row(kb, i, today, events.get(i.id, [])) for i in opened.items()]
    return _report(kb, fmt, output, json=lambda: json_report(today, items=rows), csv=lambda: report.items_csv(rows))


# --- the lifecycle: one command a transition --------------------------------------------------


def _lifecycle(fn: F) -> F:
    for option in (
        root_option,
        store_option,
        click.option("--note", metavar="TEXT", help="A note for the item's history."),
        click.option("--by", metavar="REF", help="Who does it: person:<id> of the registry."),
        click.argument("ident", metavar="ID"),
    ):
        fn = option(fn)
    return fn


def _move(verb: str, ident: str, root: Path | None, store: Path | None, **how: Any) -> int:
    kb, opened = _open(root, store, read_only=False)
    with opened:
        was, item = triage.move(kb, opened, ident, verb, **how)
    done = f"{item.ref}: {was} -> {item.state}"
    if item.state == "resolved":
        done += f" by {item.resolved_doc} version {item.resolved_version}"
    click.echo(printable(done))
    return 0


@feedback.command("assess")
@_lifecycle
def assess(ident: str, by: str | None, note: str | None, store: Path | None, root: Path | None) -> int:
    """Mark a new item assessed: someone has read it and judged what it needs."""
    return _move("assess", ident, root, store, by=by, note=note)


@feedback.command("action")
@_lifecycle
def action(ident: str, by: str | None, note: str | None, store: Path | None, root: Path | None) -> int:
    """Mark an item actioned: work on it is under way (say where with --note, e.g. the KMT governance meeting)."""
    return _move("action", ident, root, store, by=by, note=note)


@feedback.command("resolve")
@click.option("--version", "version", required=True, metavar="X.Y",
              help="Its version that did: the current one or one in its changelog.")
@click.option("--doc", required=True, metavar="DOC-ID", help="The document whose change resolved the item.")
@_lifecycle
def resolve(ident: str, by: str | None, note: str | None, store: Path | None, root: Path | None, doc: str,
            version: str) -> int:
    """Mark an open item resolved by a version of a document.

    kb feedback resolve FB-12 --doc SOP-CS-001 --version 1.4
    """
    return _move("resolve", ident, root, store, by=by, note=note, doc=doc, version=version)


@feedback.command("decline")
@click.option("--reason", required=True, metavar="TEXT", help="Why nothing will change.")
@_lifecycle
def decline(ident: str, by: str | None, note: str | None, store: Path | None, root: Path | None,
            reason: str) -> int:
    """Close an open item without a change, with the reason."""
    return _move("decline", ident, root, store, by=by, note=note, reason=reason)


# --- keeping the store ---------------------------------------------------------------------------


@feedback.command("purge")
@click.option("--older-than", "older_than", required=True, metavar="DURATION",
              help="Items sent before this long ago, counted from today: '180 days', '6 months', '1 year'.")
@click.option("--by", metavar="REF", help="Who purges: person:<id> of the registry.")
@store_option
@today_option
@root_option
def purge(older_than: str, by: str | None, store: Path | None, today: dt.date, root: Path | None) -> int:
    """Delete what people wrote (comments, questions, products, who sent them, notes) in older items.

    The items stay, with their documents, votes and states, so the statistics
    keep adding up. Prints how many items lost text.
    """
    if not re.match(DURATION_RE, older_than):
        raise click.BadParameter(f"{older_than!r} is not a duration; write e.g. '180 days', '6 months', '2 years'",
                                 param_hint="'--older-than'")
    before = subtract_duration(today, older_than)
    kb, opened = _open(root, store, read_only=False)
    with opened:
        count = opened.purge(dt.datetime.combine(before, dt.time(), dt.UTC), by=triage.person_of(kb, by))
    click.echo(f"purged the text of {plural(count, 'item')} sent before {before.isoformat()}")
    return 0


@feedback.command("backup")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@store_option
@root_option
def backup(file: Path, store: Path | None, root: Path | None) -> int:
    """Write a copy of the whole store to FILE while the service keeps running (SQLite's online backup).

    FILE is replaced atomically (a temporary file beside it, renamed over it);
    a link there is refused. A new FILE is readable by its owner only.
    """
    _, opened = _open(root, store, read_only=True)
    with opened:
        triage.backup(opened, file)
    click.echo(printable(f"backed up the feedback store {opened.path} to {file}"))
    return 0
