"""Ids are unique across all files, and so are accounts' Salesforce ids; an account's file name is its id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from .. import models
from ..findings import Finding
from ..kb import Entry
from . import Context, check


@check("ids")
def unique_ids(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    for kind, entry in kb.duplicates:
        model = entry.model
        if isinstance(model, models.Term):
            ident, first = model.term, kb.term_lookup(model.term)
        else:
            ident, first = model.id, kb.table(kind).get(model.id)
        where = f" (first used in {first.path}:{first.at()[0]})" if first else ""
        yield entry.finding(
            "error", "duplicate-id", f"duplicate {kind} id {ident!r}{where}; ids are never shared or reused",
            "term" if kind == "term" else "id",
        )


@check("account-file-names")
def account_file_names(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    entries = [*kb.accounts.values(), *(e for kind, e in kb.duplicates if kind == "account")]
    for entry in entries:
        ident = entry.model.id
        stem = PurePosixPath(entry.path).stem
        if stem != ident:
            yield entry.finding(
                "error", "file-name",
                f"account file is named {stem!r} but its id is {ident!r}; rename it to {ident}.yaml", "id",
            )


@check("salesforce-ids")
def unique_salesforce_ids(ctx: Context) -> Iterator[Finding]:
    """One account per Salesforce id: `kb accounts import` matches rows to accounts by it."""
    first: dict[str, Entry[models.Account]] = {}
    entries = [*ctx.kb.accounts.values(), *(e for kind, e in ctx.kb.duplicates if kind == "account")]
    for entry in sorted(entries, key=lambda e: e.path):
        sfid = entry.model.salesforce_id
        if sfid is None:
            continue
        held = first.setdefault(sfid, entry)
        if held is not entry:
            yield entry.finding(
                "error", "duplicate-id",
                f"salesforce_id {sfid} is also the id of {held.model.id} ({held.path}); one account per CRM record",
                "salesforce_id",
            )
