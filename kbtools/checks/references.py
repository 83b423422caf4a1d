"""Every reference points at something that exists."""

from __future__ import annotations

from pathlib import Path

from ..validation import did_you_mean
from . import Context, check


def _missing(ctx: Context, entry, code: str, what: str, value: str, choices, *keys):
    hint = did_you_mean(value, choices)
    return entry.finding("error", code, f"unknown {what} {value!r}{hint}", *keys)


def _ref(ctx: Context, entry, ref: str, *keys):
    """A finding when a person:/team:/role: reference does not resolve."""
    if ctx.kb.resolves(ref):
        return None
    kind, _, ident = ref.partition(":")
    table = {"person": ctx.kb.people, "team": ctx.kb.teams, "role": ctx.kb.roles}[kind]
    return _missing(ctx, entry, "unknown-reference", kind, ident, table, *keys)


@check("document-references")
def document_references(ctx: Context):
    kb = ctx.kb
    for ident, entry in kb.docs.items():
        sop = entry.model
        dept = kb.departments.get(sop.department)
        if dept is None:
            yield _missing(ctx, entry, "unknown-department", "department", sop.department, kb.departments, "department")
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
            elif other not in kb.docs and other not in kb.broken:
                yield _missing(ctx, entry, "unknown-document", "document", other, kb.docs, "related", i)
            elif other in kb.docs and kb.docs[other].model.status == "retired" and sop.status != "retired":
                yield entry.finding("warning", "retired-reference", f"related document {other} is retired", "related", i)
        for i, term in enumerate(sop.terms):
            if kb.term_lookup(term) is None:
                yield _missing(ctx, entry, "unknown-term", "glossary term", term,
                               [t.model.term for t in kb.terms.values()], "terms", i)
        for i, ref in enumerate(sop.approvers):
            if f := _ref(ctx, entry, ref, "approvers", i):
                yield f
        for i, duty in enumerate(sop.roles):
            if duty.role not in kb.roles:
                yield _missing(ctx, entry, "unknown-role", "role", duty.role, kb.roles, "roles", i, "role")
        yield from _steps(ctx, entry)
        if sop.changelog and sop.changelog[0].version != sop.version:
            yield entry.finding(
                "warning", "changelog-version",
                f"version is {sop.version} but the newest changelog entry is {sop.changelog[0].version}",
                "changelog", 0, "version",
            )


def _steps(ctx: Context, entry):
    kb = ctx.kb
    seen: dict[str, int] = {}
    for i, step in enumerate(entry.model.steps):
        if step.id in seen:
            yield entry.finding("error", "duplicate-step", f"step id {step.id!r} is used twice (first at step {seen[step.id] + 1})", "steps", i, "id")
        if step.role is not None and step.role not in kb.roles:
            yield _missing(ctx, entry, "unknown-role", "role", step.role, kb.roles, "steps", i, "role")
        if step.assignee is not None:
            kind, _, ident = step.assignee.partition(":")
            if kind == "input":
                declared = [inp.id for inp in entry.model.inputs]
                if ident not in declared:
                    yield _missing(ctx, entry, "unknown-input", "input", ident, declared, "steps", i, "assignee")
            elif f := _ref(ctx, entry, step.assignee, "steps", i, "assignee"):
                yield f
        if step.approval is not None:
            if f := _ref(ctx, entry, step.approval.by, "steps", i, "approval", "by"):
                yield f
            for j, covered in enumerate(step.approval.covers):
                if covered in seen:
                    continue
                later = [s.id for s in entry.model.steps[i:]]
                if covered in later:
                    msg = f"approval gate {step.id!r} covers {covered!r}, which is not an earlier step; a gate approves only steps before it"
                else:
                    msg = f"approval gate {step.id!r} covers unknown step {covered!r}{did_you_mean(covered, seen)}"
                yield entry.finding("error", "bad-approval", msg, "steps", i, "approval", "covers", j)
        seen.setdefault(step.id, i)


@check("account-references")
def account_references(ctx: Context):
    kb = ctx.kb
    segments = kb.config.segments
    for entry in kb.accounts.values():
        acc = entry.model
        if acc.segment not in segments:
            yield _missing(ctx, entry, "unknown-segment", "segment", acc.segment, segments, "segment")
        if acc.team is not None:
            for key in ("im", "ssm", "csm", "kam"):
                ref = getattr(acc.team, key)
                if ref and (f := _ref(ctx, entry, ref, "team", key)):
                    yield f
        if acc.transition is not None:
            for key, ref in (("from", acc.transition.from_), ("to", acc.transition.to)):
                if f := _ref(ctx, entry, ref, "transition", key):
                    yield f
            target = kb.people.get(acc.transition.to.partition(":")[2])
            if target is not None and not target.model.active and acc.status == "transitioning":
                yield entry.finding("error", "inactive-owner", f"transition target {acc.transition.to} is no longer active", "transition", "to")


@check("training-references")
def training_references(ctx: Context):
    kb = ctx.kb
    for entry in kb.training.values():
        material = entry.model
        if material.file is not None and not (kb.root / material.file).is_file():
            yield entry.finding("error", "missing-file", f"training file {material.file!r} does not exist", "file")
        for i, link in enumerate(material.links):
            doc = kb.docs.get(link.sop)
            if doc is None:
                if link.sop not in kb.broken:
                    yield _missing(ctx, entry, "unknown-document", "document", link.sop, kb.docs, "links", i, "sop")
                continue
            step_ids = [s.id for s in doc.model.steps]
            for j, step in enumerate(link.steps):
                if step not in step_ids:
                    yield entry.finding(
                        "error", "unknown-step",
                        f"{link.sop} has no step {step!r}{did_you_mean(step, step_ids)}",
                        "links", i, "steps", j,
                    )


@check("registry-references")
def registry_references(ctx: Context):
    kb = ctx.kb
    for entry in kb.people.values():
        person = entry.model
        if person.team is not None and person.team not in kb.teams:
            yield _missing(ctx, entry, "unknown-reference", "team", person.team, kb.teams, "team")
        for i, role in enumerate(person.roles):
            if role not in kb.roles:
                yield _missing(ctx, entry, "unknown-role", "role", role, kb.roles, "roles", i)
    for entry in kb.teams.values():
        team = entry.model
        if team.department not in kb.departments:
            yield _missing(ctx, entry, "unknown-department", "department", team.department, kb.departments, "department")
        if team.lead is not None:
            lead = kb.people.get(team.lead)
            if lead is None:
                yield _missing(ctx, entry, "unknown-reference", "person", team.lead, kb.people, "lead")
            elif not lead.model.active:
                yield entry.finding("error", "inactive-owner", f"team lead {team.lead!r} is no longer active", "lead")
    for entry in kb.roles.values():
        dept = entry.model.department
        if dept is not None and dept not in kb.departments:
            yield _missing(ctx, entry, "unknown-department", "department", dept, kb.departments, "department")
    seen = set()
    for entry in kb.terms.values():
        if id(entry) in seen:
            continue
        seen.add(id(entry))
        for i, doc in enumerate(entry.model.related):
            if doc not in kb.docs and doc not in kb.broken:
                yield _missing(ctx, entry, "unknown-document", "document", doc, kb.docs, "related", i)
