"""`kb digest`: per owner, what is overdue or due soon, with links to the site.

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
import json
import re
from pathlib import Path

import click

from ..kb import KnowledgeBase
from ..reviews import ReviewItem, review_items
from .common import emit, open_kb, root_option, today_option

_STATE_LABEL = {"overdue": "OVERDUE", "due-soon": "due soon", "ok": "due", "future": "REVIEW DATED IN THE FUTURE"}
_KIND_LABEL = {"sop": "document review", "account": "account review", "account-plan": "account plan update"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def page_url(kb: KnowledgeBase, item: ReviewItem) -> str:
    """The item's page on the published site; relative to the site root when site_url is unset."""
    section = "sops" if item.kind == "sop" else "accounts"
    path = f"{section}/{item.id.lower()}/"
    base = (kb.config.site_url or "").rstrip("/")
    return f"{base}/{path}" if base else path


def recipients(kb: KnowledgeBase, ref: str) -> list[str]:
    """Who to send an owner's digest to: a person's email, or a team's active members' emails."""
    kind, _, ident = ref.partition(":")
    if kind == "person":
        person = kb.people.get(ident)
        return [person.model.email] if person else []
    return [p.model.email for p in kb.members(ident) if p.model.active] if kind == "team" else []


def digest(kb: KnowledgeBase, today: dt.date, within: int) -> dict:
    by_owner: dict[str, list[dict]] = {}
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
    return {"version": 1, "today": today.isoformat(), "within": within, "owners": owners}


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _when(item: dict) -> str:
    days = item["days_left"]
    if days is None:
        return "never done"
    if days < 0:
        return f"due {item['due']}, {-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return f"due today ({item['due']})"
    return f"due {item['due']}, in {days} day{'s' if days != 1 else ''}"


def markdown(data: dict) -> str:
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
            label = _STATE_LABEL[item["state"]]
            lines.append(f"- **{label}** [{item['id']}: {_md(item['title'])}]({item['url']}) "
                         f"({_KIND_LABEL[item['kind']]}): "
                         f"{_when(item)}")
    return "\n".join(lines) + "\n"


@click.command("digest")
@click.option("--within", type=click.IntRange(min=0), metavar="DAYS",
              help="Items overdue or due within DAYS days (default: due_soon_days in kb.yml).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the digest to a file.")
@today_option
@root_option
def command(within, fmt, output, today, root):
    """Per owner (person or team), what is overdue or due soon, with links to the site.

    Ready to paste into mail or chat; a team's recipients are its active
    members. Owners with nothing due are left out. Always exits 0 (a report).
    """
    kb = open_kb(root)
    data = digest(kb, today, kb.config.due_soon_days if within is None else within)
    emit(json.dumps(data, indent=2) + "\n" if fmt == "json" else markdown(data), output)
    if kb.findings:
        click.echo(f"kb: {len(kb.findings)} problem(s) kept some files out of this digest; run kb check", err=True)
    return 0
