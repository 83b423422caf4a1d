"""Working a run: which items it has, what is locked behind a gate, what a change does, where it stands.

Everything here is decided from the run's frozen checklist and its items as
the store holds them; `decide` runs inside the store's write transaction
(`Store.change_run`), so a check it makes (a gate approved, an item's version)
still holds when its change is written, and two people changing the same run
at once are taken one after the other, each on top of the other's change.

- Each task is ticked; a step with no tasks and no gate has one tick of its
  own (`<step>/done`); fields hold values and do not complete a step.
- A gate (a step with an approval) is complete when approved. Every step after
  a gate that is not approved is locked: nothing in it can be changed.
- A gate can be decided once the steps it covers are complete, by an active
  person who holds its `by` (role, team or person) or is one of the approvers
  the checklist resolved; a rejection needs a note and reopens the covered
  steps (their ticks are cleared, their fields kept). The steps an approved
  gate covers are frozen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from ..authority import holds
from ..checklist.build import build
from ..checklist.model import Checklist, ChecklistStep
from ..kb import KnowledgeBase
from ..loop.store import ItemChange, RunComment, RunItem, RunItemKind, RunRecord, Store, StoreError
from ..models import Run as RunKind
from ..models import iso_date
from .model import (
    FORMAT_VERSION,
    Mark,
    Run,
    RunDocument,
    RunField,
    RunSignOff,
    RunState,
    RunStep,
    RunTask,
    StepState,
)
from .model import RunComment as CommentOut

Action = Literal["tick", "untick", "set", "approve", "reject"]
ACTIONS: tuple[Action, ...] = ("tick", "untick", "set", "approve", "reject")


class RunRefused(Exception):
    """A change the run does not take: an HTTP status, a code, and a message saying why."""

    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class Change:
    item: str
    action: Action
    value: str | list[str] | None = None
    note: str | None = None
    seen: int | None = None  # the item's version the sender saw; a field set over another's change is refused


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: as recorded (`ref`), and as a person of the registry (`person:<id>`, or None)."""

    ref: str
    person: str | None


def task_key(step: str, number: int) -> str:
    return f"{step}/items/{number}"


def field_key(step: str, field: str) -> str:
    return f"{step}/fields/{field}"


def approval_key(step: str) -> str:
    return f"{step}/approval"


def done_key(step: str) -> str:
    return f"{step}/done"


def _has_own_tick(step: ChecklistStep) -> bool:
    return not step.items and step.approval is None


def item_keys(cl: Checklist) -> list[tuple[str, str, RunItemKind]]:
    """Every item of a run of this checklist: (key, step id, kind), in the checklist's order."""
    keys: list[tuple[str, str, RunItemKind]] = []
    for step in cl.steps:
        keys += [(task_key(step.id, n), step.id, "task") for n, _ in enumerate(step.items, 1)]
        keys += [(field_key(step.id, f.id), step.id, "field") for f in step.fields]
        if step.approval is not None:
            keys.append((approval_key(step.id), step.id, "approval"))
        if _has_own_tick(step):
            keys.append((done_key(step.id), step.id, "task"))
    return keys


def _complete(step: ChecklistStep, items: dict[str, RunItem]) -> bool:
    if step.approval is not None:
        return items[approval_key(step.id)].decision == "approved"
    return all(i.done for k, i in items.items() if i.step == step.id and i.kind == "task")


def step_states(cl: Checklist, items: Sequence[RunItem]) -> dict[str, StepState]:
    """Each step: done, open, or locked behind an earlier gate that is not approved."""
    by_key = {i.key: i for i in items}
    states: dict[str, StepState] = {}
    blocked = False
    for step in cl.steps:
        complete = _complete(step, by_key)
        states[step.id] = "locked" if blocked else ("done" if complete else "open")
        if step.approval is not None and not complete:
            blocked = True
    return states


def run_state(cl: Checklist, items: Sequence[RunItem], today: dt.date) -> RunState:
    """done; else overdue (a step not done is past its due date); else waiting for approval (a gate
    whose steps are complete waits for its decision); else in progress."""
    states = step_states(cl, items)
    if all(s == "done" for s in states.values()):
        return "done"
    if any(step.due is not None and step.due < today and states[step.id] != "done" for step in cl.steps):
        return "overdue"
    for step in cl.steps:  # only the first gate not yet approved can be waiting
        if step.approval is not None and states[step.id] == "open":
            if all(states.get(c.id) == "done" for c in step.approval.covers):
                return "waiting for approval"
            break
    return "in progress"


def may_approve(kb: KnowledgeBase, cl: Checklist, step_id: str, person: str | None) -> bool:
    """Does `person` (person:<id>) hold the gate's approver: its role, team or person, or a resolved approver?"""
    step = next((s for s in cl.steps if s.id == step_id), None)
    if person is None or step is None or step.approval is None:
        return False
    ident = person.removeprefix("person:")
    entry = kb.people.get(ident)
    if entry is None or not entry.model.active:
        return False
    signoff = step.approval
    return holds(kb, ident, signoff.by) or person in {a.ref for a in signoff.approvers}


def decide(kb: KnowledgeBase, cl: Checklist, change: Change,
           actor: Actor) -> Callable[[list[RunItem]], list[ItemChange]]:
    """The changes `change` makes to a run's items as they stand; RunRefused when it may not be made."""

    def apply(items: list[RunItem]) -> list[ItemChange]:
        by_key = {i.key: i for i in items}
        item = by_key.get(change.item)
        if item is None:
            raise RunRefused(404, f"this run has no item {change.item!r}", "unknown-item")
        step = next(s for s in cl.steps if s.id == item.step)
        states = step_states(cl, items)
        if states[step.id] == "locked":
            raise RunRefused(409, f"step {step.number} ({step.title}) is locked until the gate before it is "
                                  "approved", "locked")
        if change.action in ("tick", "untick") and item.kind == "task" and item.done == (change.action == "tick"):
            return []  # already so: a second tick (two people at once) changes nothing
        frozen = _approved_cover(cl, by_key, step.id)
        if frozen is not None:
            raise RunRefused(409, f"step {step.number} is approved in step {frozen.number} ({frozen.title}); "
                                  "a rejection there reopens it", "approved")
        if change.action in ("tick", "untick"):
            if item.kind != "task":
                raise RunRefused(422, f"{item.key} is not a task to tick", "wrong-action")
            return [ItemChange(item.key, change.action, change.action == "tick", None, None, None)]
        if change.action == "set":
            if item.kind != "field":
                raise RunRefused(422, f"{item.key} is not a field to fill", "wrong-action")
            if change.seen is not None and change.seen != item.version:
                who = f" by {item.by}" if item.by else ""
                raise RunRefused(409, f"{item.key} was changed{who} since you saw it; reload the run and "
                                      "fill it again", "conflict")
            value = _field_value(step, item.key, change.value)
            if value == item.value:
                return []
            return [ItemChange(item.key, "set", False, value, None, None)]
        # approve, reject
        if item.kind != "approval" or step.approval is None:
            raise RunRefused(422, f"{item.key} is not an approval", "wrong-action")
        if not may_approve(kb, cl, step.id, actor.person):
            raise RunRefused(403, f"only {step.approval.by_name} ({step.approval.by}) decides step {step.number}; "
                                  f"{actor.ref} does not hold it", "not-approver")
        open_steps = [c for c in step.approval.covers if states.get(c.id) != "done"]
        if open_steps:
            names = ", ".join(f"{c.number}. {c.title}" for c in open_steps)
            raise RunRefused(409, f"the steps this gate covers are not complete yet: {names}", "incomplete")
        note = (change.note or "").strip() or None
        if change.action == "approve":
            return [ItemChange(item.key, "approve", False, None, "approved", note)]
        if note is None:
            raise RunRefused(422, "a rejection needs a note saying what to redo", "note-required")
        covered = {c.id for c in step.approval.covers}
        reopened = [ItemChange(i.key, "reopen", False, i.value, None, None)
                    for i in items if i.step in covered and i.kind == "task" and i.done]
        return [ItemChange(item.key, "reject", False, None, "rejected", note), *reopened]

    return apply


def _approved_cover(cl: Checklist, items: dict[str, RunItem], step_id: str) -> ChecklistStep | None:
    for step in cl.steps:
        if step.approval is not None and any(c.id == step_id for c in step.approval.covers) \
                and items[approval_key(step.id)].decision == "approved":
            return step
    return None


def _field_value(step: ChecklistStep, key: str, value: str | list[str] | None) -> str | None:
    field = next(f for f in step.fields if field_key(step.id, f.id) == key)
    if field.kind == "multi":
        chosen = [value] if isinstance(value, str) else list(value or [])
        wrong = [v for v in chosen if v not in field.options]
        if wrong:
            raise RunRefused(422, f"{field.label}: {wrong[0]!r} is not one of its options", "invalid")
        picked = [o for o in field.options if o in chosen]
        return json.dumps(picked, ensure_ascii=False) if picked else None
    if isinstance(value, list):
        raise RunRefused(422, f"{field.label} takes one value", "invalid")
    text = (value or "").strip()
    if not text:
        return None
    if field.kind == "single" and text not in field.options:
        raise RunRefused(422, f"{field.label}: {text!r} is not one of its options", "invalid")
    if field.kind == "date" and iso_date(text) is None:
        raise RunRefused(422, f"{field.label}: {text!r} is not a date (YYYY-MM-DD)", "invalid")
    return text


def field_value(kind: str, stored: str | None) -> str | list[str] | None:
    """A stored field value as shown: a list for multiple choice."""
    if kind != "multi":
        return stored
    if stored is None:
        return []
    loaded = json.loads(stored)
    return [str(v) for v in loaded] if isinstance(loaded, list) else []


# --- starting and reporting ------------------------------------------------------------


def start_run(kb: KnowledgeBase, store: Store, doc_id: str, *, account_id: str | None, sets: dict[str, str],
              start: dt.date, today: dt.date, run_kind: RunKind | None, by: str | None) -> RunRecord:
    """Build the checklist as `kb checklist` does and store it as a new run (KBError, ContentError as build)."""
    cl = build(kb, doc_id, account_id=account_id, start=start, today=today, sets=sets, run=run_kind)
    return store_run(store, cl, by)


def store_run(store: Store, cl: Checklist, by: str | None) -> RunRecord:
    """A built checklist stored as a new run, every item open."""
    return store.add_run(doc=cl.source.id, version=cl.source.version, account=cl.account.id if cl.account else None,
                         run_kind=cl.run, start=cl.start or cl.generated,  # a blank checklist starts when stored
                         checklist=cl.model_dump_json(), items=item_keys(cl), by=by)


def checklist_of(record: RunRecord) -> Checklist:
    """The run's frozen checklist; StoreError when the store holds one kb cannot read."""
    try:
        return Checklist.model_validate_json(record.checklist)
    except ValidationError:
        raise StoreError(f"the store holds {record.ref} in a form this kb cannot read") from None


def field_kind(cl: Checklist, key: str) -> str | None:
    """The kind of the field `key` names (single, multi, text, date); None when it names no field."""
    step, _, rest = key.partition("/fields/")
    return next((f.kind for s in cl.steps if s.id == step for f in s.fields if f.id == rest), None)


def report(kb: KnowledgeBase, record: RunRecord, items: Sequence[RunItem], comments: Sequence[RunComment],
           today: dt.date) -> Run:
    """The run as `kb run export` and the run page show it."""
    cl = checklist_of(record)
    by_key = {i.key: i for i in items}
    states = step_states(cl, items)

    def mark(item: RunItem) -> Mark:
        return Mark(by=item.by, at=item.at)

    steps = []
    for step in cl.steps:
        data = step.model_dump(exclude={"items", "fields", "approval"})
        tasks = [RunTask(**t.model_dump(), key=k, done=by_key[k].done, changed=mark(by_key[k]))
                 for n, t in enumerate(step.items, 1) if (k := task_key(step.id, n)) in by_key]
        fields = [RunField(**f.model_dump(), key=k, value=field_value(f.kind, by_key[k].value),
                           changed=mark(by_key[k]))
                  for f in step.fields if (k := field_key(step.id, f.id)) in by_key]
        approval = None
        if step.approval is not None:
            gate = by_key[approval_key(step.id)]
            approval = RunSignOff(**step.approval.model_dump(), key=gate.key, decision=gate.decision,
                                  note=gate.note, changed=mark(gate))
        own = by_key.get(done_key(step.id))
        steps.append(RunStep(
            **data, state=states[step.id], items=tasks, fields=fields, approval=approval,
            done_item=RunTask(text="Done", key=own.key, done=own.done, changed=mark(own)) if own else None,
            comments=[CommentOut(by=c.by, at=c.at, text=c.text) for c in comments if c.step == step.id]))
    return Run(**cl.model_dump(exclude={"steps", "format_version"}), format_version=FORMAT_VERSION,
               id=record.ref, state=run_state(cl, items, today), created=record.created,
               created_by=record.created_by, steps=steps, document_now=document_now(kb, record))


def document_now(kb: KnowledgeBase, record: RunRecord) -> RunDocument | None:
    """What changed in the document since the run's version, if it has (None: unchanged, or gone)."""
    entry = kb.docs.get(record.doc)
    if entry is None or entry.model.version == record.version:
        return None
    changes = []
    for change in entry.model.changelog:
        if change.version == record.version:
            break
        changes.append(f"{change.version} ({change.date}): {change.summary}")
    return RunDocument(version=entry.model.version, changes=changes)


# --- across runs: a person's open items, the overdue ones --------------------------------


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An item of a run that someone still has to do: a task to tick, or a gate to decide."""

    run: str
    run_title: str
    account: str | None
    step: int
    step_id: str
    step_title: str
    text: str
    key: str
    due: dt.date | None
    kind: Literal["task", "approval"]
    locked: bool
    assignees: tuple[str, ...]  # for a gate, who may decide it
    ready: bool  # can be done now: a task not locked, a gate whose steps are complete

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due).days if self.due is not None and self.due < today else 0


def open_items(kb: KnowledgeBase, runs: Sequence[tuple[RunRecord, Sequence[RunItem]]],
               today: dt.date) -> list[OpenItem]:
    """Every item not done yet in every run, soonest due first (no due date last)."""
    found = []
    for record, items in runs:
        data = report(kb, record, items, [], today)
        for step in data.steps:
            if step.state == "done":
                continue
            refs = tuple(a.ref for a in step.assignees)
            if step.approval is not None:
                approvers = (step.approval.by, *(a.ref for a in step.approval.approvers))
                covered = {c.id for c in step.approval.covers}
                ready = step.state == "open" and all(s.state == "done" for s in data.steps if s.id in covered)
                found.append(OpenItem(data.id, data.title, record.account, step.number, step.id, step.title,
                                      f"Decide: {step.title}", step.approval.key, step.due, "approval",
                                      step.state == "locked", approvers, ready))
                continue
            for task in [*step.items, *([step.done_item] if step.done_item else [])]:
                if not task.done:
                    found.append(OpenItem(data.id, data.title, record.account, step.number, step.id, step.title,
                                          task.text, task.key, step.due, "task", step.state == "locked", refs,
                                          step.state == "open"))
    return sorted(found, key=lambda i: (i.due is None, i.due or dt.date.max, int(i.run.split("-")[1]), i.step))


def mine(kb: KnowledgeBase, found: Sequence[OpenItem], person: str) -> list[OpenItem]:
    """The open items `person` (person:<id>) can do now: assigned to them or their team, or a gate whose
    steps are complete that they may decide. Locked items wait and are left out."""
    ident = person.removeprefix("person:")
    entry = kb.people.get(ident)
    refs = {person} | ({f"team:{entry.model.team}"} if entry and entry.model.team else set())
    out = []
    for item in found:
        if not item.ready:
            continue
        if item.kind == "approval":
            if any(holds(kb, ident, ref) or ref == person for ref in item.assignees):
                out.append(item)
        elif refs & set(item.assignees):
            out.append(item)
    return out
