"""What an import does: the accounts it adds, changes and closes, and the checked edits that do it.

Rows are matched to accounts by Salesforce id (18-character form). A row
with no account is a new account under the next free id; a row with one
changes only the keys the CRM owns (`owned` in the mapping), in place; an
account that came from the CRM (it has a Salesforce id) and is missing from
a full export is closed, never deleted. Accounts without a Salesforce id
are never touched, and neither are the knowledge base's own keys.

Nothing is decided on a partial view: an account file that does not load
could hold any Salesforce id, so the import refuses until it does. Every
edited or new file is loaded again, and the accounts it writes are checked as
`kb check` checks them: a finding the import would add is a problem of its
row, and nothing is written. Review dates are not invented, so a new account
opened more than one cadence ago is due from the day it arrives; those
findings (and the other review-date ones) are reported, not refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..authority import is_account_manager
from ..checks import run_checks
from ..config import CRM_KEYS, CrmSource, folder_of
from ..edit import inplace as edit
from ..edit.scaffold import next_account_ids
from ..findings import ContentError, Finding
from ..kb import Entry, KnowledgeBase
from ..models import Account
from ..reviews import review_items
from .export import Export
from .mapping import ID_KEY, Facts, Mapping, Value

# Keys in the order an account file lists them (new keys go after the one before them).
KEY_ORDER = ("id", "salesforce_id", "name", "segment", "tier", "status", "health", "owner", "team", "products",
             "since", "opened", "last_review", "plan_updated", "annual_revenue")
# Findings about when a review falls due: the true state of the account, reported by the import, not refused.
TIMING = frozenset({"review-overdue", "review-due-soon", "plan-overdue", "plan-due-soon", "plan-missing"})
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/account.schema.json"


@dataclass(frozen=True, slots=True)
class KeyChange:
    key: str
    old: Value | None  # None: the key was not set
    new: Value | None  # None: the key is removed


@dataclass
class Added:
    id: str
    path: str
    row: int
    sfid: str
    values: dict[str, Value]
    review_due: dt.date | None = None
    plan_due: dt.date | None = None
    same_name: str | None = None  # an account without a Salesforce id that has this name


@dataclass
class Changed:
    id: str
    path: str
    row: int
    sfid: str
    name: str
    changes: list[KeyChange]


@dataclass
class Closed:
    id: str
    path: str
    sfid: str
    name: str
    status: str  # before


@dataclass
class Plan:
    file: str
    source: str
    partial: bool
    rows: int
    added: list[Added] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    closed: list[Closed] = field(default_factory=list)
    unchanged: int = 0
    notes: list[Finding] = field(default_factory=list)  # review-date findings kb check will report afterwards
    edits: list[edit.Change] = field(default_factory=list)


def make_plan(kb: KnowledgeBase, name: str, source: CrmSource, export: Export, *, partial: bool,
              today: dt.date) -> tuple[Plan | None, list[Finding]]:
    """The plan, or None with a finding for every bad row (and the plan is then not made)."""
    index = _accounts_by_sfid(kb)
    mapping = Mapping(source, export, kb, today)
    if not mapping.usable:
        return None, mapping.findings
    rows = list(mapping.facts())
    findings = mapping.findings
    if findings:
        return None, findings
    plan = Plan(export.path, name, partial, len(export.rows))
    row_of: dict[str, Facts] = {}  # account path -> its row
    new_rows: list[Facts] = []
    owned = owned_keys(source)
    for facts in rows:
        entry = index.get(facts.sfid)
        if entry is None:
            new_rows.append(facts)
            continue
        changes = _changes(entry.model, facts, owned)
        if problem := _owner_problem(kb, export.path, entry.model, facts, changes):
            findings.append(problem)
        elif changes:
            plan.changed.append(Changed(entry.model.id, entry.path, facts.row, facts.sfid, entry.model.name, changes))
            row_of[entry.path] = facts
        else:
            plan.unchanged += 1
    for facts in new_rows:
        if problem := _owner_problem(kb, export.path, None, facts, []):
            findings.append(problem)
    if findings:
        return None, findings
    plan.changed.sort(key=lambda c: c.id)
    if not partial:
        present = {f.sfid for f in rows}
        plan.closed = [Closed(e.model.id, e.path, sfid, e.model.name, e.model.status)
                       for sfid, e in sorted(index.items(), key=lambda item: item[1].model.id)
                       if sfid not in present and e.model.status != "closed"
                       and (source.segments is None or e.model.segment in source.segments)]
    unnamed = {e.model.name.casefold(): e.model.id for e in kb.accounts.values() if e.model.salesforce_id is None}
    for ident, facts in zip(next_account_ids(kb, len(new_rows)), new_rows, strict=True):
        values: dict[str, Value] = {"salesforce_id": facts.sfid, **{str(k): v for k, v in facts.values.items()}}
        added = Added(ident, f"accounts/{ident}.yaml", facts.row, facts.sfid, values,
                      same_name=unnamed.get(str(facts.values["name"]).casefold()))
        plan.added.append(added)
        row_of[added.path] = facts
    findings = _edits(kb, plan, row_of)
    if not findings:
        findings = _verify(kb, plan, row_of, today)
    if findings:
        return None, findings
    plan.edits.sort(key=lambda c: c.path)
    return plan, []


# -- matching -------------------------------------------------------------------------------


def _accounts_by_sfid(kb: KnowledgeBase) -> dict[str, Entry[Account]]:
    """Every account by its Salesforce id; stops (exit 1) when the accounts cannot all be seen or two share one."""
    unread = sorted({f.path for f in kb.findings if f.severity == "error" and (folder := folder_of(f.path))
                     is not None and folder.kind == "account"})
    if unread:
        raise ContentError(f"refusing to import: {len(unread)} account file(s) do not load, and any of them may "
                           f"hold a Salesforce id of the export: {', '.join(unread[:10])}"
                           f"{' ...' if len(unread) > 10 else ''}; fix them first (kb check shows how)")
    repeated = sorted(e.path for kind, e in kb.duplicates if kind == "account")
    if repeated:
        raise ContentError(f"refusing to import: account ids repeat in {', '.join(repeated)}; "
                           "fix them first (kb check shows how)")
    if "person" in kb.incomplete:
        raise ContentError("refusing to import: org/people.yaml does not load, so owners cannot be matched; "
                           "fix it first (kb check shows how)")
    index: dict[str, Entry[Account]] = {}
    for entry in kb.accounts.values():
        sfid = entry.model.salesforce_id
        if sfid is None:
            continue
        if sfid in index:
            raise ContentError(f"refusing to import: {entry.path} and {index[sfid].path} have the same "
                               f"salesforce_id {sfid}; keep it on the one account it names (kb check: duplicate-id)")
        index[sfid] = entry
    return index


def _same(old: Any, new: Value) -> bool:
    if isinstance(new, tuple):
        return isinstance(old, tuple) and len(old) == len(new) and set(old) == set(new)
    if isinstance(new, (int, float)) and not isinstance(new, bool):
        return isinstance(old, (int, float)) and not isinstance(old, bool) and old == new
    return bool(old == new)


def owned_keys(source: CrmSource) -> list[str]:
    """The keys an import may change on an existing account, in file order: the owned ones, and status
    (a closed account that is back in the CRM reopens)."""
    return [k for k in KEY_ORDER if k == "status" or (k in CRM_KEYS and k in source.columns
                                                      and source.columns[k].owned)]


def _changes(account: Account, facts: Facts, owned: list[str]) -> list[KeyChange]:
    """The keys (of `owned_keys`) whose value the row changes, in file order."""
    out: list[KeyChange] = []
    values, cleared = facts.values, facts.cleared
    for key in owned:
        if key == "status":
            if account.status == "closed":
                out.append(KeyChange("status", "closed", "active"))
            continue
        current = getattr(account, key)
        if key in values:
            new = values[key]
            if not _same(current, new):
                out.append(KeyChange(key, _or_none(current), new))
        elif key in cleared and _or_none(current) is not None:
            out.append(KeyChange(key, _or_none(current), None))
    return out


def _or_none(value: Any) -> Any:
    return None if value is None or value == () else value


def _owner_problem(kb: KnowledgeBase, file: str, account: Account | None, facts: Facts,
                   changes: list[KeyChange]) -> Finding | None:
    """A tier 1 or 2 account the row would give to someone who is not an account manager."""
    tier: Value | None
    if account is None:
        owner, tier = str(facts.values["owner"]), facts.values["tier"]
    else:
        new = {c.key: c.new for c in changes}
        if "owner" not in new and "tier" not in new:
            return None
        owner, tier = str(new.get("owner", account.owner)), new.get("tier", account.tier)
    if tier not in (1, 2) or is_account_manager(kb, owner):
        return None
    key = "owner" if account is None or any(c.key == "owner" for c in changes) else "tier"
    role = kb.config.account_manager_role
    return Finding(file, facts.row, facts.columns.get(key, 1), "error", "import-owner",
                   f"{owner} cannot own a tier {tier} account: tier 1 and 2 accounts are owned by someone holding "
                   f"role {role!r}")


# -- edits ----------------------------------------------------------------------------------


def _edits(kb: KnowledgeBase, plan: Plan, row_of: dict[str, Facts]) -> list[Finding]:
    """Fill plan.edits; a finding at its row for each file that cannot be edited in place."""
    findings: list[Finding] = []
    for item in plan.changed:
        entry = kb.accounts[item.id]
        try:
            plan.edits.append(_edited(kb, entry, item.changes))
        except edit.EditError as exc:
            findings.append(_at_row(plan.file, row_of[item.path], f"{item.id} cannot be updated: {exc}"))
    for closed in plan.closed:
        entry = kb.accounts[closed.id]
        fe = edit.start(kb, entry)
        try:
            fe.set_value("status", fe.scalar("status"), "closed")
            plan.edits.append(edit.finish(kb, fe))
        except edit.EditError as exc:
            findings.append(Finding(closed.path, 0, 0, "error", "import-record", f"cannot be closed: {exc}"))
    for added in plan.added:
        try:
            plan.edits.append(edit.new_file(kb, added.path, new_account_text(added.id, added.values)))
        except edit.EditError as exc:
            findings.append(_at_row(plan.file, row_of[added.path], f"{added.id} cannot be made: {exc}"))
    return findings


def _edited(kb: KnowledgeBase, entry: Entry[Account], changes: list[KeyChange]) -> edit.Change:
    fe = edit.start(kb, entry)
    for change in changes:
        after = _anchor(fe, change.key)
        if change.new is None:
            fe.remove_key(change.key)
        elif isinstance(change.new, tuple):
            fe.set_list(change.key, list(change.new), after)
        else:
            fe.set_or_add(change.key, fe.scalar(change.key), yaml_value(change.new), after)
    return edit.finish(kb, fe)


def _anchor(fe: edit.FileEdit, key: str) -> str:
    """The key a missing `key` goes after: the nearest one before it (in file order) that the file has."""
    earlier = KEY_ORDER[: KEY_ORDER.index(key)]
    return next((k for k in reversed(earlier) if fe.has(k)), "id")


def yaml_value(value: Value) -> str:
    """A value as the YAML text of a one-line scalar."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, tuple):
        return edit.yaml_flow_list(list(value))
    return edit.yaml_scalar(str(value))


def new_account_text(ident: str, values: dict[str, Value]) -> str:
    """A new account file: the keys in file order, `status: active`, nothing the knowledge base owns."""
    lines = [SCHEMA_LINE, f"id: {ident}"]
    for key in KEY_ORDER[1:]:
        if key == "status":
            lines.append("status: active")
        elif key in values:
            lines.append(f"{key}: {yaml_value(values[key])}")
    return "\n".join(lines) + "\n"


# -- the result passes kb check -----------------------------------------------------------------


def _verify(kb: KnowledgeBase, plan: Plan, row_of: dict[str, Facts], today: dt.date) -> list[Finding]:
    """Check the accounts as they would be written; a finding at its row for each error the import would add.

    The accounts are checked with the registry they refer to, before and after, so that what was
    wrong with an account already is not blamed on the import. Review-date findings are the
    accounts' true state: they go to plan.notes.
    """
    after_entries = [c.entry for c in plan.edits if c.entry is not None]
    after = _checked(kb, after_entries, today)
    flagged = {f.path for f in after}  # only these need comparing with what they were
    before_entries = [entry for i in (*(c.id for c in plan.changed), *(c.id for c in plan.closed))
                      if (entry := kb.accounts[i]).path in flagged]
    before = {(f.path, f.code, f.message) for f in _checked(kb, before_entries, today)} if before_entries else set()
    written = {c.path for c in plan.edits}
    findings: list[Finding] = []
    for f in after:
        if f.path not in written or (f.path, f.code, f.message) in before:
            continue
        if f.code in TIMING:
            plan.notes.append(f)
        elif f.severity == "error":
            message = f"{f.path} would not pass kb check: {f.message} ({f.code})"
            if f.path in row_of:
                findings.append(_at_row(plan.file, row_of[f.path], message))
            else:
                findings.append(Finding(f.path, f.line, f.col, "error", "import-record", message))
    scratch = _scratch(kb, after_entries)
    due = {(i.id, i.kind): i.due for i in review_items(scratch, today)}
    for added in plan.added:
        added.review_due = due.get((added.id, "account"))
        added.plan_due = due.get((added.id, "account-plan"))
    return findings


def _scratch(kb: KnowledgeBase, accounts: list[Entry[Any]]) -> KnowledgeBase:
    """A knowledge base of the registry and these accounts alone."""
    return KnowledgeBase(
        root=kb.root, config=kb.config, departments=kb.departments, teams=kb.teams, roles=kb.roles,
        people=kb.people, terms=kb.terms, aliases=kb.aliases, broken=set(kb.broken), incomplete=set(kb.incomplete),
        accounts={e.model.id: e for e in accounts},
    )


def _checked(kb: KnowledgeBase, accounts: list[Entry[Any]], today: dt.date) -> list[Finding]:
    paths = {e.path for e in accounts}
    return [f for f in run_checks(_scratch(kb, accounts), today) if f.path in paths]


def _at_row(file: str, facts: Facts, message: str) -> Finding:
    """A finding at the row's Salesforce id."""
    return Finding(file, facts.row, facts.columns.get(ID_KEY, 1), "error", "import-record", message)
