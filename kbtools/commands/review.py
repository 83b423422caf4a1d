"""`kb review ID --by person:<id>`: record a review of an SOP or an account."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import click

from ..authority import may_review
from ..edit import inplace as edit
from ..findings import ContentError, KBError
from ..kb import Entry, KnowledgeBase
from ..models import ACCOUNT_ID_RE, add_duration
from ..reviews import review_items
from .common import parse_date, root_option, today_option, writing


def _target(kb: KnowledgeBase, ident: str) -> tuple[Entry[Any], str]:
    """The record and the key that holds its review date."""
    if re.match(ACCOUNT_ID_RE, ident.upper()):
        return kb.require("account", ident.upper()), "last_review"
    return kb.require("document", ident.upper()), "last_reviewed"


def _reviewer(kb: KnowledgeBase, ref: str) -> str:
    kind, _, person_id = ref.partition(":")
    if kind != "person" or not person_id:
        raise click.BadParameter("write the reviewer as person:<id>", param_hint="'--by'")
    person = kb.people.get(person_id)
    if person is None:
        raise KBError(f"{ref} is not in org/people.yaml")
    if not person.model.active:
        raise KBError(f"{ref} is no longer active and cannot review")
    return person_id


@click.command("review")
@click.argument("ident", metavar="ID")
@click.option("--by", "by", required=True, metavar="person:<id>", help="Who reviewed it.")
@click.option("--note", metavar="TEXT", help="What the review found or changed.")
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="Date of the review (default: today).")
@click.option("--dry-run", is_flag=True, help="Print the change as a diff; write nothing.")
@today_option
@root_option
def review(ident: str, by: str, note: str | None, date_: str | None, dry_run: bool, today: dt.date,
           root: Path | None) -> int:
    """Record a review: set the review date and add an entry to the file's reviews log.

    Only the owner, a member of the owning team or a listed approver may
    review. Every other byte of the file stays as it was.
    """
    with writing(root, dry_run=dry_run) as kb:
        entry, key = _target(kb, ident)
        person_id = _reviewer(kb, by)
        when = _date(date_, today)
        if not may_review(kb, entry, person_id):
            allowed = ", ".join([entry.model.owner, *getattr(entry.model, "approvers", [])])
            raise ContentError(f"{by} may not review {ident}: only {allowed} (or members of an owning team) may")
        previous = getattr(entry.model, key)
        if previous is not None and when < previous:
            raise KBError(f"{ident} was last reviewed on {previous}; a review dated {when} would move it backwards")

        fe = edit.start(kb, entry)
        fe.set_or_add(key, previous.isoformat() if previous else None, when.isoformat(),
                      after="effective" if key == "last_reviewed" else "status")
        log = {"date": when.isoformat(), "by": by}
        if note:
            log["note"] = edit.yaml_scalar(note)
        fe.append_to_list("reviews", log)
        change = edit.finish(kb, fe)
        if dry_run:
            click.echo(change.diff(), nl=False)
            return 0
        edit.write_all(kb, [change], f"kb review {ident}")
    every = next((i.every for i in review_items(kb, today) if i.id == ident and i.kind != "account-plan"), None)
    due = f"; next review due {add_duration(when, every)}" if every else ""
    click.echo(f"{entry.path}: {key} {previous or 'unset'} -> {when}, reviewed by {by}{due}")
    return 0


def _date(value: str | None, today: dt.date) -> dt.date:
    if value is None:
        return today
    when = parse_date(value, "'--date'")
    if when > today:
        raise click.BadParameter(f"{when} is after today ({today}); record reviews that happened",
                                 param_hint="'--date'")
    return when
