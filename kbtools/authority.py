"""Who may act on a record: owners, members of owning teams, listed approvers."""

from __future__ import annotations

from typing import Any

from .kb import Entry, KnowledgeBase
from .models import Account


def holds(kb: KnowledgeBase, person_id: str, ref: str) -> bool:
    """Does the person match `ref` (themselves, a team they belong to, a role they hold)?"""
    person = kb.people.get(person_id)
    if person is None:
        return False
    kind, _, ident = ref.partition(":")
    if kind == "person":
        return ident == person_id
    if kind == "team":
        return person.model.team == ident
    if kind == "role":
        return ident in person.model.roles
    return False


def may_review(kb: KnowledgeBase, entry: Entry[Any], person_id: str) -> bool:
    model = entry.model
    refs = [model.owner, *getattr(model, "approvers", [])]
    return any(holds(kb, person_id, ref) for ref in refs)


def owner_problem(kb: KnowledgeBase, ref: str) -> tuple[str, str] | None:
    """(finding code, reason) when `ref` cannot own anything, else None."""
    kind, _, ident = ref.partition(":")
    if kind == "person":
        person = kb.people.get(ident)
        if person is None:
            return "unknown-owner", f"{ref} is not in org/people.yaml"
        if not person.model.active:
            left = f" (left {person.model.left})" if person.model.left else ""
            return "inactive-owner", f"{ref} is no longer active{left}"
        return None
    if kind == "team":
        if ident not in kb.teams:
            return "unknown-owner", f"{ref} is not in org/teams.yaml"
        if not kb.active_members(ident):
            return "empty-team", f"{ref} has no active member"
        return None
    return "unknown-owner", f"{ref}: write an owner as person:<id> or team:<id>"


# The sales account management policy: strategic (1) and key (2) accounts are owned by an account manager.
MANAGED_TIERS = (1, 2)


def needs_account_manager(account: Account) -> bool:
    """Must this account be owned by someone holding kb.yml's account_manager_role?"""
    return account.status != "closed" and account.tier in MANAGED_TIERS


def is_account_manager(kb: KnowledgeBase, ref: str) -> bool:
    """Does `ref` name a person holding the account-manager role?"""
    kind, _, ident = ref.partition(":")
    person = kb.people.get(ident) if kind == "person" else None
    return person is not None and kb.config.account_manager_role in person.model.roles

