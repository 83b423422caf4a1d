"""The `kb` command. One module per subcommand lives in kbtools/commands/."""

from __future__ import annotations

import contextlib
import gc
import os
import sys

import click

from .commands.accounts import accounts
from .commands.check import check
from .commands.checklist import checklist
from .commands.codeowners import codeowners
from .commands.digest import digest
from .commands.feedback import feedback
from .commands.new import new
from .commands.owners import owners
from .commands.recover import recover
from .commands.review import review
from .commands.reviews import reviews
from .commands.run import run
from .commands.schema import schema
from .commands.serve import serve
from .findings import ContentError, KBError, printable
from .loop.store import StoreError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kbtools", prog_name="kb")
def cli() -> None:
    """Check, report on and publish the SOP knowledge base.

    Exit codes: 0 success (warnings allowed), 1 the content has errors (or
    warnings under --strict), 2 the command was used wrongly or could not run.
    """


for command in (check, reviews, review, owners, new, checklist, schema, codeowners, digest, recover, serve,
                feedback, accounts, run):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run `kb` and exit with its code (0 ok, 1 content errors, 2 could not run)."""
    # A knowledge base is millions of small objects and no reference cycles;
    # the cyclic garbage collector would rescan them again and again (a third
    # of `kb check`'s time) and free nothing. Paused for the command's run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        sys.exit(_run(argv))
    finally:
        if collecting:
            gc.enable()


def _run(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    for stream in (sys.stdout, sys.stderr):  # a name from the disk that is not UTF-8 prints escaped
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    if problem := argument_problem(args):
        click.echo(f"kb: error: {problem}", err=True)
        return 2
    try:
        rc = cli.main(args=args, prog_name="kb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("kb: aborted", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except KBError as exc:
        click.echo(f"kb: error: {exc}", err=True)
        return 2
    except StoreError as exc:  # read-only, full, locked, damaged or newer: the store cannot serve this command
        click.echo(f"kb: error: {printable(str(exc))}", err=True)
        return 2
    except ContentError as exc:
        click.echo(f"kb: error: {exc}", err=True)
        return 1
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        click.echo(f"kb: internal error: {type(exc).__name__}: {exc}", err=True)
        return 2
    return rc or 0


def argument_problem(args: list[str]) -> str | None:
    """Why an argument cannot be used: it is not UTF-8 (None when every one is).

    Python hands over undecodable bytes of argv as lone surrogates; text with
    them cannot be written to a file or a terminal. The message names the
    option whose value it is, or the argument's place.
    """
    command: click.Command = cli
    value_of: str | None = None  # the option the next argument is the value of
    positional = 0  # arguments of `command` met so far
    for place, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raw = os.fsencode(arg)
            named = arg.split("=", 1)[0] if arg.startswith("--") and "=" in arg else None
            what = value_of or named or _argument_name(command, positional) or f"argument {place}"
            return f"{what}: {raw!r} is not UTF-8 text; kb takes its arguments (text and paths) in UTF-8"
        if value_of is not None:
            value_of = None
        elif arg.startswith("-") and arg != "-":
            option = next((p for p in command.params if isinstance(p, click.Option) and arg in p.opts), None)
            if option is not None and not option.is_flag and not option.count:
                value_of = arg
        elif isinstance(command, click.Group) and arg in command.commands:
            command, positional = command.commands[arg], 0
        else:
            positional += 1
    return None


def _argument_name(command: click.Command, index: int) -> str | None:
    """The metavar of `command`'s argument at `index` (the last one takes the rest), if any."""
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if not arguments or isinstance(command, click.Group):
        return None
    return arguments[min(index, len(arguments) - 1)].make_metavar(click.Context(command)).strip("[].")
