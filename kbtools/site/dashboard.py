"""The review dashboard's filters: what each listed review is (its kind, department and owner),
as data attributes its rows carry for assets/javascripts/dashboard.js, and the choices offered."""

from __future__ import annotations

from ..reviews import ReviewItem
from .view import SiteView

KIND_NAMES = {"sop": "Document reviews", "account": "Account reviews", "account-plan": "Account plans"}


def department_of(view: SiteView, item: ReviewItem) -> str:
    """A document's department; an account's (or plan's) is its owner's: the owning team's, or the
    owner's team's. Empty when none is known."""
    if item.kind == "sop":
        entry = view.docs.get(item.id)
        return entry.model.department if entry else ""
    kind, _, ident = item.owner.partition(":")
    if kind == "person":
        person = view.people.get(ident)
        ident = (person.model.team or "") if person else ""
    team = view.teams.get(ident)
    return team.model.department if team else ""


def row_data(view: SiteView, item: ReviewItem) -> dict[str, str]:
    """The `data-` attributes of one review's row (values escaped by the template)."""
    return {"kind": item.kind, "department": department_of(view, item), "owner": item.owner}


def choices(view: SiteView, items: list[ReviewItem]) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers, (value, label), for the reviews listed."""
    kinds = {i.kind for i in items}
    depts = {department_of(view, i) for i in items} - {""}
    owners = {i.owner for i in items}
    return {
        "kind": [(k, name) for k, name in KIND_NAMES.items() if k in kinds],
        "department": sorted(((d, view.departments[d].model.name if d in view.departments else d) for d in depts),
                             key=lambda pair: pair[1].casefold()),
        "owner": sorted(((o, view.display_name(o)) for o in owners), key=lambda pair: pair[1].casefold()),
    }
