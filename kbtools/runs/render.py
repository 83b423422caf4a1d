"""A run as Markdown, CSV or JSON: `kb checklist`'s formats with each item's state, who and when."""

from __future__ import annotations

import json

from ..checklist.render import _account_lines, _md_escape, _numbered, _people, _step_meta
from ..output import csv_text
from .model import Mark, Run, RunField

FORMATS = ("md", "csv", "json")
CSV_COLUMNS = ["run", "step", "step_title", "step_state", "kind", "item", "role", "assignee", "due", "approval",
               "state", "value", "by", "at", "note"]


def render(run: Run, fmt: str) -> str:
    return {"md": markdown, "csv": to_csv, "json": to_json}[fmt](run)


def _mark(mark: Mark) -> str:
    if mark.at is None:
        return ""
    return f" ({mark.by or 'someone unnamed'}, {mark.at.strftime('%Y-%m-%d %H:%M')} UTC)"


def _value(field: RunField) -> str:
    if isinstance(field.value, list):
        return ", ".join(field.value)
    return field.value or ""


def markdown(run: Run) -> str:
    out = [f"## {run.id}: {_md_escape(run.title)}", ""]
    header = [f"State: {run.state}", f"Start: {run.start.isoformat()}", *_account_lines(run)]
    header += [f"Input {k}: {v}" for k, v in run.inputs.items()]
    header.append(f"Started {run.created.strftime('%Y-%m-%d %H:%M')} UTC" + (f" by {run.created_by}"
                                                                              if run.created_by else ""))
    if run.document_now is not None:
        header.append(f"{run.source.id} has changed since: version {run.source.version} then, "
                      f"{run.document_now.version} now")
        header += [f"Change {c}" for c in run.document_now.changes]
    out += [f"- {_md_escape(line)}" for line in header] + [""]
    for step in run.steps:
        out.append(f"### {step.number}. {_md_escape(step.title)} [{step.state}]")
        meta = _step_meta(step)
        if meta:
            out.append("*" + _md_escape(" · ".join(meta)) + "*")
        out.append("")
        for task in [*step.items, *([step.done_item] if step.done_item else [])]:
            box = "x" if task.done else " "
            out.append(f"- [{box}] {_md_escape(task.text)}{_md_escape(_mark(task.changed))}")
        for field in step.fields:
            out.append(f"- **{_md_escape(field.label)}**: {_md_escape(_value(field)) or '____'}"
                       f"{_md_escape(_mark(field.changed))}")
        if step.approval:
            a = step.approval
            box = "x" if a.decision == "approved" else " "
            decided = f" — {a.decision}{_mark(a.changed)}" if a.decision else ""
            note = f": {a.note}" if a.note else ""
            out.append(f"- [{box}] Approved by {_md_escape(a.by_name)}, covering: {_md_escape(_numbered(a.covers))}"
                       f"{_md_escape(decided + note)}")
        for comment in step.comments:
            out.append(f"> {_md_escape(comment.by or 'someone unnamed')}, "
                       f"{comment.at.strftime('%Y-%m-%d %H:%M')} UTC: {_md_escape(comment.text)}")
        out.append("")
    if run.skipped:
        out += ["Not applicable to this account: " + _md_escape(_numbered(run.skipped)), ""]
    out.append(f"Run of {run.source.id} version {run.source.version} ({_md_escape(run.source.title)}).")
    return "\n".join(out) + "\n"


def to_csv(run: Run) -> str:
    """One row per task, field and gate (comments in their own rows); every cell neutralised for spreadsheets."""
    rows: list[list[object]] = []
    for step in run.steps:
        due = step.due.isoformat() if step.due else ""
        base = [run.id, step.number, step.title, step.state]
        tail = [step.role_name or "", _people(step.assignees), due]

        def at(mark: Mark) -> str:
            return mark.at.strftime("%Y-%m-%dT%H:%M:%SZ") if mark.at else ""

        for task in [*step.items, *([step.done_item] if step.done_item else [])]:
            rows.append([*base, "item", task.text, *tail, "", "done" if task.done else "open", "",
                         task.changed.by or "", at(task.changed), ""])
        for field in step.fields:
            rows.append([*base, "field", field.label, *tail, "", "filled" if field.value else "empty",
                         _value(field), field.changed.by or "", at(field.changed), ""])
        if step.approval:
            a = step.approval
            rows.append([*base, "approval", f"Approve steps {', '.join(str(c.number) for c in a.covers)}", *tail,
                         a.by_name, a.decision or "undecided", "", a.changed.by or "", at(a.changed), a.note or ""])
        for c in step.comments:
            rows.append([*base, "comment", c.text, *tail, "", "", "", c.by or "",
                         c.at.strftime("%Y-%m-%dT%H:%M:%SZ"), ""])
    return csv_text(CSV_COLUMNS, rows)


def to_json(run: Run) -> str:
    return json.dumps(run.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"
