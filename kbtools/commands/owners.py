"""`kb owners`: who owns what and how much is due; `kb owners reassign FROM TO`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import click

from ..authority import is_account_manager, needs_account_manager, owner_problem
from ..config import folder_of
from ..edit import inplace as edit
from ..findings import ContentError, KBError
from ..kb import Entry, KnowledgeBase
from ..models import Account
from ..output import json_report, text_table
from ..reviews import review_items
from ..workload import workloads
from .common import emit, note_left_out, open_kb, root_option, today_option, writing


def owner_rows(kb: KnowledgeBase, today: dt.date) -> list[dict[str, Any]]:
    """Per owner (people, then teams, by reference): what they own, what is due, what is wrong."""
    found = workloads(kb.docs.values(), kb.accounts.values(), kb.training.values(), review_items(kb, today))
    limit = kb.config.owner_workload_limit
    rows = []
    for ref in sorted(found, key=lambda r: (r.split(":")[0], r)):
        w = found[ref]
        problem = owner_problem(kb, ref)
        rows.append({"owner": ref, "name": kb.display_name(ref), "documents": w.documents, "accounts": w.accounts,
                     "training": w.training, "overdue": w.overdue, "due_soon": w.due_soon, "total": w.total,
                     "over_limit": w.total > limit, "problem": problem[1] if problem else None})
    return rows


def _text(rows: list[dict[str, Any]], limit: int) -> str:
    table = [["OWNER", "NAME", "DOCS", "ACCOUNTS", "OVERDUE", "DUE SOON", "NOTE"]]
    for r in rows:
        notes = []
        if r["over_limit"]:
            notes.append(f"over the workload limit ({r['total']} > {limit})")
        if r["problem"]:
            notes.append(r["problem"])
        table.append([r["owner"], r["name"], str(len(r["documents"])), str(len(r["accounts"])),
                      str(r["overdue"]), str(r["due_soon"]), "; ".join(notes)])
    flagged = sum(1 for r in rows if r["over_limit"])
    lines = [*text_table(table), "", f"{len(rows)} owners; {flagged} over the workload limit of {limit}"]
    return "\n".join(lines) + "\n"


@click.group("owners", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@today_option
@root_option
@click.pass_context
def owners(ctx: click.Context, fmt: str, today: dt.date, root: Path | None) -> int | None:
    """Everyone who owns documents or accounts, with what is due; flags heavy workloads."""
    if ctx.invoked_subcommand is not None:
        return None
    kb = open_kb(root)
    rows = owner_rows(kb, today)
    if fmt == "json":
        emit(json_report(today, limit=kb.config.owner_workload_limit, owners=rows), None)
    else:
        emit(_text(rows, kb.config.owner_workload_limit), None)
    note_left_out(kb, "this list")
    return 0


@owners.command("reassign")
@click.argument("from_ref", metavar="FROM")
@click.argument("to_ref", metavar="TO")
@click.option("--dry-run", is_flag=True, help="Print the changes as a diff; write nothing.")
@root_option
def reassign(from_ref: str, to_ref: str, dry_run: bool, root: Path | None) -> int:
    """Hand everything FROM owns (documents, accounts, training) to TO.

    Review dates stay as they are. TO must be an active person or a team
    with an active member.
    """
    for ref, name in ((from_ref, "FROM"), (to_ref, "TO")):
        if ref.partition(":")[0] not in ("person", "team") or not ref.partition(":")[2]:
            raise click.BadParameter("write it as person:<id> or team:<id>", param_hint=name)
    with writing(root, dry_run=dry_run) as kb:
        changes = _handover(kb, from_ref, to_ref)
        if not changes:
            click.echo(f"{from_ref} owns nothing; nothing to do")
            return 0
        if dry_run:
            click.echo("".join(c.diff() for c in changes), nl=False)
            return 0
        edit.write_all(kb, changes, f"kb owners reassign {from_ref} {to_ref}")
    for change in changes:
        click.echo(f"{change.path}: owner {from_ref} -> {to_ref}")
    click.echo(f"{len(changes)} file(s) handed from {from_ref} to {to_ref}; review dates unchanged")
    return 0


def _handover(kb: KnowledgeBase, from_ref: str, to_ref: str) -> list[edit.Change]:
    """The checked edits that hand everything FROM owns to TO ([] when FROM owns nothing)."""
    if not kb.resolves(from_ref):
        raise KBError(f"{from_ref} is not in the registry")
    if problem := owner_problem(kb, to_ref):
        raise KBError(f"cannot hand over to {problem[1]}")
    if from_ref == to_ref:
        raise KBError("FROM and TO are the same")

    if broken := _broken_naming(kb, from_ref):
        raise ContentError(f"refusing to reassign: {len(broken)} file(s) that do not load may name {from_ref} "
                           f"as owner and would keep it: {', '.join(broken)}; fix them first (kb check shows how)")
    owned = [e for e in _owned_records(kb) if e.model.owner == from_ref]
    if not owned:
        return []
    accounts = [e.model.id for e in owned if isinstance(e.model, Account)]
    if accounts and not to_ref.startswith("person:"):
        raise KBError(f"accounts are owned by a person, not {to_ref} ({', '.join(accounts)})")
    needs_am = [e.model.id for e in owned if isinstance(e.model, Account) and needs_account_manager(e.model)]
    if needs_am and not is_account_manager(kb, to_ref):
        raise ContentError(f"{to_ref} cannot own tier 1-2 accounts ({', '.join(needs_am)}): "
                           f"they must be owned by a person holding role {kb.config.account_manager_role!r}")
    changes = []
    for entry in owned:
        fe = edit.start(kb, entry)
        fe.set_value("owner", from_ref, edit.yaml_scalar(to_ref))
        changes.append(edit.finish(kb, fe))
    return changes


_OWNED_KINDS = ("document", "account", "training")


def _owned_records(kb: KnowledgeBase) -> list[Entry[Any]]:
    """Every document, account and training record, those whose id repeats another's included."""
    entries: list[Entry[Any]] = [e for table in (kb.docs, kb.accounts, kb.training) for e in table.values()]
    return entries + [e for kind, e in kb.duplicates if kind in _OWNED_KINDS]


def _broken_naming(kb: KnowledgeBase, ref: str) -> list[str]:
    """Files of documents, accounts and training that did not load and whose text names `ref` as
    owner (or cannot be read, so might): a reassign would leave them with the old owner."""
    loaded = {e.path for e in _owned_records(kb)}
    suspects = sorted({f.path for f in kb.findings
                       if f.path not in loaded and (folder := folder_of(f.path)) is not None
                       and folder.kind in _OWNED_KINDS})
    names = re.compile(r"\bowner\b[\"']?[ \t]*:[ \t]*[\"']?" + re.escape(ref) + r"(?![\w.:-])")
    found = []
    for rel in suspects:
        path = kb.root / rel
        if path.is_dir():  # a folder that could not be read: its files are unknown
            found.append(f"{rel}/ (cannot be read)")
            continue
        if not path.is_file():  # a pipe or device the loader skipped: never read
            continue
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            found.append(f"{rel} (cannot be read)")
            continue
        if names.search(text):
            found.append(rel)
    return found
