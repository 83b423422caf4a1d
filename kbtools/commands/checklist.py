"""`kb checklist`: a checklist from an SOP's steps, blank or for one account."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from ..checklist.build import build
from ..checklist.render import FORMATS, render
from ..edit.atomic import write_set
from ..edit.lock import timeout_setting
from ..findings import KBError
from ..kb import KnowledgeBase
from ..loop.location import store_location
from ..loop.store import Store
from ..models import RUNS, Run
from ..reviews import accounts_due
from ..runs.work import store_run
from .common import emit, note_left_out, open_kb, output_option, parse_date, root_option, store_option, today_option

_SET = re.compile(r"^([a-z0-9][a-z0-9-]*)=(.+)$")


def _start(value: str | None, today: dt.date) -> dt.date:
    if value is None:
        return today
    return parse_date(value, "'--start'")


@click.command("checklist")
@click.argument("doc_id", required=False, metavar="ID")
@click.option("--account", "account_id", metavar="ACC-ID", help="Fill the checklist in for this account.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@output_option("the checklist")
@click.option("--start", metavar="YYYY-MM-DD",
              help="Start date that relative due dates count from (default: today; a blank checklist has none).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A run input, e.g. --set to=person:jdoe.")
@click.option("--run", type=click.Choice(RUNS), default=None,
              help="Only the steps of this run: setup (an account's first set-up) or review (a periodic review); "
                   "default: every step.")
@click.option("--due", "batch", is_flag=True, help="One account-review checklist per account that is due.")
@click.option("--within", type=click.IntRange(min=0), default=None, metavar="DAYS",
              help="With --due: accounts overdue or due within DAYS (default: the due-soon window).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="With --due: the folder to write to.")
@click.option("--start-runs", is_flag=True,
              help="With --due: start a review run in the store for each due account (once: not for an account "
                   "with a review run started since its last review).")
@store_option
@today_option
@root_option
def checklist(doc_id: str | None, account_id: str | None, fmt: str, output: str | None, start: str | None,
              sets: tuple[str, ...], run: Run | None, batch: bool, within: int | None, out_dir: Path | None,
              start_runs: bool, store: Path | None, today: dt.date, root: Path | None) -> int:
    """Generate a checklist from document ID's steps.

    \b
    kb checklist TPL-AM-001                          blank checklist (Markdown)
    kb checklist TPL-AM-001 --account ACC-00101 --run review --format html -o review.html
    kb checklist SOP-CS-001 --account ACC-00120 --set to=person:jlindqvist
    kb checklist --due --within 30 --out reviews/    every account due for review (the review run)
    kb checklist --due --start-runs                  a review run in the store for each of them
    """
    start_date = _start(start, today)
    inputs = parse_sets(sets)
    if batch:
        if doc_id or account_id or output:
            raise click.UsageError("--due makes one checklist per due account: give --out DIR, not ID, --account or -o")
        if run not in (None, "review"):
            raise click.UsageError("--due makes periodic-review checklists (--run review)")
        if out_dir is None and not start_runs:
            raise click.UsageError("--due needs --out DIR (or --start-runs)")
        kb = open_kb(root)
        if out_dir is not None:
            _batch(kb, fmt, within, out_dir, start_date, today)
        if start_runs:
            _start_runs(kb, within, store, start_date, today)
        note_left_out(kb, "these checklists")
        return 0
    if doc_id is None:
        raise click.UsageError("give a document ID (or --due --out DIR)")
    if within is not None or out_dir is not None or start_runs:
        raise click.UsageError("--within, --out and --start-runs go with --due")
    kb = open_kb(root)
    blank = account_id is None and start is None  # not started: no start date, each due date relative
    checklist = build(kb, doc_id, account_id=account_id, start=None if blank else start_date, today=today,
                      sets=inputs, run=run)
    emit(render(checklist, fmt), output)
    if output is not None and output != "-":
        click.echo(f"wrote {output}", err=True)
    return 0


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    """The run inputs from `--set key=value`; a malformed one is a usage error."""
    out: dict[str, str] = {}
    for raw in values:
        m = _SET.match(raw.strip())
        if not m:
            raise click.BadParameter(f"--set {raw!r}: write it as key=value, e.g. --set to=person:jdoe",
                                     param_hint="'--set'")
        out[m.group(1)] = m.group(2).strip()
    return out


def _review_doc(kb: KnowledgeBase) -> str:
    doc_id = kb.config.account_review_checklist
    if doc_id is None:
        raise KBError("kb.yml names no account_review_checklist: "
                      "set it to the document whose steps make an account review")
    return doc_id


def _start_runs(kb: KnowledgeBase, within: int | None, store: Path | None, start: dt.date, today: dt.date) -> None:
    """A review run for each due account that has none started since its last review."""
    doc_id = _review_doc(kb)
    window = kb.config.due_soon_days if within is None else within
    path = store_location(kb.root, store)
    started = skipped = 0
    with Store(path, migrate=not path.exists()) as opened:
        todo = []
        for item in accounts_due(kb, today, window):
            since = item.last
            earlier = [r for r in opened.runs(account=item.id, doc=doc_id) if r.run_kind == "review"
                       and (since is None or r.created.date() > since)]
            if earlier:
                skipped += 1
                click.echo(f"{earlier[-1].ref}  {item.id}  already started {earlier[-1].created.date()}")
                continue
            # Built first: on any problem (a role nobody holds), no run is started.
            todo.append((item, build(kb, doc_id, account_id=item.id, start=start, today=today, run="review")))
        for item, cl in todo:
            record = store_run(opened, cl, None)
            started += 1
            click.echo(f"{record.ref}  {item.id}  started  {item.owner}  {item.title}")
    click.echo(f"{started} review run(s) of {doc_id} started, {skipped} already running "
               f"(accounts overdue or due within {window} days; store {path})")


def _batch(kb: KnowledgeBase, fmt: str, within: int | None, out_dir: Path, start: dt.date, today: dt.date) -> int:
    doc_id = _review_doc(kb)
    window = kb.config.due_soon_days if within is None else within
    due = accounts_due(kb, today, window)
    # Build everything first: on any problem, nothing is written.
    made = []
    for item in due:
        cl = build(kb, doc_id, account_id=item.id, start=start, today=today, run="review")
        made.append((item, out_dir / f"{item.id}.{fmt}", render(cl, fmt)))
    write_set(out_dir, {path.name: text for _item, path, text in made}, timeout_setting())  # all or none
    for item, path, _text in made:
        state = "overdue" if item.state == "overdue" else f"due {item.due}"
        click.echo(f"{path}  {item.id}  {state}  {item.owner}  {item.title}")
    click.echo(f"{len(made)} account-review checklist(s) from {doc_id} written to {out_dir} "
               f"(accounts overdue or due within {window} days)")
    return 0
