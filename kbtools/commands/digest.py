"""`kb digest`: per owner, what is overdue or due soon, with links to the site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..digest import Feedback, markdown
from ..digest import digest as build_digest
from ..loop.location import open_existing, store_location
from ..loop.store import OPEN_STATES, RunItem, RunRecord
from ..output import json_text
from .common import emit, note_left_out, open_kb, output_option, root_option, store_option, today_option


@click.command("digest")
@click.option("--within", type=click.IntRange(min=0), metavar="DAYS",
              help="Items overdue or due within DAYS days (default: due_soon_days in kb.yml).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@output_option("the digest")
@store_option
@today_option
@root_option
def digest(within: int | None, fmt: str, output: str | None, store: Path | None, today: dt.date,
           root: Path | None) -> int:
    """Per owner (person or team), what is overdue or due soon, and their open feedback and knowledge gaps.

    Ready to paste into mail or chat, with links to the site; a team's
    recipients are its active members. Owners with nothing due and nothing
    open are left out. The feedback comes from the store (--store, else
    $KB_STORE, else .kb/store.sqlite3); without one the digest says so.
    Exits 0 (a report), 2 when the store cannot be read.
    """
    kb = open_kb(root)
    path = store_location(kb.root, store)
    found = None
    runs: list[tuple[RunRecord, list[RunItem]]] = []
    if path.is_file():
        with open_existing(path, read_only=True) as opened:
            found = opened.items(states=OPEN_STATES)
            items = opened.all_run_items()
            runs = [(r, items.get(r.id, [])) for r in opened.runs()]
    data = build_digest(kb, today, kb.config.due_soon_days if within is None else within,
                        Feedback(path, found, runs))
    emit(json_text(data) if fmt == "json" else markdown(data), output)
    note_left_out(kb, "this digest")
    return 0
