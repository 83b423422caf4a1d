"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from ..config import resolve_today, root_of
from ..edit import journal
from ..edit.atomic import output_problem, remove_stale_temps, write_output
from ..edit.lock import kb_lock
from ..findings import KBError
from ..kb import KnowledgeBase
from ..load.loader import load
from ..loop.location import DEFAULT, STORE_ENV
from ..models import iso_date


def parse_date(value: str, hint: str) -> dt.date:
    """A YYYY-MM-DD date, or a usage error naming the option (exit 2)."""
    date = iso_date(value)
    if date is None:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=hint)
    return date


F = TypeVar("F", bound=Callable[..., Any])


def today_option(fn: F) -> F:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
        try:
            return resolve_today(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--today'" if value is not None else "KB_TODAY") from None

    return click.option(
        "--today", metavar="YYYY-MM-DD", callback=callback, expose_value=True,
        help="Date to check review dates against (default: $KB_TODAY, else the machine's date).",
    )(fn)


def root_option(fn: F) -> F:
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Knowledge-base folder (default: the nearest folder holding kb.yml).",
    )(fn)


def store_option(fn: F) -> F:
    return click.option(
        "--store", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="PATH",
        help=f"The feedback store (default: ${STORE_ENV}, else {DEFAULT} in the knowledge base).",
    )(fn)


def open_kb(root: Path | None) -> KnowledgeBase:
    """The knowledge base at `--root`, else the one this folder is in."""
    return load(root_of(root))


def note_left_out(kb: KnowledgeBase, what: str) -> bool:
    """Say on standard error when files failed to load and so are missing from `what`; True when any did.

    Every command that reports on the knowledge base without checking it says this the same way.
    """
    if kb.findings:
        click.echo(f"kb: {len(kb.findings)} problem(s) kept some files out of {what}; run kb check", err=True)
    return bool(kb.findings)


@contextlib.contextmanager
def writing(root: Path | None, *, dry_run: bool = False) -> Iterator[KnowledgeBase]:
    """The knowledge base, loaded for a command that writes into it.

    The lock is held for the whole `with` block, so the files are read, checked
    and written with no other kb writing in between; temporary files a killed
    kb left behind are removed first. While the journal of an interrupted write
    is there, nothing starts (kb recover finishes or undoes it first). A dry run
    neither locks nor removes anything (it may run where nothing can be written).
    """
    path = root_of(root)
    if dry_run:
        _refuse_when_interrupted(path)
        yield load(path)
        return
    with kb_lock(path):
        remove_stale_temps(path)
        _refuse_when_interrupted(path)
        yield load(path)


def _refuse_when_interrupted(root: Path) -> None:
    if problem := journal.pending_problem(root):
        raise KBError(problem)


def output_option(what: str) -> Callable[[F], F]:
    """`-o/--output FILE`, the same for every command: checked before the command runs, written by `emit`."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and (problem := output_problem(value)):
            raise click.BadParameter(problem)
        return value

    return click.option(
        "-o", "--output", metavar="FILE", callback=callback,
        help=f"Write {what} to FILE (- for standard output). A file is replaced atomically; "
             "a link, device or pipe is written through.",
    )


def emit(text: str, output: str | None) -> None:
    """Print `text`, or write it to the file named with `-o` (see `write_output`)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    write_output(output, text)
