"""`kb reviews`: review status of SOPs and accounts, soonest due first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from ..findings import printable
from ..kb import KnowledgeBase
from ..output import csv_text, json_report, text_table
from ..reviews import STATE_LABEL, review_items
from .common import emit, note_left_out, open_kb, output_option, root_option, today_option

_COLUMNS = ["state", "due", "days_left", "kind", "id", "owner", "last_review", "every", "title", "path"]


def unconfirmed_terms(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Glossary entries marked unconfirmed, for the KMT to confirm or correct."""
    return [
        {"term": e.model.term, "expansion": e.model.expansion, "unconfirmed": e.model.unconfirmed,
         "path": e.path, "line": e.at()[0]}
        for e in sorted(kb.terms.values(), key=lambda e: e.model.term.casefold()) if e.model.unconfirmed
    ]


def _unconfirmed_text(terms: list[dict[str, Any]]) -> str:
    if not terms:
        return ""
    lines = ["", f"{len(terms)} glossary entr{'y is' if len(terms) == 1 else 'ies are'} marked unconfirmed "
                 "(confirm or correct them):"]
    lines += [f"  {printable(t['path'])}:{t['line']}  {printable(t['term'])}: {printable(t['unconfirmed'])}"
              for t in terms]
    return "\n".join(lines) + "\n"


def _text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "nothing to review\n"
    table = [["STATE", "DUE", "DAYS", "KIND", "ID", "OWNER", "TITLE"]] + [
        [STATE_LABEL[r["state"]], r["due"] or "never", "" if r["days_left"] is None else str(r["days_left"]),
         r["kind"], r["id"], r["owner"], r["title"]]
        for r in rows
    ]
    lines = text_table(table)
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in ("overdue", "due-soon", "ok")}
    lines.append("")
    lines.append(f"{len(rows)} item{'' if len(rows) == 1 else 's'}: {counts['overdue']} overdue, "
                 f"{counts['due-soon']} due soon, {counts['ok']} ok")
    return "\n".join(lines) + "\n"


def _csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(_COLUMNS, ([r.get(c) for c in _COLUMNS] for r in rows), lineterminator="\n")


@click.command("reviews")
@click.option("--within", type=click.IntRange(min=0), metavar="DAYS",
              help="Only items overdue or due within DAYS days.")
@click.option("--owner", metavar="REF", help="Only items owned by REF (person:<id> or team:<id>).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@output_option("the report")
@today_option
@root_option
def reviews(within: int | None, owner: str | None, fmt: str, output: str | None, today: dt.date,
            root: Path | None) -> int:
    """Review status of every SOP and account: overdue, due soon, ok.

    Exits 1 when a listed item is overdue (or dated in the future), so a
    scheduled job can fail on it; the report is written either way.
    """
    kb = open_kb(root)
    if owner is not None and ":" not in owner:
        raise click.BadParameter("write the owner as person:<id> or team:<id>", param_hint="'--owner'")
    items = review_items(kb, today)
    if owner is not None:
        items = [i for i in items if i.owner == owner]
    if within is not None:
        items = [i for i in items if i.due_within(within)]
    rows = [i.to_dict() for i in items]
    terms = unconfirmed_terms(kb) if owner is None else []
    if fmt == "json":
        out = json_report(today, items=rows, unconfirmed_terms=terms)
    elif fmt == "csv":
        out = _csv(rows)
    else:
        out = _text(rows) + _unconfirmed_text(terms)
    emit(out, output)
    left_out = note_left_out(kb, "this report")
    return 1 if left_out or any(i.state in ("overdue", "future") for i in items) else 0
