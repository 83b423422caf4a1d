"""The `kb` command. One module per subcommand lives in kbtools/commands/."""

from __future__ import annotations

import gc
import sys

import click

from .commands.check import check
from .commands.checklist import checklist
from .commands.codeowners import codeowners
from .commands.digest import digest
from .commands.new import new
from .commands.owners import owners
from .commands.recover import recover
from .commands.review import review
from .commands.reviews import reviews
from .commands.schema import schema
from .findings import ContentError, KBError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kbtools", prog_name="kb")
def cli() -> None:
    """Check, report on and publish the SOP knowledge base.

    Exit codes: 0 success (warnings allowed), 1 the content has errors (or
    warnings under --strict), 2 the command was used wrongly or could not run.
    """


for command in (check, reviews, review, owners, new, checklist, schema, codeowners, digest, recover):
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
    try:
        rc = cli.main(args=argv, prog_name="kb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("kb: aborted", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except KBError as exc:
        click.echo(f"kb: error: {exc}", err=True)
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
