"""`kb owners`: who owns what and how much is due; `kb owners reassign FROM TO`."""

from __future__ import annotations

import json
from collections import defaultdict

import click

from .. import edit
from ..authority import owner_problem
from ..findings import KBError
from ..kb import KnowledgeBase
from ..models import Account
from ..reviews import review_items
from .common import emit, open_kb, root_option, today_option


def workload(kb: KnowledgeBase, today) -> list[dict]:
    """Per owner: what they own and how much of it is overdue or due soon."""
    rows: dict[str, dict] = defaultdict(lambda: {"documents": [], "accounts": [], "training": [],
                                                   "overdue": 0, "due_soon": 0})
    for ident, entry in kb.docs.items():
        rows[entry.model.owner]["documents"].append(ident)
    for ident, entry in kb.accounts.items():
        rows[entry.model.owner]["accounts"].append(ident)
    for ident, entry in kb.training.items():
        rows[entry.model.owner]["training"].append(ident)
    for item in review_items(kb, today):
        if item.state in ("overdue", "future"):
            rows[item.owner]["overdue"] += 1
        elif item.state == "due-soon":
            rows[item.owner]["due_soon"] += 1
    limit = kb.config.owner_workload_limit
    out = []
    for ref in sorted(rows, key=lambda r: (r.split(":")[0], r)):
        row = rows[ref]
        total = len(row["documents"]) + len(row["accounts"])
        out.append({"owner": ref, "name": kb.display_name(ref), **row, "total": total,
                    "over_limit": total > limit, "problem": (owner_problem(kb, ref) or (None, None))[1]})
    return out


def _text(rows: list[dict], limit: int) -> str:
    header = ["OWNER", "NAME", "DOCS", "ACCOUNTS", "OVERDUE", "DUE SOON", "NOTE"]
    table = [header]
    for r in rows:
        notes = []
        if r["over_limit"]:
            notes.append(f"over the workload limit ({r['total']} > {limit})")
        if r["problem"]:
            notes.append(r["problem"])
        table.append([r["owner"], r["name"], str(len(r["documents"])), str(len(r["accounts"])),
                      str(r["overdue"]), str(r["due_soon"]), "; ".join(notes)])
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1] for row in table]
    flagged = sum(1 for r in rows if r["over_limit"])
    lines += ["", f"{len(rows)} owners; {flagged} over the workload limit of {limit}"]
    return "\n".join(line.rstrip() for line in lines) + "\n"


@click.group("owners", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@today_option
@root_option
@click.pass_context
def command(ctx, fmt, today, root):
    """Everyone who owns documents or accounts, with what is due; flags heavy workloads."""
    if ctx.invoked_subcommand is not None:
        return None
    kb = open_kb(root)
    rows = workload(kb, today)
    if fmt == "json":
        emit(json.dumps({"version": 1, "today": today.isoformat(),
                         "limit": kb.config.owner_workload_limit, "owners": rows}, indent=2) + "\n", None)
    else:
        emit(_text(rows, kb.config.owner_workload_limit), None)
    return 0


@command.command("reassign")
@click.argument("from_ref", metavar="FROM")
@click.argument("to_ref", metavar="TO")
@click.option("--dry-run", is_flag=True, help="Print the changes as a diff; write nothing.")
@root_option
def reassign(from_ref, to_ref, dry_run, root):
    """Hand everything FROM owns (documents, accounts, training) to TO.

    Review dates stay as they are. TO must be an active person or a team
    with an active member.
    """
    kb = open_kb(root)
    for ref, name in ((from_ref, "FROM"), (to_ref, "TO")):
        if ref.partition(":")[0] not in ("person", "team") or not ref.partition(":")[2]:
            raise click.BadParameter("write it as person:<id> or team:<id>", param_hint=name)
    if not kb.resolves(from_ref):
        raise KBError(f"{from_ref} is not in the registry")
    if problem := owner_problem(kb, to_ref):
        raise KBError(f"cannot hand over to {problem[1]}")
    if from_ref == to_ref:
        raise KBError("FROM and TO are the same")

    owned = [e for table in (kb.docs, kb.accounts, kb.training) for e in table.values() if e.model.owner == from_ref]
    if not owned:
        click.echo(f"{from_ref} owns nothing; nothing to do")
        return 0
    accounts = [e.model.id for e in owned if isinstance(e.model, Account)]
    if accounts and not to_ref.startswith("person:"):
        raise KBError(f"accounts are owned by a person, not {to_ref} ({', '.join(accounts)})")
    role = kb.config.account_manager_role
    needs_am = [e.model.id for e in owned if isinstance(e.model, Account) and e.model.tier in (1, 2)]
    if needs_am and not (to_ref.startswith("person:") and role in kb.people[to_ref[7:]].model.roles):
        click.echo(f"kb: error: {to_ref} cannot own tier 1-2 accounts ({', '.join(needs_am)}): "
                   f"they must be owned by a person holding role {role!r}", err=True)
        return 1

    changes = []
    try:
        for entry in owned:
            fe = edit.start(kb, entry)
            fe.set_value("owner", from_ref, edit.yaml_scalar(to_ref))
            changes.append(edit.finish(kb, fe))
    except edit.EditError as exc:
        raise KBError(str(exc)) from None
    if dry_run:
        click.echo("".join(c.diff() for c in changes), nl=False)
        return 0
    edit.write_all(kb, changes)
    for change in changes:
        click.echo(f"{change.path}: owner {from_ref} -> {to_ref}")
    click.echo(f"{len(changes)} file(s) handed from {from_ref} to {to_ref}; review dates unchanged")
    return 0
