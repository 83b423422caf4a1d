"""The triage reports as text and CSV (JSON is the rows themselves, in the envelope).

Everything an item holds came from a reader or a triager: every value is shown
through `printable`, in the text for terminals and in the CSV too (control
characters as `\\xNN`, so a file that is `cat` to a terminal cannot drive it),
where `csv_text` also neutralises formulas. The JSON keeps the text as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..findings import printable
from ..output import csv_text, plural, text_table
from .store import STATES
from .triage import GAP_LABEL, one_line, silence

# The CSV columns of `list` and `export`: every field of an item (`triage.row`), in its order.
ITEM_COLUMNS = (
    "id", "kind", "state", "created", "updated", "age_days", "audience", "doc", "title", "version", "page",
    "helpful", "text", "gap_kind", "product", "account", "sender", "person", "owner", "owner_name", "department",
    "resolved_doc", "resolved_version", "reason",
)
STATS_COLUMNS = ("group", "key", "name", "votes", "helpful", "percent_helpful", "open", "oldest_days", "items")


def shown(value: object) -> str:
    """A value for a person's eyes: nothing as `-`, yes/no for booleans, text escaped."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return printable(str(value))


def _kind(row: dict[str, Any]) -> str:
    return f"gap ({row['gap_kind']})" if row["kind"] == "gap" and row["gap_kind"] else row["kind"]


def _said(row: dict[str, Any]) -> str:
    return printable(one_line(row["text"])) if row["text"] else silence(row)


def _count(rows: Sequence[dict[str, Any]]) -> str:
    tally = {s: sum(1 for r in rows if r["state"] == s) for s in STATES}
    parts = ", ".join(f"{n} {s}" for s, n in tally.items() if n)
    return f"{plural(len(rows), 'item')}: {parts}"


def list_text(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "no items\n"
    table = [["ID", "STATE", "KIND", "AGE", "DOC", "OWNER", "COMMENT OR QUESTION"]] + [
        [r["id"], r["state"], _kind(r), f"{r['age_days']}d", shown(r["doc"]), shown(r["owner"]), _said(r)]
        for r in rows
    ]
    return "\n".join([*text_table(table), "", _count(rows)]) + "\n"


def _csv_cell(value: object) -> object:
    return printable(value) if isinstance(value, str) else value


def items_csv(rows: Sequence[dict[str, Any]]) -> str:
    return csv_text(ITEM_COLUMNS, ([_csv_cell(r.get(c)) for c in ITEM_COLUMNS] for r in rows), lineterminator="\n")


def show_text(row: dict[str, Any]) -> str:
    """One item, every field, then its history."""
    what = "knowledge gap" if row["kind"] == "gap" else "feedback"
    lines = [f"{row['id']}  {what}, {row['state']}", ""]
    doc = shown(row["doc"])
    if row["doc"]:
        doc += f" version {shown(row['version'])}" + (f" ({shown(row['title'])})" if row["title"] else "")
    fields: list[tuple[str, str]] = [
        ("document", doc),
        ("owner", f"{shown(row['owner_name'])} ({shown(row['owner'])})"),
        ("department", shown(row["department"])),
        ("created", f"{row['created']} ({row['age_days']} days ago)"),
        ("updated", row["updated"]),
        ("audience", shown(row["audience"])),
        ("page", shown(row["page"])),
    ]
    if row["kind"] == "gap":
        fields += [("gap", shown(GAP_LABEL.get(row["gap_kind"] or "", row["gap_kind"]))),
                   ("product", shown(row["product"])), ("account", shown(row["account"]))]
    else:
        fields.append(("helpful", shown(row["helpful"])))
    fields += [("sent by", shown(row["person"] or row["sender"]))]
    if row["resolved_doc"]:
        fields.append(("resolved by", f"{shown(row['resolved_doc'])} version {shown(row['resolved_version'])}"))
    if row["reason"]:
        fields.append(("reason", shown(row["reason"])))
    width = max(len(name) for name, _ in fields) + 2
    lines += [f"{name + ':':<{width}}{value}" for name, value in fields]
    lines += ["", "question:" if row["kind"] == "gap" else "comment:"]
    lines += [f"  {printable(line)}" for line in (row["text"] or "").splitlines()] or [f"  {silence(row)}"]
    lines += ["", "history:"]
    history = [[e["at"], e["state"], shown(e["by"]), shown(e["note"]) if e["note"] else ""] for e in row["events"]]
    lines += [f"  {line}" for line in text_table(history)]
    return "\n".join(lines) + "\n"


def stats_text(data: dict[str, Any]) -> str:
    lines = ["Documents (votes on \"Was this page helpful?\", open items)", ""]
    documents = data["documents"]
    if documents:
        lines += text_table([["DOC", "VOTES", "HELPFUL", "OPEN", "TITLE"]] + [
            [shown(d["doc"]), str(d["votes"]), "-" if d["percent_helpful"] is None else f"{d['percent_helpful']}%",
             str(d["open"]), shown(d["title"])] for d in documents])
    else:
        lines.append("no feedback yet")
    for heading, key, rows in (("Owners", "owner", data["owners"]), ("Departments", "department",
                                                                      data["departments"])):
        lines += ["", f"{heading} (open items)", ""]
        if rows:
            lines += text_table([[key.upper(), "OPEN", "OLDEST", "NAME"]] + [
                [shown(r[key]), str(r["open"]), f"{r['oldest_days']}d", shown(r["name"])] for r in rows])
        else:
            lines.append("nothing open")
    lines += ["", "States", "", ", ".join(f"{s} {n}" for s, n in data["states"].items())]
    return "\n".join(lines) + "\n"


def stats_csv(data: dict[str, Any]) -> str:
    rows: list[list[object]] = []
    for d in data["documents"]:
        rows.append(["document", d["doc"], d["title"], d["votes"], d["helpful"], d["percent_helpful"], d["open"], None,
                     None])
    for group in ("owner", "department"):
        rows += [[group, r[group], r["name"], None, None, None, r["open"], r["oldest_days"], None]
                 for r in data[f"{group}s"]]
    rows += [["state", s, None, None, None, None, None, None, n] for s, n in data["states"].items()]
    return csv_text(STATS_COLUMNS, ([_csv_cell(c) for c in r] for r in rows), lineterminator="\n")
