"""Every owner resolves to someone who can act on it."""

from __future__ import annotations

from . import Context, check


def owner_problem(ctx: Context, ref: str) -> tuple[str, str] | None:
    """(code, message) when `ref` cannot own anything, else None."""
    kb = ctx.kb
    kind, _, ident = ref.partition(":")
    if ref in kb.broken or ident in kb.broken:
        return None
    if kind == "person":
        person = kb.people.get(ident)
        if person is None:
            return "unknown-owner", f"owner {ref} is not in org/people.yaml"
        if not person.model.active:
            left = f" (left {person.model.left})" if person.model.left else ""
            return "inactive-owner", f"owner {ref} is no longer active{left}; reassign it"
        return None
    if kind == "team":
        if ident not in kb.teams:
            return "unknown-owner", f"owner {ref} is not in org/teams.yaml"
        if not any(p.model.active for p in kb.members(ident)):
            return "empty-team", f"owner {ref} has no active member"
        return None
    return "unknown-owner", f"owner {ref} must be a person: or team: reference"


@check("ownership")
def owners(ctx: Context):
    kb = ctx.kb
    records = [*kb.docs.values(), *kb.accounts.values(), *kb.training.values()]
    for entry in records:
        model = entry.model
        if getattr(model, "status", None) in ("retired", "closed"):
            continue
        problem = owner_problem(ctx, model.owner)
        if problem:
            yield entry.finding("error", problem[0], problem[1], "owner")


@check("account-manager")
def account_managers(ctx: Context):
    kb = ctx.kb
    role = kb.config.account_manager_role
    for entry in kb.accounts.values():
        acc = entry.model
        if acc.status == "closed" or acc.tier not in (1, 2):
            continue
        person = kb.people.get(acc.owner.partition(":")[2])
        if person is not None and role not in person.model.roles:
            yield entry.finding(
                "error", "owner-role",
                f"tier {acc.tier} accounts are owned by an account manager: {acc.owner} does not hold role {role!r}",
                "owner",
            )
