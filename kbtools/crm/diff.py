"""What an import adds, changes and closes, for a person to review: text, Markdown and JSON.

The Markdown is meant for the pull request that carries the import: counts,
then one table each for the accounts added, changed (key: old → new) and
closed. Every value shown comes from the export or the knowledge base, so
each is escaped for where it goes (terminal, Markdown, JSON).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..findings import printable
from ..output import json_report, md_cell
from .mapping import Value
from .plan import Added, Plan

ARROW = "→"


def shown(value: Value | None) -> str:
    """A value as a person reads it: a list as `a; b`, no value as `(none)`."""
    if value is None:
        return "(none)"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "; ".join(value) if value else "(none)"
    return str(value)


def _json_value(value: Value | None) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _counts(plan: Plan) -> dict[str, int]:
    return {"added": len(plan.added), "changed": len(plan.changed), "closed": len(plan.closed),
            "unchanged": plan.unchanged}


def _kind(plan: Plan) -> str:
    return "partial export" if plan.partial else "full export"


def _due(added: Added) -> str:
    parts = [f"first review due {shown(added.review_due)}"]
    if added.plan_due is not None:
        parts.append(f"account plan due {shown(added.plan_due)}")
    return ", ".join(parts)


def _facts(added: Added) -> str:
    keys = ("segment", "tier", "owner", "health", "opened")
    return ", ".join(f"{k} {shown(added.values[k])}" for k in keys if k in added.values)


def _same_name(added: Added) -> str:
    return (f"{added.same_name} has the same name and no salesforce_id: if it is this account, add the id "
            "there and import again")


# -- text ---------------------------------------------------------------------------------


def text(plan: Plan, *, dry_run: bool) -> str:
    c = _counts(plan)
    done = ("to add", "to change", "to close") if dry_run else ("added", "changed", "closed")
    head = (f"{'would import' if dry_run else 'imported'} {printable(plan.file)} (source {plan.source}, "
            f"{_kind(plan)}, {plan.rows} rows): {c['added']} {done[0]}, {c['changed']} {done[1]}, "
            f"{c['closed']} {done[2]}, {c['unchanged']} unchanged")
    lines = [head]
    for a in plan.added:
        lines += ["", f"add     {a.id}  {printable(str(a.values['name']))}  [{a.sfid}, row {a.row}]",
                  f"          {printable(_facts(a))}", f"          {_due(a)}"]
        if a.same_name:
            lines.append(f"          note: {_same_name(a)}")
    for ch in plan.changed:
        lines += ["", f"change  {ch.id}  {printable(ch.name)}  [{ch.sfid}, row {ch.row}]"]
        lines += [f"          {k.key}: {printable(shown(k.old))} {ARROW} {printable(shown(k.new))}" for k in ch.changes]
    for cl in plan.closed:
        lines += ["", f"close   {cl.id}  {printable(cl.name)}  [{cl.sfid}]: not in the export "
                      f"(status {cl.status} {ARROW} closed)"]
    if plan.notes:
        lines += ["", "review dates kb check will report after the import (no review date is invented):"]
        lines += [f"  {f.format()}" for f in plan.notes]
    return "\n".join(lines) + "\n"


# -- Markdown -------------------------------------------------------------------------------


def markdown(plan: Plan, *, dry_run: bool) -> str:
    c = _counts(plan)
    lines = [f"## Accounts from the CRM: {md_cell(plan.file)}", "",
             f"Source `{plan.source}`, {_kind(plan)}, {plan.rows} rows"
             + (" (dry run: nothing written)." if dry_run else "."), "",
             "| added | changed | closed | unchanged |", "|---:|---:|---:|---:|",
             f"| {c['added']} | {c['changed']} | {c['closed']} | {c['unchanged']} |"]
    if plan.added:
        lines += ["", f"### Added ({len(plan.added)})", "",
                  "| account | name | Salesforce id | segment | tier | owner | opened | first review due "
                  "| plan due | row |",
                  "|---|---|---|---|---|---|---|---|---|---:|"]
        for a in plan.added:
            v = a.values
            cells = [a.id, v["name"], a.sfid, v.get("segment"), v.get("tier"), v.get("owner"), shown(v.get("opened")),
                     shown(a.review_due), shown(a.plan_due) if a.plan_due else "", a.row]
            lines.append("| " + " | ".join(md_cell(x) for x in cells) + " |")
        same = [a for a in plan.added if a.same_name]
        if same:
            lines += [""] + [f"- {md_cell(a.id)}: {md_cell(_same_name(a))}" for a in same]
    if plan.changed:
        lines += ["", f"### Changed ({len(plan.changed)})", "",
                  "| account | name | key | old | new | row |", "|---|---|---|---|---|---:|"]
        for ch in plan.changed:
            for k in ch.changes:
                cells = [ch.id, ch.name, k.key, shown(k.old), shown(k.new), ch.row]
                lines.append("| " + " | ".join(md_cell(x) for x in cells) + " |")
    if plan.closed:
        lines += ["", f"### Closed ({len(plan.closed)}): not in the export", "",
                  "| account | name | Salesforce id | status before |", "|---|---|---|---|"]
        for cl in plan.closed:
            lines.append("| " + " | ".join(md_cell(x) for x in (cl.id, cl.name, cl.sfid, cl.status)) + " |")
    if plan.notes:
        lines += ["", "### Review dates `kb check` will report", "",
                  "No review date is invented: an account opened more than one cadence ago is due from the day "
                  "it arrives.", "",
                  "| file | code | message |", "|---|---|---|"]
        for f in plan.notes:
            lines.append("| " + " | ".join(md_cell(x) for x in (f.path, f.code, f.message)) + " |")
    return "\n".join(lines) + "\n"


# -- JSON ---------------------------------------------------------------------------------


def json(plan: Plan, *, dry_run: bool, today: dt.date) -> str:
    added = [{"id": a.id, "path": a.path, "row": a.row, "salesforce_id": a.sfid,
              "values": {k: _json_value(v) for k, v in a.values.items()},
              "review_due": _json_value(a.review_due), "plan_due": _json_value(a.plan_due),
              "same_name": a.same_name} for a in plan.added]
    changed = [{"id": ch.id, "path": ch.path, "row": ch.row, "salesforce_id": ch.sfid, "name": ch.name,
                "changes": [{"key": k.key, "old": _json_value(k.old), "new": _json_value(k.new)} for k in ch.changes]}
               for ch in plan.changed]
    closed = [{"id": cl.id, "path": cl.path, "salesforce_id": cl.sfid, "name": cl.name, "status": cl.status}
              for cl in plan.closed]
    return json_report(today, file=plan.file, source=plan.source, partial=plan.partial, dry_run=dry_run,
                       rows=plan.rows, counts=_counts(plan), added=added, changed=changed, closed=closed,
                       notes=[f.to_dict() for f in plan.notes])
