"""Build a `Checklist` from an SOP's steps, blank or filled in for one account.

A blank checklist lists every step and says when conditional ones apply; for
an account, steps and items whose conditions it does not meet are left out,
assignees are resolved from the account's team and the registry, and run
inputs (`--set`) are checked against what the document declares.
"""

from __future__ import annotations

import datetime as dt
import re

from .. import models
from ..findings import ContentError, KBError
from ..kb import Entry, KnowledgeBase
from .model import AccountFacts, Assignee, Checklist, ChecklistStep, ChoiceField, Named, SignOff, Source, StepRef, Task


def describe_when(when: models.When | None) -> str | None:
    if when is None:
        return None
    parts = []
    for key in ("tier", "segment", "products", "status", "health"):
        values = getattr(when, key)
        if values:
            parts.append(f"{key} {', '.join(str(v) for v in values)}")
    return "only when " + "; ".join(parts) if parts else None


def matches(when: models.When | None, account: models.Account) -> bool:
    if when is None:
        return True
    if when.tier and account.tier not in when.tier:
        return False
    if when.segment and account.segment not in when.segment:
        return False
    if when.products and not set(when.products) & set(account.products):
        return False
    if when.status and account.status not in when.status:
        return False
    return not (when.health and account.health not in when.health)


class _Builder:
    def __init__(self, kb: KnowledgeBase, account: models.Account | None, inputs: dict[str, str]) -> None:
        self.kb = kb
        self.account = account
        self.inputs = inputs

    def person(self, ref: str) -> Assignee:
        kind, _, ident = ref.partition(":")
        table = self.kb.people if kind == "person" else self.kb.teams
        entry = table.get(ident)
        if entry is None:
            raise ContentError(f"{ref} is not in the registry")
        email = getattr(entry.model, "email", None)
        return Assignee(ref=ref, name=entry.model.name, email=email)

    def active(self, ref: str) -> bool:
        person = self.kb.people.get(ref.partition(":")[2])
        return person is not None and person.model.active

    def holders(self, role: str) -> list[Assignee]:
        return [
            self.person(f"person:{p.model.id}")
            for p in self.kb.people.values()
            if role in p.model.roles and p.model.active
        ]

    def assignees_for_role(self, role: str, step_id: str) -> list[Assignee]:
        acc = self.account
        if acc is None:
            return []
        slot = getattr(acc.team, role) if acc.team is not None and role in models.ACCOUNT_TEAM_SLOTS else None
        if slot and self.active(slot):  # someone who left falls through to the role's holders
            return [self.person(slot)]
        if role == self.kb.config.account_manager_role:
            return [self.person(acc.owner)]
        found = self.holders(role)
        if not found:
            raise ContentError(
                f"step {step_id!r} needs role {role!r}, but no one on account {acc.id} "
                f"or in the registry holds it; add it to the account's team or to someone in org/people.yaml",
            )
        return found

    def assignees(self, step: models.Step) -> list[Assignee]:
        """An explicit assignee (or run input) first, then whoever holds the step's role."""
        if self.account is None:
            return []
        if step.assignee is not None:
            kind, _, key = step.assignee.partition(":")
            ref = self.inputs.get(key) if kind == "input" else step.assignee
            if ref:
                return [self.person(ref)]
        return self.assignees_for_role(step.role, step.id) if step.role else []

    def approvers(self, ref: str, step_id: str) -> list[Assignee]:
        if self.account is None:
            return []
        kind, _, ident = ref.partition(":")
        if kind == "role":
            return self.assignees_for_role(ident, step_id)
        return [self.person(ref)]


def _resolve_inputs(doc: models.Sop, account: models.Account | None, given: dict[str, str],
                    kb: KnowledgeBase) -> dict[str, str]:
    declared = {i.id: i for i in doc.inputs}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise KBError(f"--set {unknown[0]}: {doc.id} takes no input {unknown[0]!r} (inputs: {names})")
    values: dict[str, str] = {}
    for inp in doc.inputs:
        value = given.get(inp.id)
        if value is None and account is not None and inp.default:
            value = _account_value(account, inp.default)
        if value is None:
            if inp.required and account is not None:
                raise KBError(f"{doc.id} needs --set {inp.id}=... ({inp.label})")
            continue
        if inp.kind == "person":
            if not re.match(models.PERSON_REF_RE, value):
                raise KBError(f"--set {inp.id}={value}: expected a person reference like person:jdoe")
            person = kb.people.get(value.partition(":")[2])
            if person is None:
                raise KBError(f"--set {inp.id}={value}: no such person in org/people.yaml")
            if not person.model.active:
                raise KBError(f"--set {inp.id}={value}: {person.model.name} is no longer active")
        elif inp.kind == "date" and models.iso_date(value) is None:
            raise KBError(f"--set {inp.id}={value}: expected a date YYYY-MM-DD")
        values[inp.id] = value
    return values


def _account_value(account: models.Account, key: str) -> str | None:
    if key == "owner":
        return account.owner
    if account.transition is None:
        return None
    return account.transition.from_ if key == "transition.from" else account.transition.to


def _facts(b: _Builder, acc: models.Account) -> AccountFacts:
    team = {}
    if acc.team is not None:
        for slot in models.ACCOUNT_TEAM_SLOTS:
            ref = getattr(acc.team, slot)
            if ref:
                team[slot] = b.person(ref)
    transition = None
    if acc.transition is not None:
        t = acc.transition
        transition = {"from": t.from_, "to": t.to, "reason": t.reason, "started": t.started.isoformat()}
    return AccountFacts(
        id=acc.id, name=acc.name, segment=acc.segment, tier=acc.tier, status=acc.status,
        health=acc.health, owner=b.person(acc.owner), team=team, products=list(acc.products),
        last_review=acc.last_review,
        open_escalations=[Named(id=e.id, summary=f"{e.tier}: {e.summary}", status=e.status)
                          for e in acc.escalations if e.status == "open"],
        opportunities=[Named(id=o.id, summary=f"{o.name} ({o.stage})", status=o.status)
                       for o in acc.opportunities],
        open_tickets=[Named(id=t.id, summary=f"{t.kind}: {t.summary}", status=t.status)
                      for t in acc.tickets if t.status == "open"],
        transition=transition,
    )


def find_doc(kb: KnowledgeBase, doc_id: str) -> Entry[models.Sop]:
    entry = kb.require("document", doc_id.upper())
    if entry.model.status == "retired":
        parts = entry.model.replaced_by
        instead = f"; it is replaced by {', '.join(parts)}" if parts else ""
        raise KBError(f"{entry.model.id} is retired{instead}")
    if not entry.model.steps:
        raise KBError(f"{entry.model.id} has no steps to make a checklist from")
    return entry


def find_account(kb: KnowledgeBase, account_id: str) -> models.Account:
    entry: Entry[models.Account] = kb.require("account", account_id.upper())
    return entry.model


def runs_of(doc: models.Sop) -> list[models.Run]:
    """The runs a document's steps are divided into, in their usual order (none: one checklist of every step)."""
    named = {run for step in doc.steps for run in step.runs}
    return [run for run in models.RUNS if run in named]


def describe_runs(runs: tuple[models.Run, ...] | list[models.Run]) -> str | None:
    """"first set-up only", "periodic review only", or None for a step of every run."""
    if not runs or set(runs) >= set(models.RUNS):
        return None
    return " and ".join(models.RUN_NAMES[r] for r in runs) + " only"


def build(kb: KnowledgeBase, doc_id: str, *, account_id: str | None = None, start: dt.date | None,
          today: dt.date, sets: dict[str, str] | None = None, run: models.Run | None = None) -> Checklist:
    entry = find_doc(kb, doc_id)
    doc = entry.model
    account = find_account(kb, account_id) if account_id else None
    inputs = _resolve_inputs(doc, account, sets or {}, kb)
    b = _Builder(kb, account, inputs)
    numbers = {s.id: n for n, s in enumerate(doc.steps, 1)}
    titles = {s.id: s.title for s in doc.steps}

    steps: list[ChecklistStep] = []
    skipped: list[StepRef] = []
    for n, step in enumerate(doc.steps, 1):
        if not step.in_run(run):
            continue  # another run's step: not part of this checklist at all
        if account is not None and not matches(step.when, account):
            skipped.append(StepRef(id=step.id, number=n, title=step.title))
            continue
        items = []
        for raw in step.items:
            item = models.Item(text=raw) if isinstance(raw, str) else raw
            if account is not None and not matches(item.when, account):
                continue
            items.append(Task(text=item.text, condition=None if account else describe_when(item.when)))
        approval = None
        if step.approval is not None:
            approval = SignOff(
                by=step.approval.by,
                by_name=kb.display_name(step.approval.by),
                approvers=b.approvers(step.approval.by, step.id),
                covers=[StepRef(id=c, number=numbers[c], title=titles[c])
                        for c in step.approval.covers if c in numbers],
            )
        role = kb.roles.get(step.role) if step.role else None
        steps.append(ChecklistStep(
            number=n, id=step.id, title=step.title, anchor=f"#step-{step.id}",
            role=step.role, role_name=role.model.name if role else None,
            assignees=b.assignees(step), guidance=step.guidance, items=items,
            fields=[ChoiceField(id=f.id, label=f.label, kind=f.kind, options=list(f.options)) for f in step.fields],
            approval=approval, due_after=step.due,
            due=models.add_duration(start, step.due) if step.due and start else None,
            condition=None if account else describe_when(step.when),
            runs=[] if run else list(step.runs),
        ))

    if run is not None and not any(step.in_run(run) for step in doc.steps):
        raise KBError(f"{doc.id} has no steps for the {models.RUN_NAMES[run]} run")
    title = doc.title if run is None else f"{doc.title} ({models.RUN_NAMES[run]})"
    if account is not None:
        title = f"{title}: {account.name} ({account.id})"
    return Checklist(
        title=title,
        source=Source(id=doc.id, title=doc.title, type=doc.type, version=doc.version, path=entry.path),
        generated=today, start=start, run=run,
        account=_facts(b, account) if account else None,
        inputs={k: (f"{v} ({kb.display_name(v)})" if v.startswith("person:") else v) for k, v in inputs.items()},
        steps=steps, skipped=skipped,
    )
