"""The `kb` command. One module per subcommand lives in kbtools/commands/."""

from __future__ import annotations

import sys

import click

from .commands import check, checklist, codeowners, digest, new, owners, review, reviews, schema
from .findings import KBError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kbtools", prog_name="kb")
def cli() -> None:
    """Check, report on and publish the SOP knowledge base.

    Exit codes: 0 success (warnings allowed), 1 the content has errors (or
    warnings under --strict), 2 the command was used wrongly or could not run.
    """


for command in (check.command, reviews.command, review.command, owners.command, new.command, checklist.command, schema.command,
                codeowners.command, digest.command):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    try:
        rc = cli.main(args=argv, prog_name="kb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("kb: aborted", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KBError as exc:
        click.echo(f"kb: error: {exc}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # never show a traceback to a user
        click.echo(f"kb: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    sys.exit(rc or 0)
