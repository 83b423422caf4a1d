"""`kb codeowners`: write .github/CODEOWNERS from the registry, or check it is current."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from ..edit.atomic import write_below
from ..edit.codeowners import PATH, generate
from ..findings import KBError
from ..kb import KnowledgeBase
from .common import open_kb, root_option, writing


def _current(kb: KnowledgeBase) -> str | None:
    """The file as it is now (None when missing); undecodable bytes just make it differ."""
    try:
        return (kb.root / PATH).read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KBError(f"cannot read {PATH}: {exc.strerror}") from None


def _report_stale(current: str | None, wanted: str) -> None:
    if current is None:
        click.echo(f"{PATH}: error: missing; run kb codeowners [codeowners-stale]")
        return
    diff = difflib.unified_diff(current.splitlines(), wanted.splitlines(),
                                f"{PATH} (committed)", f"{PATH} (from the registry)", lineterm="", n=0)
    click.echo("\n".join(diff))
    click.echo(f"{PATH}: error: stale: the lines above differ from the registry; run kb codeowners [codeowners-stale]")


@click.command("codeowners")
@click.option("--check", "check_only", is_flag=True, help=f"Exit 1 when {PATH} differs from the registry.")
@root_option
def codeowners(check_only: bool, root: Path | None) -> int:
    """Write .github/CODEOWNERS: the KMT team on sops/ and org/, each document's owner
    and the KMT on the document, each account's owner on the account.

    Nothing is written when an owner has no GitHub handle, email or active
    member, or when a file could not be loaded (exit 1; run kb check).
    """
    if check_only:
        return _check(open_kb(root))
    with writing(root) as kb:
        wanted = _wanted(kb)
        if wanted is None:
            return 1
        if _current(kb) == wanted:
            click.echo(f"{PATH} is up to date")
            return 0
        write_below(kb.root, PATH, wanted, create_dirs=True)
    click.echo(f"wrote {PATH}")
    return 0


def _wanted(kb: KnowledgeBase) -> str | None:
    """The file the registry gives, or None after printing what keeps an owner out of it."""
    wanted, problems = generate(kb)
    broken = [f for f in kb.findings if f.severity == "error"]
    for finding in problems:
        click.echo(finding.format(), err=True)
    if broken:
        click.echo(f"kb: {len(broken)} error(s) kept files out of the knowledge base; run kb check", err=True)
    return None if problems or broken else wanted


def _check(kb: KnowledgeBase) -> int:
    wanted = _wanted(kb)
    if wanted is None:
        return 1
    current = _current(kb)
    if current != wanted:
        _report_stale(current, wanted)
        return 1
    click.echo(f"ok: {PATH} matches the registry")
    return 0
