"""The review digest: per owner, what is overdue or due soon, with links to the site.

JSON shape (stable while `version` is 1; keys are only ever added):

    {"version": 1, "today": "2026-11-22", "within": 30,
     "owners": [{"owner": "team:csc-im", "name": "Implementation Managers",
                 "recipients": ["mokafor@northwind.example", ...],
                 "items": [{"kind": "sop", "id": "SOP-CSC-001", "title": "...",
                            "state": "overdue", "due": "2026-05-02", "days_left": -204,
                            "url": "https://kb.example/sops/sop-csc-001/"}]}]}
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .kb import KnowledgeBase
from .output import envelope
from .reviews import STATE_LABEL, ReviewItem, review_items

_KIND_LABEL = {"sop": "document review", "account": "account review", "account-plan": "account plan update"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


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


def digest(kb: KnowledgeBase, today: dt.date, within: int) -> dict[str, Any]:
    """The digest as data (the JSON output's shape)."""
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for item in review_items(kb, today):
        if item.due_within(within):
            by_owner.setdefault(item.owner, []).append({
                "kind": item.kind, "id": item.id, "title": item.title, "state": item.state,
                "due": item.due.isoformat() if item.due else None, "days_left": item.days_left,
                "url": page_url(kb, item),
            })
    owners = [
        {"owner": ref, "name": kb.display_name(ref), "recipients": recipients(kb, ref), "items": items}
        for ref, items in sorted(by_owner.items())
    ]
    return envelope(today, within=within, owners=owners)


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


def markdown(data: dict[str, Any]) -> str:
    """The digest as Markdown, ready to paste into mail or chat."""
    lines = [f"# Review digest, {data['today']}", ""]
    owners = data["owners"]
    if not owners:
        lines.append(f"Nothing is overdue or due within {data['within']} days.")
        return "\n".join(lines) + "\n"
    count = sum(len(o["items"]) for o in owners)
    lines.append(f"{count} item{'s' if count != 1 else ''} overdue or due within {data['within']} days, "
                 f"for {len(owners)} owner{'s' if len(owners) != 1 else ''}.")
    for owner in owners:
        lines += ["", f"## {_md(owner['name'])} (`{owner['owner']}`)", ""]
        to = ", ".join(owner["recipients"]) or "nobody: the owner is not in org/"
        lines += [f"To: {to}", ""]
        for item in owner["items"]:
            label = STATE_LABEL[item["state"]]
            lines.append(f"- **{label}** [{item['id']}: {_md(item['title'])}]({item['url']}) "
                         f"({_KIND_LABEL[item['kind']]}): "
                         f"{_when(item)}")
    return "\n".join(lines) + "\n"
