"""Write a `Checklist` as Markdown, standalone HTML, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from html import escape

from .model import Assignee, Checklist, ChecklistStep

FORMATS = ("md", "html", "csv", "json")
CSV_COLUMNS = ["step", "step_title", "kind", "item", "role", "assignee", "due", "approval"]
_FIELD_HINT = {"single": "choose one", "multi": "choose any", "text": "write", "date": "date"}


def render(cl: Checklist, fmt: str) -> str:
    return {"md": markdown, "html": html, "csv": to_csv, "json": to_json}[fmt](cl)


def _people(people: list[Assignee]) -> str:
    return ", ".join(f"{p.name} ({p.ref})" for p in people)


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
    header = [f"Start: {cl.start.isoformat()}", *_account_lines(cl)]
    header += [f"Input {k}: {v}" for k, v in cl.inputs.items()]
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
            cond = f" *({item.condition})*" if item.condition else ""
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
            covers = ", ".join(f"{c.number}. {c.title}" for c in a.covers)
            who = f" ({_people(a.approvers)})" if a.approvers else ""
            out.append(f"- [ ] Approved by {_md_escape(a.by_name)}{_md_escape(who)}, covering: {_md_escape(covers)}")
        if not (step.items or step.fields or step.approval):
            out.append("- [ ] Done")
        out.append("")
    if cl.skipped:
        out.append("Not applicable to this account: " + ", ".join(f"{s.number}. {_md_escape(s.title)}" for s in cl.skipped))
        out.append("")
    out.append(f"Generated from {cl.source.id} version {cl.source.version} ({_md_escape(cl.source.title)}) on {cl.generated.isoformat()}.")
    return "\n".join(out) + "\n"


def to_csv(cl: Checklist) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for step in cl.steps:
        base = [step.number, step.title]
        tail_role = step.role_name or ""
        assignee = _people(step.assignees)
        due = step.due.isoformat() if step.due else (f"{step.due_after} after start" if step.due_after else "")
        rows = [["item", i.text + (f" ({i.condition})" if i.condition else "")] for i in step.items]
        rows += [["field", f"{f.label}: " + (" | ".join(f.options) if f.options else f"({_FIELD_HINT[f.kind]})")] for f in step.fields]
        approval = ""
        if step.approval:
            a = step.approval
            approval = a.by_name + (f" ({_people(a.approvers)})" if a.approvers else "")
            covers = ", ".join(str(c.number) for c in a.covers)
            rows.append(["approval", f"Approve steps {covers}"])
        if not rows:
            rows = [["step", step.title]]
        for kind, text in rows:
            writer.writerow([*base, kind, _csv_safe(text), tail_role, assignee, due, approval if kind == "approval" else ""])
    return buf.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; keep them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_json(cl: Checklist) -> str:
    return json.dumps(cl.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:52rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.6rem 0 .3rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
.facts{margin:.5rem 0 1rem;padding:.6rem .8rem;background:#f3f5f7;border-radius:4px;list-style:none}
.facts li{margin:.1rem 0}.meta{color:#444;font-size:.9rem;margin:.2rem 0 .4rem}
.guidance{border-left:3px solid #9bb;padding:.2rem .7rem;color:#333;margin:.4rem 0}
ul.tasks{list-style:none;padding-left:.2rem}ul.tasks li{margin:.25rem 0}
label{cursor:pointer}input[type=checkbox],input[type=radio]{width:1rem;height:1rem;vertical-align:-2px;margin-right:.4rem}
.field{margin:.4rem 0}.field .options{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:.2rem 0 0 .2rem}
.write{display:inline-block;min-width:16rem;border-bottom:1px solid #777;height:1.2rem}
.approval{border:2px solid #7a5;border-radius:4px;padding:.5rem .8rem;background:#f6fbf3}
.cond{color:#666;font-style:italic}footer{margin-top:2rem;color:#555;font-size:.85rem;border-top:1px solid #ccc;padding-top:.5rem}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}section{break-inside:avoid}
.facts,.approval{background:none}input[type=checkbox],input[type=radio]{appearance:none;-webkit-appearance:none;border:1px solid #000;border-radius:2px}}
"""


def html(cl: Checklist) -> str:
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(cl.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(cl.title)}</h1>",
        '<ul class="facts">',
        f"<li>Start: {e(cl.start.isoformat())}</li>",
        *[f"<li>{e(line)}</li>" for line in _account_lines(cl)],
        *[f"<li>Input {e(k)}: {e(v)}</li>" for k, v in cl.inputs.items()],
        "</ul>",
    ]
    for step in cl.steps:
        parts.append(f'<section id="step-{e(step.id)}"><h2>{step.number}. {e(step.title)}</h2>')
        meta = _step_meta(step)
        if meta:
            parts.append(f'<p class="meta">{e(" · ".join(meta))}</p>')
        if step.guidance:
            parts.append(f'<p class="guidance">{e(step.guidance)}</p>')
        tasks = []
        for n, item in enumerate(step.items):
            cond = f' <span class="cond">({e(item.condition)})</span>' if item.condition else ""
            tasks.append(f'<li><label><input type="checkbox" name="{e(step.id)}-{n}">{e(item.text)}</label>{cond}</li>')
        if not (step.items or step.fields or step.approval):
            tasks.append(f'<li><label><input type="checkbox" name="{e(step.id)}-done">Done</label></li>')
        if tasks:
            parts.append('<ul class="tasks">' + "".join(tasks) + "</ul>")
        for field in step.fields:
            name = f"{step.id}-{field.id}"
            parts.append(f'<div class="field"><strong>{e(field.label)}</strong> ({_FIELD_HINT[field.kind]})')
            if field.options:
                kind = "radio" if field.kind == "single" else "checkbox"
                opts = "".join(
                    f'<label><input type="{kind}" name="{e(name)}" value="{e(o)}">{e(o)}</label>' for o in field.options
                )
                parts.append(f'<div class="options">{opts}</div>')
            else:
                parts.append(' <span class="write"></span>')
            parts.append("</div>")
        if step.approval:
            a = step.approval
            covers = ", ".join(f"{c.number}. {c.title}" for c in a.covers)
            who = f" ({_people(a.approvers)})" if a.approvers else ""
            parts.append(
                f'<div class="approval"><label><input type="checkbox" name="{e(step.id)}-approved">'
                f"Approved by {e(a.by_name)}{e(who)}</label><br>Covers: {e(covers)}<br>"
                'Signature: <span class="write"></span> Date: <span class="write" style="min-width:8rem"></span></div>'
            )
        parts.append("</section>")
    if cl.skipped:
        skipped = ", ".join(f"{s.number}. {s.title}" for s in cl.skipped)
        parts.append(f'<p class="cond">Not applicable to this account: {e(skipped)}</p>')
    parts.append(
        f"<footer>Generated from {e(cl.source.id)} version {e(cl.source.version)} "
        f"({e(cl.source.title)}) on {e(cl.generated.isoformat())}.</footer></body></html>"
    )
    return "\n".join(parts) + "\n"
