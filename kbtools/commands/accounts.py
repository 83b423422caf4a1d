"""`kb accounts import FILE.csv`: accounts from a CRM export; `kb accounts report`: the NA/RA report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..config import Config, CrmSource
from ..crm import diff
from ..crm.export import parse, read_bytes
from ..crm.plan import Plan, make_plan
from ..crm.report import Filters, account_rows, to_csv, to_json, to_markdown
from ..edit import inplace as edit
from ..findings import ContentError, Finding, KBError, printable
from ..load.validation import did_you_mean
from .common import emit, note_left_out, open_kb, output_option, root_option, today_option, writing


@click.group("accounts")
def accounts() -> None:
    """Accounts from the CRM: import a Salesforce export, report on the NA/RA accounts."""


def _source(config: Config, name: str | None) -> tuple[str, CrmSource]:
    """The `crm:` source of kb.yml that --source names (the only one when it names none)."""
    if not config.crm:
        raise KBError("kb.yml has no crm: section, so there is no mapping from export columns to account keys "
                      "(README: Accounts from the CRM)")
    if name is None:
        if len(config.crm) > 1:
            raise click.BadParameter(f"kb.yml maps {len(config.crm)} sources ({', '.join(config.crm)}); "
                                     "name one", param_hint="'--source'")
        name = next(iter(config.crm))
    if name not in config.crm:
        raise click.BadParameter(f"kb.yml has no crm source {name!r}{did_you_mean(name, config.crm)}; "
                                 f"it has {', '.join(config.crm)}", param_hint="'--source'")
    return name, config.crm[name]


@accounts.command("import")
@click.argument("file", metavar="FILE.csv", type=click.Path(path_type=Path))
@click.option("--source", metavar="NAME", help="The crm: source of kb.yml the export is read with "
                                               "(default: the only one).")
@click.option("--partial", is_flag=True, help="The export holds only some accounts: close none that it leaves out.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True,
              help="The diff as text, Markdown (for the pull request) or JSON.")
@output_option("the diff")
@today_option
@root_option
def import_(file: Path, source: str | None, partial: bool, dry_run: bool, fmt: str, output: str | None,
            today: dt.date, root: Path | None) -> int:
    """Add, update and close accounts from a CRM report export (CSV).

    Rows are matched to accounts by Salesforce id (15 or 18 characters). A new
    account gets the next free id; an existing one gets only the keys the CRM
    owns (kb.yml, crm:), edited in place; an account with a Salesforce id that
    a full export leaves out is closed (--partial: none is). Any bad row stops
    the import with FILE.csv:ROW:COL for every one, and nothing is written;
    otherwise every file is written or, if kb is killed, the journal says
    which (kb recover). Importing the same export again changes nothing.
    """
    shown = printable(str(file))
    with writing(root, dry_run=dry_run) as kb:
        name, mapping = _source(kb.config, source)
        export, findings = parse(read_bytes(file, shown), shown, mapping.delimiter)
        plan: Plan | None = None
        if export is not None:
            plan, problems = make_plan(kb, name, mapping, export, partial=partial, today=today)
            findings += problems
        if findings or plan is None:
            _refuse(findings, shown)
        assert plan is not None
        if fmt == "json":
            report = diff.json(plan, dry_run=dry_run, today=today)
        elif fmt == "md":
            report = diff.markdown(plan, dry_run=dry_run)
        else:
            report = diff.text(plan, dry_run=dry_run)
        if not dry_run and plan.edits:
            command = f"kb accounts import {shown} --source {name}" + (" --partial" if partial else "")
            edit.write_all(kb, plan.edits, command)
    emit(report, output)
    counts = f"{len(plan.added)} added, {len(plan.changed)} changed, {len(plan.closed)} closed"
    if dry_run:
        click.echo(f"kb: dry run: {counts}; nothing written", err=True)
    else:
        click.echo(f"kb: {counts}; {len(plan.edits)} file(s) written", err=True)
    return 0


def _refuse(findings: list[Finding], shown: str) -> None:
    """Print every problem, export rows first; nothing is imported (exit 1)."""
    ordered = sorted(findings, key=lambda f: (f.path != shown, f.path, f.line, f.col, f.code))
    for finding in ordered:
        click.echo(finding.format(), err=True)
    rows = len({f.line for f in findings if f.path == shown and f.line > 1})
    what = f"{len(findings)} problem(s)" + (f" in {rows} row(s)" if rows else "")
    raise ContentError(f"{what} of {shown}; nothing was imported")


@accounts.command("report")
@click.option("--segment", "segments", multiple=True, metavar="SEGMENT", help="Only this segment (repeatable).")
@click.option("--tier", "tiers", multiple=True, type=click.IntRange(1, 3), metavar="TIER",
              help="Only this tier (repeatable).")
@click.option("--owner", metavar="person:<id>", help="Only accounts this person owns.")
@click.option("--include-closed", is_flag=True, help="Closed accounts too.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@output_option("the report")
@today_option
@root_option
def report(segments: tuple[str, ...], tiers: tuple[int, ...], owner: str | None, include_closed: bool, fmt: str,
           output: str | None, today: dt.date, root: Path | None) -> int:
    """The NA/RA report: accounts by segment, tier, owner and health, with review and plan state.

    Exits 1 when files that did not load are missing from it (kb check shows
    why), else 0.
    """
    if owner is not None and not owner.startswith("person:"):
        raise click.BadParameter("write the owner as person:<id>", param_hint="'--owner'")
    kb = open_kb(root)
    known = {s.casefold(): s for s in kb.config.segments}
    for segment in segments:
        if segment.casefold() not in known:
            raise click.BadParameter(f"unknown segment {segment!r}{did_you_mean(segment, kb.config.segments)}; "
                                     f"kb.yml lists {', '.join(kb.config.segments)}", param_hint="'--segment'")
    filters = Filters(tuple(known[s.casefold()] for s in segments), tiers, owner, include_closed)
    rows = account_rows(kb, today, filters)
    if fmt == "json":
        text = to_json(rows, today, filters)
    elif fmt == "csv":
        text = to_csv(rows)
    else:
        text = to_markdown(rows, today, filters)
    emit(text, output)
    return 1 if note_left_out(kb, "this report") else 0
