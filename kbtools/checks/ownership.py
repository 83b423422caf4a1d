"""Every owner resolves to someone who can act on it."""

from __future__ import annotations

from collections.abc import Iterator

from .. import models
from ..authority import is_account_manager, needs_account_manager, owner_problem
from ..findings import Finding
from ..kb import Entry
from . import Context, check


@check("ownership")
def owners(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    records: list[Entry[models.Sop] | Entry[models.Account] | Entry[models.Training]] = [
        *kb.docs.values(), *kb.accounts.values(), *kb.training.values()
    ]
    for entry in records:
        model = entry.model
        if getattr(model, "status", None) in ("retired", "closed"):
            continue
        if model.owner in kb.broken:
            continue
        if model.owner.startswith("team:") and "person" in kb.incomplete:
            continue  # org/people.yaml did not load: who is on the team is not known
        problem = owner_problem(kb, model.owner)
        if problem:
            code, reason = problem
            hint = "; reassign it" if code == "inactive-owner" else ""
            yield entry.finding("error", code, f"owner {reason}{hint}", "owner")


@check("account-manager")
def account_managers(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    role = kb.config.account_manager_role
    for entry in kb.accounts.values():
        acc = entry.model
        if not needs_account_manager(acc) or acc.owner.partition(":")[2] not in kb.people:
            continue  # an owner who is not in the registry is the ownership check's finding
        if not is_account_manager(kb, acc.owner):
            yield entry.finding(
                "error", "owner-role",
                f"tier {acc.tier} accounts are owned by an account manager: {acc.owner} does not hold role {role!r}",
                "owner",
            )
