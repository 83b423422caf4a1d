"""Items of the store seen through the knowledge base: whose they are, where they belong.

The store keeps what was submitted (a document id, never its owner); the
owner and department come from the knowledge base as it is now, so an item
follows its document when the document changes hands. Feedback on a page
that is not a document, and gaps reported from nowhere, belong to the team
that governs every document (`kmt_team` in kb.yml).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..authority import holds
from ..edit.atomic import write_atomic_by
from ..findings import KBError
from ..kb import KnowledgeBase, split_ref
from .store import (
    CLOSED_STATES,
    OPEN_STATES,
    PREFIX,
    STATES,
    Event,
    Item,
    Kind,
    State,
    Store,
    Votes,
    parse_ref,
)


def doc_owner(kb: KnowledgeBase, doc: str | None) -> str:
    """Whose items on `doc` are: its owner, or the governing team for no document or one that is gone."""
    entry = kb.docs.get(doc) if doc else None
    return entry.model.owner if entry else f"team:{kb.config.kmt_team}"


def doc_department(kb: KnowledgeBase, doc: str | None) -> str | None:
    entry = kb.docs.get(doc) if doc else None
    return entry.model.department if entry else None


def owner_of(kb: KnowledgeBase, item: Item) -> str:
    """The owner reference (`person:<id>` or `team:<id>`) an item is for."""
    return doc_owner(kb, item.doc)


def department_of(kb: KnowledgeBase, item: Item) -> str | None:
    return doc_department(kb, item.doc)


def item_data(kb: KnowledgeBase, item: Item) -> dict[str, Any]:
    """An item as data, the shape of the JSON outputs and the webhook (keys are only ever added)."""
    entry = kb.docs.get(item.doc) if item.doc else None
    owner = owner_of(kb, item)
    return {
        "id": item.ref,
        "kind": item.kind,
        "state": item.state,
        "created": iso(item.created),
        "updated": iso(item.updated),
        "audience": item.audience,
        "doc": item.doc,
        "title": entry.model.title if entry else None,
        "version": item.version,
        "page": item.page,
        "helpful": item.helpful,
        "text": item.text,
        "gap_kind": item.gap_kind,
        "product": item.product,
        "account": item.account,
        "sender": item.sender,
        "person": item.person,
        "owner": owner,
        "owner_name": kb.display_name(owner),
        "department": department_of(kb, item),
        "resolved_doc": item.resolved_doc,
        "resolved_version": item.resolved_version,
        "reason": item.reason,
    }


# --- triage: choosing items, moving them along, counting them ----------------------------------------

# What `--state` takes: a state, or `open` / `closed` for all of those.
STATE_GROUPS: dict[str, tuple[State, ...]] = {
    **{s: (s,) for s in STATES}, "open": OPEN_STATES, "closed": CLOSED_STATES,
}
# What `kb feedback list` shows unless told: everything but plain "yes" votes.
TRIAGE_STATES: tuple[State, ...] = (*OPEN_STATES, *CLOSED_STATES)
ONE_LINE = 100  # characters of a comment or question in a one-line listing
GAP_LABEL = {"unknown": "I do not know", "cannot": "I cannot"}  # how the reader put it


@dataclass(frozen=True, slots=True)
class Transition:
    """A command of the lifecycle: the state it moves an item to, and the states it moves an item from."""

    verb: str
    to: State
    allowed_from: tuple[State, ...]


# new -> assessed -> actioned -> resolved; assess and action only forward, resolve and decline from any open state.
TRANSITIONS: dict[str, Transition] = {
    t.verb: t for t in (
        Transition("assess", "assessed", ("new",)),
        Transition("action", "actioned", ("new", "assessed")),
        Transition("resolve", "resolved", OPEN_STATES),
        Transition("decline", "declined", OPEN_STATES),
    )
}


def states_for(chosen: Sequence[str]) -> tuple[State, ...]:
    """The states `--state` values stand for (in the store's order); the triage states when none is given."""
    if not chosen:
        return TRIAGE_STATES
    wanted = {s for name in chosen for s in STATE_GROUPS[name]}
    return tuple(s for s in STATES if s in wanted)


def check_owner(kb: KnowledgeBase, ref: str) -> str:
    """`ref` as an owner to filter by: `person:<id>` or `team:<id>` of the registry (or the governing team)."""
    found = split_ref(ref)
    if found is None or found[0] == "role":
        raise KBError(f"{ref!r}: write the owner as person:<id> or team:<id>")
    if ref != f"team:{kb.config.kmt_team}" and not kb.resolves(ref):
        kb.require(*found)  # raises, with a did-you-mean
    return ref


def owned_by(kb: KnowledgeBase, ref: str, item: Item) -> bool:
    """Is the item for `ref`? A person's items include those of the team they belong to, as reviewers' are."""
    owner = owner_of(kb, item)
    kind, _, ident = ref.partition(":")
    return owner == ref or (kind == "person" and holds(kb, ident, owner))


def select(kb: KnowledgeBase, store: Store, *, states: Sequence[State] = TRIAGE_STATES,
           docs: Sequence[str] | None = None, owner: str | None = None, kind: Kind | None = None,
           since: dt.date | None = None) -> list[Item]:
    """The items that pass every filter given, oldest first. `since` is a day: from its start, UTC."""
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since is not None else None
    items = store.items(kind=kind, states=states, docs=[d.upper() for d in docs] if docs else None, since=start)
    return [i for i in items if owner is None or owned_by(kb, owner, i)]


def item_id(text: str) -> tuple[Kind, int]:
    """An item reference as typed (`FB-12`, `gap-3`); a KBError (exit 2) when it is not one."""
    found = parse_ref(text)
    if found is None:
        raise KBError(f"{text!r} is not an item id; write FB-<number> (feedback) or GAP-<number> (a knowledge gap)")
    return found


def find(store: Store, text: str) -> Item:
    """The item `text` names; a KBError (exit 2) when the store has none such."""
    kind, number = item_id(text)
    item = store.get(kind, number)
    if item is None:
        raise KBError(f"no item {PREFIX[kind]}-{number} in the feedback store {store.path}")
    return item


def person_of(kb: KnowledgeBase, ref: str | None) -> str | None:
    """`--by`: an active person of the registry, written `person:<id>`."""
    if ref is None:
        return None
    kind, _, ident = ref.partition(":")
    if kind != "person" or not ident:
        raise KBError(f"--by {ref!r}: write the person as person:<id>")
    person = kb.require("person", ident)
    if not person.model.active:
        raise KBError(f"--by {ref}: {person.model.name} is no longer active")
    return ref


def resolution(kb: KnowledgeBase, doc: str, version: str) -> tuple[str, str]:
    """The document and version that resolved an item: its current version or one of its changelog."""
    entry = kb.require("document", doc.upper())
    model = entry.model
    known = [model.version, *(c.version for c in model.changelog if c.version != model.version)]
    if version not in known:
        raise KBError(f"{model.id} has no version {version!r}; it has {', '.join(known)}")
    return model.id, version


def _either(states: Sequence[str]) -> str:
    return states[0] if len(states) == 1 else f"{', '.join(states[:-1])} or {states[-1]}"


def transition_problem(item: Item, state: str, transition: Transition) -> str:
    """Why `transition` cannot move the item, which is in `state`: what it is, and what it allows."""
    if state == "vote":
        return f"{item.ref} is a vote (a plain yes with nothing said): there is nothing to triage"
    allowed = [t.verb for t in TRANSITIONS.values() if state in t.allowed_from]
    now_allowed = f"allowed now: {', '.join(allowed)}" if allowed else "it is closed: no command moves it further"
    return f"{item.ref} is {state}; {transition.verb} takes an item that is {_either(transition.allowed_from)} " \
           f"({now_allowed})"


def move(kb: KnowledgeBase, store: Store, text: str, verb: str, *, by: str | None = None, note: str | None = None,
         doc: str | None = None, version: str | None = None, reason: str | None = None) -> tuple[str, Item]:
    """Move the item `text` names through the transition `verb`: (the state it was in, the item now).

    The state is checked again in the store's transaction, so two people moving one item
    cannot both succeed from the same state. A KBError (exit 2) names any problem.
    """
    transition = TRANSITIONS[verb]
    item = find(store, text)
    person = person_of(kb, by)
    resolved: tuple[str | None, str | None] = (None, None)
    if verb == "resolve":
        if doc is None or version is None:
            raise KBError("resolve needs --doc and --version: the document and version that resolved the item")
        resolved = resolution(kb, doc, version)
    if verb == "decline" and not (reason or "").strip():
        raise KBError("decline needs --reason: say why the item is declined")
    if item.state not in transition.allowed_from:
        raise KBError(transition_problem(item, item.state, transition))
    try:
        moved = store.move(item.kind, item.id, transition.to, allowed_from=transition.allowed_from, by=person,
                           note=note, resolved_doc=resolved[0], resolved_version=resolved[1], reason=reason)
    except LookupError:
        raise KBError(f"no item {item.ref} in the feedback store {store.path}") from None
    except ValueError as exc:  # moved by someone else since it was read
        raise KBError(transition_problem(item, str(exc), transition)) from None
    return item.state, moved


def age_days(item: Item, today: dt.date) -> int:
    return (today - item.created.date()).days


def one_line(text: str | None, limit: int = ONE_LINE) -> str:
    """Text on one line (white space folded), cut to `limit` characters with an ellipsis; not yet escaped."""
    folded = " ".join((text or "").split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def event_data(event: Event) -> dict[str, Any]:
    return {"at": iso(event.at), "state": event.state, "by": event.by, "note": event.note}


def row(kb: KnowledgeBase, item: Item, today: dt.date, events: Sequence[Event] | None = None) -> dict[str, Any]:
    """`item_data` with the item's age in days (and its events, when given): the rows of the reports."""
    data = {**item_data(kb, item), "age_days": age_days(item, today)}
    if events is not None:
        data["events"] = [event_data(e) for e in events]
    return data


def iso(moment: dt.datetime) -> str:
    """A store time as JSON shows it: `2026-11-22T09:30:00Z`."""
    return moment.isoformat().replace("+00:00", "Z")


def stats(kb: KnowledgeBase, store: Store, today: dt.date) -> dict[str, Any]:
    """Per document (votes, % helpful, open items), per owner and per department (open items), per state."""
    items = store.items()
    votes = store.votes()
    open_items = [i for i in items if i.open]
    documents = []
    for doc in sorted(set(votes) | {i.doc for i in items if i.doc}):
        entry = kb.docs.get(doc)
        tally = votes.get(doc, Votes(0, 0))
        documents.append({
            "doc": doc, "title": entry.model.title if entry else None, "owner": entry.model.owner if entry else None,
            "votes": tally.votes, "helpful": tally.helpful, "percent_helpful": tally.percent,
            "open": sum(1 for i in open_items if i.doc == doc),
        })
    by_owner: dict[str, list[Item]] = {}
    by_department: dict[str | None, list[Item]] = {}
    for item in open_items:
        by_owner.setdefault(owner_of(kb, item), []).append(item)
        by_department.setdefault(department_of(kb, item), []).append(item)
    owners = [
        {"owner": ref, "name": kb.display_name(ref), "open": len(found), "oldest_days": age_days(found[0], today)}
        for ref, found in sorted(by_owner.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    ]
    departments = [
        {"department": dept, "name": department_name(kb, dept), "open": len(found),
         "oldest_days": age_days(found[0], today)}
        for dept, found in sorted(by_department.items(),
                                  key=lambda pair: (-len(pair[1]), pair[0] is None, pair[0] or ""))
    ]
    states = {s: sum(1 for i in items if i.state == s) for s in STATES}
    return {"documents": documents, "owners": owners, "departments": departments, "states": states}


def department_name(kb: KnowledgeBase, dept: str | None) -> str | None:
    """A department's name; its id when the registry has no such department."""
    entry = kb.departments.get(dept) if dept else None
    return entry.model.name if entry else dept


def backup(store: Store, target: Path) -> None:
    """An online backup of the store written to `target` atomically; never over the store itself."""
    owns = (store.path, *(store.path.with_name(store.path.name + s) for s in ("-wal", "-shm", "-journal")))
    for own in owns:
        # By name (SQLite creates the companions when it needs them) and, for links, by file.
        same = os.path.abspath(own) == os.path.abspath(target)
        with contextlib.suppress(OSError):
            same = same or os.path.samefile(own, target)
        if same:
            raise KBError(f"{target} is the feedback store's own file; back it up to another file")
    write_atomic_by(target, store.backup, new_mode=0o600)


def silence(item: dict[str, Any]) -> str:
    """What to show for an item with no text. A gap always has a question and a "yes" with nothing said
    stays a vote, so either without text lost it to `purge` (retention); a "no" may have come without one."""
    if item["kind"] == "gap":
        return "(its question was deleted under the retention rule)"
    if item["helpful"]:
        return '(a "yes"; its comment was deleted under the retention rule)'
    return '(a "no", nothing said)'
