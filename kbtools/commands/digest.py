"""`kb digest`: per owner, what is overdue or due soon, with links to the site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..digest import digest as build_digest
from ..digest import markdown
from ..output import json_text
from .common import emit, note_left_out, open_kb, output_option, root_option, today_option


@click.command("digest")
@click.option("--within", type=click.IntRange(min=0), metavar="DAYS",
              help="Items overdue or due within DAYS days (default: due_soon_days in kb.yml).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@output_option("the digest")
@today_option
@root_option
def digest(within: int | None, fmt: str, output: str | None, today: dt.date, root: Path | None) -> int:
    """Per owner (person or team), what is overdue or due soon, with links to the site.

    Ready to paste into mail or chat; a team's recipients are its active
    members. Owners with nothing due are left out. Always exits 0 (a report).
    """
    kb = open_kb(root)
    data = build_digest(kb, today, kb.config.due_soon_days if within is None else within)
    emit(json_text(data) if fmt == "json" else markdown(data), output)
    note_left_out(kb, "this digest")
    return 0
