"""Ids are unique across all files; an account's file name is its id."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from .. import models
from ..findings import Finding
from ..kb import Entry
from . import Context, check


@check("ids")
def unique_ids(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    tables: dict[str, Mapping[str, Entry[Any]]] = {
        "document": kb.docs, "account": kb.accounts, "training": kb.training,
        "people": kb.people, "teams": kb.teams, "roles": kb.roles,
        "departments": kb.departments, "terms": kb.terms,
    }
    for kind, entry in kb.duplicates:
        model = entry.model
        ident: str = model.term if isinstance(model, models.Term) else model.id
        key = ident.casefold() if kind == "terms" else ident
        first = tables[kind].get(key)
        where = f" (first used in {first.path}:{first.at()[0]})" if first else ""
        yield entry.finding(
            "error", "duplicate-id", f"duplicate {kind} id {ident!r}{where}; ids are never shared or reused",
            "id" if kind != "terms" else "term",
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
