"""`kb check`: every check over the knowledge base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..checks import run_checks
from ..checks.report import REPORTERS
from ..findings import KBError, printable
from .common import emit, open_kb, output_option, root_option, today_option


def _scope(root: Path, paths: tuple[Path, ...]) -> list[str]:
    scoped = []
    for p in paths:
        try:
            rel = p.resolve().relative_to(root)
        except ValueError:
            raise KBError(f"{p} is outside the knowledge base at {root}") from None
        # Findings name a file as it is shown (undecodable bytes and control characters escaped).
        scoped.append("" if str(rel) == "." else printable(rel.as_posix()))
    return scoped


def _in_scope(path: str, scope: list[str]) -> bool:
    return any(not s or path == s or path.startswith(s + "/") for s in scope)


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--changed-since", "since", metavar="REF",
              help="Only findings of files changed since git REF, and what those changes break elsewhere; "
                   "changed bodies or steps need a version bump and changelog entry.")
@output_option("the report")
@today_option
@root_option
def check(paths: tuple[Path, ...], fmt: str, strict: bool, since: str | None, output: str | None,
          today: dt.date, root: Path | None) -> int:
    """Check schemas, ids, ownership, review dates, references and content safety.

    With PATHs, only findings in those files or folders are reported (the
    whole knowledge base is still loaded, so references resolve).
    """
    kb = open_kb(root)
    findings = run_checks(kb, today)
    files = [*kb.files, "kb.yml"]
    if since is not None:
        from ..checks.changes import changed_findings

        findings = changed_findings(kb, since, today, findings)
    if paths:
        scope = _scope(kb.root, paths)
        findings = [f for f in findings if _in_scope(f.path, scope)]
        files = [f for f in files if _in_scope(f, scope)]
    report = REPORTERS[fmt](findings, len(files), today=today.isoformat(), file_names=files, strict=strict)
    emit(report, output)
    failing = any(f.severity == "error" or strict for f in findings)
    return 1 if failing else 0
