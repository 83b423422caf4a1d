"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..config import resolve_today, root_of
from ..findings import KBError
from ..kb import KnowledgeBase
from ..load.loader import load
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


def open_kb(root: Path | None) -> KnowledgeBase:
    """The knowledge base at `--root`, else the one this folder is in."""
    return load(root_of(root))


def emit(text: str, output: Path | None) -> None:
    """Print, or write atomically to `output`."""
    if output is None:
        click.echo(text, nl=False)
        return
    from ..edit.atomic import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise KBError(f"cannot write {output}: {exc.strerror}") from None
