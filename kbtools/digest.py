"""The review digest: per owner, what is overdue or due soon, with links to the site.

With a feedback store, each owner's open feedback and knowledge gaps too (an
owner with only those still appears, with no review items); without one, the
digest says so, in both formats.

JSON shape (stable while `version` is 1; keys are only ever added):

    {"version": 1, "today": "2026-11-22", "within": 30,
     "feedback": {"store": "/srv/kb/store.sqlite3", "open": 3},   # null without a store
     "feedback_note": null,            # without a store: why ("no feedback store at ...")
     "owners": [{"owner": "team:csc-im", "name": "Implementation Managers",
                 "recipients": ["mokafor@northwind.example", ...],
                 "items": [{"kind": "sop", "id": "SOP-CSC-001", "title": "...",
                            "state": "overdue", "due": "2026-05-02", "days_left": -204,
                            "url": "https://kb.example/sops/sop-csc-001/"}],
                 "feedback": [{"id": "FB-12", "kind": "feedback", "gap_kind": null, "helpful": false, "state": "new",
                               "created": "2026-10-01T09:30:00Z", "age_days": 52,
                               "doc": "SOP-CSC-001", "title": "...", "version": "1.2",
                               "text": "...", "url": "https://kb.example/sops/sop-csc-001/"}]}]}
                 # "feedback" is null without a store
                 "runs": [{"run": "RUN-7", "title": "...", "account": "ACC-00042", "step": 9,
                           "step_title": "...", "item": "...", "due": "2026-11-01", "days_overdue": 21,
                           "url": "https://kb.example/service/runs/RUN-7/"}]}]}
                 # "runs": the owner's overdue items of checklist runs; null without a store
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .findings import printable
from .kb import KnowledgeBase
from .loop.location import missing_message
from .loop.store import Item, RunItem, RunRecord
from .loop.triage import GAP_LABEL, age_days, iso, one_line, owner_of, silence
from .output import envelope, plural
from .reviews import STATE_LABEL, ReviewItem, review_items

_KIND_LABEL = {"sop": "document review", "account": "account review", "account-plan": "account plan update"}
# Characters Markdown (or the HTML it may hold) would act on: escaped with a backslash, which CommonMark allows
# before any ASCII punctuation. `&` keeps entities (`&lt;`) literal, `~` strike-through, `!` images.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")


def page_url(kb: KnowledgeBase, item: ReviewItem) -> str:
    """The item's page on the published site; relative to the site root when site_url is unset."""
    section = "sops" if item.kind == "sop" else "accounts"
    return kb.config.url(f"{section}/{item.id.lower()}/")


def recipients(kb: KnowledgeBase, ref: str) -> list[str]:
    """Who to send an owner's digest to: a person's email, or a team's active members' emails."""
    kind, _, ident = ref.partition(":")
    if kind == "person":
        person = kb.people.get(ident)
        return [person.model.email] if person else []
    return [p.model.email for p in kb.active_members(ident)] if kind == "team" else []


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the digest knows of the feedback store at `store`: its open items, None when there is no store."""

    store: Path
    open_items: Sequence[Item] | None
    runs: Sequence[tuple[RunRecord, Sequence[RunItem]]] = ()


def digest(kb: KnowledgeBase, today: dt.date, within: int, feedback: Feedback | None = None) -> dict[str, Any]:
    """The digest as data (the JSON output's shape)."""
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for item in review_items(kb, today):
        if item.due_within(within):
            by_owner.setdefault(item.owner, []).append({
                "kind": item.kind, "id": item.id, "title": item.title, "state": item.state,
                "due": item.due.isoformat() if item.due else None, "days_left": item.days_left,
                "url": page_url(kb, item),
            })
    found = feedback.open_items if feedback is not None else None
    said: dict[str, list[dict[str, Any]]] = {}
    for fb in found or ():
        entry = kb.docs.get(fb.doc) if fb.doc else None
        said.setdefault(owner_of(kb, fb), []).append({
            "id": fb.ref, "kind": fb.kind, "gap_kind": fb.gap_kind, "helpful": fb.helpful, "state": fb.state,
            "created": iso(fb.created), "age_days": age_days(fb, today),
            "doc": fb.doc, "title": entry.model.title if entry else None, "version": fb.version, "text": fb.text,
            "url": kb.config.url(f"sops/{entry.model.id.lower()}/") if entry else None,
        })
    late = overdue_run_items(kb, feedback.runs if feedback is not None else (), today)
    owners = [
        {"owner": ref, "name": kb.display_name(ref), "recipients": recipients(kb, ref),
         "items": by_owner.get(ref, []), "feedback": said.get(ref, []) if found is not None else None,
         "runs": late.get(ref, []) if found is not None else None}
        for ref in sorted(set(by_owner) | set(said) | set(late))
    ]
    summary = None
    if feedback is not None and found is not None:
        summary = {"store": str(feedback.store), "open": len(found)}
    note = missing_message(feedback.store) if feedback is not None else "no feedback store was read"
    return envelope(today, within=within, feedback=summary, feedback_note=None if summary else note, owners=owners)


def overdue_run_items(kb: KnowledgeBase, runs: Sequence[tuple[RunRecord, Sequence[RunItem]]],
                      today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Each assignee's items of checklist runs past their due date, most overdue first."""
    from .runs.work import open_items  # the runs need the checklist builder, which needs this knowledge base

    late: dict[str, list[dict[str, Any]]] = {}
    for item in open_items(kb, runs, today):
        if item.kind != "task" or not item.days_overdue(today):
            continue
        for ref in item.assignees:
            late.setdefault(ref, []).append({
                "run": item.run, "title": item.run_title, "account": item.account, "step": item.step,
                "step_title": item.step_title, "item": item.text, "due": item.due.isoformat() if item.due else None,
                "days_overdue": item.days_overdue(today), "url": kb.config.url(f"service/runs/{item.run}/"),
            })
    return late


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _when(item: dict[str, Any]) -> str:
    days = item["days_left"]
    if days is None:
        return "never done"
    if days < 0:
        return f"due {item['due']}, {-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return f"due today ({item['due']})"
    return f"due {item['due']}, in {days} day{'s' if days != 1 else ''}"


def _feedback_line(data: dict[str, Any]) -> str:
    if data["feedback"] is None:
        return f"Feedback and knowledge gaps are not included: {_md(printable(data['feedback_note']))}."
    count = data["feedback"]["open"]
    if not count:
        return "No feedback or knowledge gap is open."
    with_some = sum(1 for o in data["owners"] if o["feedback"])
    return f"{plural(count, 'open item')} of feedback and knowledge gaps, for {plural(with_some, 'owner')}."


def _said(item: dict[str, Any]) -> str:
    what = "feedback" if item["kind"] == "feedback" else f"knowledge gap ({GAP_LABEL.get(item['gap_kind'], '?')})"
    line = f"- **{item['id']}** {what}, {item['state']}, {plural(item['age_days'], 'day')} old"
    if item["doc"]:
        doc = f"{item['doc']}: {_md(item['title'])}" if item["title"] else _md(printable(item["doc"]))
        line += f", on [{doc}]({item['url']})" if item["url"] else f", on {doc}"
    text = one_line(item["text"])
    return line + f": {_md(printable(text)) if text else _md(silence(item))}"


def markdown(data: dict[str, Any]) -> str:
    """The digest as Markdown, ready to paste into mail or chat."""
    lines = [f"# Review digest, {data['today']}", ""]
    owners = data["owners"]
    count = sum(len(o["items"]) for o in owners)
    if count:
        due = sum(1 for o in owners if o["items"])
        lines.append(f"{plural(count, 'item')} overdue or due within {data['within']} days, "
                     f"for {plural(due, 'owner')}.")
    else:
        lines.append(f"Nothing is overdue or due within {data['within']} days.")
    lines += ["", _feedback_line(data)]
    for owner in owners:
        lines += ["", f"## {_md(owner['name'])} (`{owner['owner']}`)", ""]
        to = ", ".join(owner["recipients"]) or "nobody: the owner is not in org/"
        lines += [f"To: {to}", ""]
        for item in owner["items"]:
            label = STATE_LABEL[item["state"]]
            lines.append(f"- **{label}** [{item['id']}: {_md(item['title'])}]({item['url']}) "
                         f"({_KIND_LABEL[item['kind']]}): "
                         f"{_when(item)}")
        if owner["feedback"]:
            if owner["items"]:
                lines.append("")
            lines += ["Open feedback and knowledge gaps, oldest first:", ""]
            lines += [_said(item) for item in owner["feedback"]]
        if owner["runs"]:
            if owner["items"] or owner["feedback"]:
                lines.append("")
            lines += ["Overdue checklist run items:", ""]
            lines += [f"- **{r['run']}** [{_md(printable(r['title']))}]({r['url']}), step {r['step']} "
                      f"{_md(printable(r['step_title']))}: {_md(printable(r['item']))} "
                      f"(due {r['due']}, {plural(r['days_overdue'], 'day')} overdue)" for r in owner["runs"]]
    return "\n".join(lines) + "\n"
