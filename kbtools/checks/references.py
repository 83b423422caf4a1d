"""Every reference points at something that exists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..config import CONFIG_FILE, DOC_SETTINGS, RecordKind
from ..findings import Finding
from ..kb import DocEntry, Entry, KnowledgeBase, split_ref
from ..models import ACCOUNT_TEAM_SLOTS, DOC_ID, RUN_NAMES, RUNS
from . import Context, check

# A document id mentioned in a body (the site links every one).
_MENTION = re.compile(rf"(?<![A-Za-z0-9-]){DOC_ID}(?![0-9A-Za-z])")

_CODE: dict[RecordKind, str] = {
    "document": "unknown-document", "department": "unknown-department", "role": "unknown-role",
    "person": "unknown-reference", "team": "unknown-reference", "term": "unknown-term"}
_WHAT = {"term": "glossary term"}


def _missing(entry: Entry[Any], code: str, what: str, value: str, hint: str, *keys: str | int) -> Finding:
    return entry.finding("error", code, f"unknown {what} {value!r}{hint}", *keys)


def _unknown(
    ctx: Context, entry: Entry[Any], kind: RecordKind, ident: str, *keys: str | int, code: str | None = None
) -> Iterator[Finding]:
    """A finding when `ident` names no record of `kind` (one whose file has errors counts as existing)."""
    kb = ctx.kb
    if kind == "term":
        if kb.term_lookup(ident) is not None or kb.is_broken(kind, ident.casefold()):
            return
        choices: Iterable[str] = (e.model.term for e in kb.terms.values())  # read only for a hint
    else:
        if ident in kb.table(kind) or kb.is_broken(kind, ident):
            return
        choices = kb.table(kind)
    hint = ctx.hint(entry.path, ident, choices)
    yield _missing(entry, code or _CODE[kind], _WHAT.get(kind, kind), ident, hint, *keys)


def _ref(ctx: Context, entry: Entry[Any], ref: str, *keys: str | int) -> Iterator[Finding]:
    """A finding when a person:/team:/role: reference does not resolve."""
    found = split_ref(ref)
    if found is not None:  # the models' patterns admit person:, team: and role: only
        yield from _unknown(ctx, entry, found[0], found[1], *keys, code="unknown-reference")


def _active(ctx: Context, entry: Entry[Any], ref: str, what: str, *keys: str | int) -> Iterator[Finding]:
    """A finding when a person reference names someone who has left."""
    person = ctx.kb.people.get(ref.partition(":")[2]) if ref.startswith("person:") else None
    if person is not None and not person.model.active:
        yield entry.finding("error", "inactive-owner", f"{what} {ref} is no longer active", *keys)


def step_holder(kb: KnowledgeBase, parts: Iterable[str], step: str) -> str | None:
    """The first of a retired document's successors that has the step `step`."""
    return next((p for p in parts if p in kb.docs and any(s.id == step for s in kb.docs[p].model.steps)), None)


def retired_link(ctx: Context, doc_id: str, step: str | None = None) -> str | None:
    """Why a link to `doc_id` should move, when it names a retired document; else None."""
    kb = ctx.kb
    entry = kb.docs.get(doc_id)
    if entry is None or entry.model.status != "retired":
        return None
    if not entry.model.replaced_by:
        return f"{doc_id} is retired"
    parts = entry.model.replaced_by
    if step is not None:  # the part that now holds the step
        holder = step_holder(kb, parts, step)
        if holder is not None:
            return f"{doc_id} is retired; its step {step!r} is now in {holder}: link to {holder} instead"
    current = kb.successor(doc_id)
    target = f"link to {current} instead" if len(parts) == 1 and current else "link to the part that applies"
    return f"{doc_id} is retired and replaced by {', '.join(parts)}; {target}"


@check("document-references")
def document_references(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    for ident, entry in kb.docs.items():
        sop = entry.model
        dept = kb.departments.get(sop.department)
        if dept is None:
            yield from _unknown(ctx, entry, "department", sop.department, "department")
        elif ident.split("-")[1] != dept.model.id_code:
            yield entry.finding(
                "error", "id-department",
                f"{ident} belongs to department {sop.department!r}, whose documents are numbered "
                f"{ident.split('-')[0]}-{dept.model.id_code}-NNN",
                "id",
            )
        for i, other in enumerate(sop.related):
            if other == ident:
                yield entry.finding("error", "unknown-document", f"{ident} lists itself as related", "related", i)
            elif other not in kb.docs:
                yield from _unknown(ctx, entry, "document", other, "related", i)
            elif sop.status != "retired" and (why := retired_link(ctx, other)) is not None:
                yield entry.finding("warning", "retired-reference", f"related document {why}", "related", i)
        yield from _successors(ctx, entry)
        for i, term in enumerate(sop.terms):
            yield from _unknown(ctx, entry, "term", term, "terms", i)
        for i, ref in enumerate(sop.approvers):
            yield from _ref(ctx, entry, ref, "approvers", i)
        for i, duty in enumerate(sop.roles):
            yield from _unknown(ctx, entry, "role", duty.role, "roles", i, "role")
        yield from _steps(ctx, entry)
        if sop.changelog and sop.changelog[0].version != sop.version:
            yield entry.finding(
                "warning", "changelog-version",
                f"version is {sop.version} but the newest changelog entry is {sop.changelog[0].version}",
                "changelog", 0, "version",
            )


def _successors(ctx: Context, entry: DocEntry) -> Iterator[Finding]:
    """A retired document's successors exist and lead to a document in force; bodies of documents in
    force mention no retired document that has one."""
    kb = ctx.kb
    sop = entry.model
    if sop.status != "retired":
        body = entry.body
        for m in _MENTION.finditer(body):
            why = retired_link(ctx, m.group(0))
            if why is not None and kb.docs[m.group(0)].model.replaced_by:
                line = body.count("\n", 0, m.start())
                col = m.start() - (body.rfind("\n", 0, m.start()) + 1) + 1
                yield Finding(entry.path, entry.body_line + line, col, "warning", "retired-reference",
                              f"the text mentions {m.group(0)}: {why}")
        return
    for i, other in enumerate(sop.replaced_by):
        if other == sop.id:
            yield entry.finding("error", "unknown-document", f"{sop.id} is replaced by itself", "replaced_by", i)
        elif other not in kb.docs:
            yield from _unknown(ctx, entry, "document", other, "replaced_by", i)
    if sop.replaced_by and all(o in kb.docs for o in sop.replaced_by) and kb.successor(sop.id) is None:
        yield entry.finding(
            "error", "unknown-document",
            f"the successors of {sop.id} never reach a document in force (they loop, or end at a retired "
            "document without replaced_by)",
            "replaced_by", 0,
        )


def _steps(ctx: Context, entry: DocEntry) -> Iterator[Finding]:
    steps = entry.model.steps
    declared = [inp.id for inp in entry.model.inputs]
    last = {step.id: i for i, step in enumerate(steps)}  # where each id is used last
    seen: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.id in seen:
            yield entry.finding(
                "error", "duplicate-step", f"step id {step.id!r} is used twice (first at step {seen[step.id] + 1})",
                "steps", i, "id",
            )
        if step.role is not None:
            yield from _unknown(ctx, entry, "role", step.role, "steps", i, "role")
        if step.assignee is not None:
            kind, _, ident = step.assignee.partition(":")
            if kind == "input":
                if ident not in declared:
                    hint = ctx.hint(entry.path, ident, declared)
                    yield _missing(entry, "unknown-input", "input", ident, hint, "steps", i, "assignee")
            else:
                yield from _ref(ctx, entry, step.assignee, "steps", i, "assignee")
        if step.approval is not None:
            yield from _ref(ctx, entry, step.approval.by, "steps", i, "approval", "by")
            for j, covered in enumerate(step.approval.covers):
                if covered in seen:
                    left_out = [r for r in step.runs or RUNS if not steps[seen[covered]].in_run(r)]
                    if left_out:
                        yield entry.finding(
                            "error", "bad-approval",
                            f"approval gate {step.id!r} is part of the {RUN_NAMES[left_out[0]]} run but covers "
                            f"{covered!r}, which is not; give the gate the runs of the steps it covers",
                            "steps", i, "approval", "covers", j,
                        )
                    continue
                if last.get(covered, -1) >= i:
                    msg = (f"approval gate {step.id!r} covers {covered!r}, which is not an earlier step; "
                           "a gate approves only steps before it")
                else:
                    hint = ctx.hint(entry.path, covered, seen)
                    msg = f"approval gate {step.id!r} covers unknown step {covered!r}{hint}"
                yield entry.finding("error", "bad-approval", msg, "steps", i, "approval", "covers", j)
        seen.setdefault(step.id, i)


@check("account-references")
def account_references(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    segments = kb.config.segments
    for entry in kb.accounts.values():
        acc = entry.model
        if acc.segment not in segments:
            hint = ctx.hint(entry.path, acc.segment, segments)
            yield _missing(entry, "unknown-segment", "segment", acc.segment, hint, "segment")
        closed = acc.status == "closed"
        if acc.team is not None:
            for key in ACCOUNT_TEAM_SLOTS:
                ref = getattr(acc.team, key)
                if ref:
                    yield from _ref(ctx, entry, ref, "team", key)
                    if not closed:
                        yield from _active(ctx, entry, ref, f"account team member ({key})", "team", key)
        if acc.transition is not None:
            for key, ref in (("from", acc.transition.from_), ("to", acc.transition.to)):
                yield from _ref(ctx, entry, ref, "transition", key)
            if acc.status == "transitioning":
                yield from _active(ctx, entry, acc.transition.to, "transition target", "transition", "to")


@check("training-references")
def training_references(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    steps_of: dict[str, list[str]] = {}  # a document's step ids, in order, read once
    for entry in kb.training.values():
        material = entry.model
        if material.file is not None and not (kb.root / material.file).is_file():
            yield entry.finding("error", "missing-file", f"training file {material.file!r} does not exist", "file")
        for i, link in enumerate(material.links):
            doc = kb.docs.get(link.sop)
            if doc is None:
                yield from _unknown(ctx, entry, "document", link.sop, "links", i, "sop")
                continue
            why = retired_link(ctx, link.sop, link.steps[0] if link.steps else None)
            if why is not None and doc.model.replaced_by:
                yield entry.finding("warning", "retired-reference", f"training link: {why}", "links", i, "sop")
            step_ids = steps_of.get(link.sop)
            if step_ids is None:
                step_ids = steps_of[link.sop] = [s.id for s in doc.model.steps]
            known = set(step_ids)
            for j, step in enumerate(link.steps):
                if step not in known:
                    moved = step_holder(kb, doc.model.replaced_by, step)
                    hint = f"; it is now in {moved}" if moved else ctx.hint(entry.path, step, step_ids)
                    yield entry.finding(
                        "error", "unknown-step", f"{link.sop} has no step {step!r}{hint}", "links", i, "steps", j,
                    )


@check("registry-references")
def registry_references(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    for entry in kb.people.values():
        person = entry.model
        if person.team is not None:
            yield from _unknown(ctx, entry, "team", person.team, "team")
        for i, role in enumerate(person.roles):
            yield from _unknown(ctx, entry, "role", role, "roles", i)
    for team_entry in kb.teams.values():
        team = team_entry.model
        yield from _unknown(ctx, team_entry, "department", team.department, "department")
        if team.lead is not None:
            yield from _unknown(ctx, team_entry, "person", team.lead, "lead")
            yield from _active(ctx, team_entry, f"person:{team.lead}", "team lead", "lead")
    for role_entry in kb.roles.values():
        if role_entry.model.department is not None:
            yield from _unknown(ctx, role_entry, "department", role_entry.model.department, "department")
    for term_entry in kb.terms.values():
        for i, doc in enumerate(term_entry.model.related):
            yield from _unknown(ctx, term_entry, "document", doc, "related", i)
            why = retired_link(ctx, doc) if doc in kb.docs and kb.docs[doc].model.replaced_by else None
            if why is not None:
                yield term_entry.finding("warning", "retired-reference", f"glossary link: {why}", "related", i)


def unknown_in_config(ctx: Context, doc_id: str, at: tuple[int, int], head: str) -> Iterator[Finding]:
    """kb.yml names `doc_id` at `at` and there is no such document (nothing when its file did not load)."""
    if doc_id in ctx.kb.docs or ctx.kb.is_broken("document", doc_id):
        return
    hint = ctx.hint(CONFIG_FILE, doc_id, ctx.kb.docs)
    line, col = at
    yield Finding(CONFIG_FILE, line, col, "error", "unknown-document", f"{head} {doc_id!r}{hint}")


@check("config-references")
def config_references(ctx: Context) -> Iterator[Finding]:
    """The settings of kb.yml that name a document (the account review and transition checklists) name one."""
    kb = ctx.kb
    for setting in DOC_SETTINGS:
        doc_id = getattr(kb.config, setting)
        if doc_id is None or kb.is_broken("document", doc_id):
            continue
        line, col = kb.config_at(setting)
        if doc_id not in kb.docs:
            yield from unknown_in_config(ctx, doc_id, (line, col), f"{setting} names unknown document")
            continue
        why = retired_link(ctx, doc_id)
        if why is not None:
            yield Finding(CONFIG_FILE, line, col, "warning", "retired-reference", f"{setting}: {why}")
