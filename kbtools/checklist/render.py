"""Write a `Checklist` as Markdown, standalone HTML, CSV or JSON."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Literal

from markupsafe import Markup

from ..output import csv_text
from ..templates import environment
from .build import describe_runs
from .model import Assignee, Checklist, ChecklistStep, StepRef

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS = ("md", "html", "csv", "json")
CSV_COLUMNS = ["step", "step_title", "kind", "item", "role", "assignee", "due", "approval"]
_FIELD_HINT = {"single": "choose one", "multi": "choose any", "text": "write", "date": "date"}


@functools.cache
def _environment() -> Environment:
    return environment("kbtools.checklist")


def render(cl: Checklist, fmt: str) -> str:
    return {"md": markdown, "html": html, "csv": to_csv, "json": to_json}[fmt](cl)


def _people(people: list[Assignee]) -> str:
    return ", ".join(f"{p.name} ({p.ref})" for p in people)


def _numbered(steps: list[StepRef]) -> str:
    return ", ".join(f"{s.number}. {s.title}" for s in steps)


def _step_meta(step: ChecklistStep) -> list[str]:
    meta = []
    if step.role_name:
        meta.append(f"Role: {step.role_name}")
    if step.assignees:
        meta.append(f"Assignee: {_people(step.assignees)}")
    if step.due:
        meta.append(f"Due: {step.due.isoformat()} ({step.due_after} after start)")
    elif step.due_after:
        meta.append(f"Due: {step.due_after} after start")
    if step.condition:
        meta.append(step.condition.capitalize())
    runs = describe_runs(step.runs)
    if runs:
        meta.append(runs.capitalize())
    return meta


def _account_lines(cl: Checklist) -> list[str]:
    a = cl.account
    if a is None:
        return []
    lines = [
        f"Account: {a.name} ({a.id}), tier {a.tier}, segment {a.segment}, status {a.status}"
        + (f", health {a.health}" if a.health else ""),
        f"Owner: {a.owner.name} ({a.owner.ref})",
    ]
    if a.team:
        lines.append("Team: " + ", ".join(f"{slot.upper()} {p.name}" for slot, p in a.team.items()))
    if a.products:
        lines.append("Products: " + ", ".join(a.products))
    if a.transition:
        t = a.transition
        lines.append(f"Transition: {t['from']} to {t['to']} since {t['started']} ({t['reason']})")
    for label, rows in (("Open escalations", a.open_escalations), ("Opportunities", a.opportunities),
                        ("Open tickets", a.open_tickets)):
        if rows:
            lines.append(f"{label}: " + "; ".join(f"{r.id} {r.summary} [{r.status}]" for r in rows))
    return lines


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")


def markdown(cl: Checklist) -> str:
    out = [f"## {_md_escape(cl.title)}", ""]
    header = [f"Start: {cl.start.isoformat()}"] if cl.start else []
    header += _account_lines(cl)
    header += [f"Input {k}: {v}" for k, v in cl.inputs.items()]
    if header:
        out += [f"- {_md_escape(line)}" for line in header] + [""]
    for step in cl.steps:
        out.append(f"### {step.number}. {_md_escape(step.title)}")
        meta = _step_meta(step)
        if meta:
            out.append("*" + _md_escape(" · ".join(meta)) + "*")
        out.append("")
        if step.guidance:
            out += [f"> {_md_escape(line)}" for line in step.guidance.splitlines()] + [""]
        for item in step.items:
            cond = f" *({_md_escape(item.condition)})*" if item.condition else ""
            out.append(f"- [ ] {_md_escape(item.text)}{cond}")
        for field in step.fields:
            hint = _FIELD_HINT[field.kind]
            if field.options:
                out.append(f"- **{_md_escape(field.label)}** ({hint}):")
                out += [f"  - [ ] {_md_escape(o)}" for o in field.options]
            else:
                out.append(f"- **{_md_escape(field.label)}** ({hint}): ____")
        if step.approval:
            a = step.approval
            covers = _numbered(a.covers)
            who = f" ({_people(a.approvers)})" if a.approvers else ""
            out.append(f"- [ ] Approved by {_md_escape(a.by_name)}{_md_escape(who)}, covering: {_md_escape(covers)}")
        if not (step.items or step.fields or step.approval):
            out.append("- [ ] Done")
        out.append("")
    if cl.skipped:
        out.append("Not applicable to this account: " + _md_escape(_numbered(cl.skipped)))
        out.append("")
    out.append(f"Generated from {cl.source.id} version {cl.source.version} ({_md_escape(cl.source.title)}) "
               f"on {cl.generated.isoformat()}.")
    return "\n".join(out) + "\n"


def to_csv(cl: Checklist) -> str:
    """One row per item, field, approval (or bare step); every cell neutralised for spreadsheets."""
    rows = []
    for step in cl.steps:
        base = [step.number, step.title]
        tail_role = step.role_name or ""
        assignee = _people(step.assignees)
        due = step.due.isoformat() if step.due else (f"{step.due_after} after start" if step.due_after else "")
        items = [["item", i.text + (f" ({i.condition})" if i.condition else "")] for i in step.items]
        items += [["field", f"{f.label}: " + (" | ".join(f.options) if f.options else f"({_FIELD_HINT[f.kind]})")]
                  for f in step.fields]
        approval = ""
        if step.approval:
            a = step.approval
            approval = a.by_name + (f" ({_people(a.approvers)})" if a.approvers else "")
            covers = ", ".join(str(c.number) for c in a.covers)
            items.append(["approval", f"Approve steps {covers}"])
        if not items:
            items = [["step", step.title]]
        for kind, text in items:
            rows.append([*base, kind, text, tail_role, assignee, due, approval if kind == "approval" else ""])
    return csv_text(CSV_COLUMNS, rows)


def to_json(cl: Checklist) -> str:
    return json.dumps(cl.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"


# The standalone page's Content-Security-Policy: no scripts, no requests, its own <style> only.
POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# The same page as the site's preview (`mkdocs serve`) serves it: the server adds its live-reload
# script (inline) to every HTML file it sends, and the script polls the server. Never in a built site.
PREVIEW_POLICY = POLICY + "; script-src 'unsafe-inline'; connect-src 'self'"


def html(cl: Checklist, policy: Literal["built", "preview"] = "built") -> str:
    """A standalone page to print or tick off in a browser; every value is escaped by the template.
    `policy`: the page's own (`built`), or as the preview serves it (`preview`)."""
    page = _environment().get_template("checklist.html").render(
        cl=cl, policy=Markup(PREVIEW_POLICY if policy == "preview" else POLICY),  # constants: quotes kept
        facts=_account_lines(cl), step_meta=_step_meta, people=_people, numbered=_numbered,
        field_hint=_FIELD_HINT,
    )
    return page + "\n"  # Jinja drops the template's last newline; every format ends with one
