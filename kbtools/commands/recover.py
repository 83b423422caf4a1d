"""`kb recover`: finish or undo a write across several files that was interrupted."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import root_of
from ..edit import journal
from ..edit.atomic import remove_stale_temps
from ..edit.lock import kb_lock
from .common import root_option


@click.command("recover")
@click.option("--resume", "action", flag_value="resume",
              help="Finish the interrupted write: every file it names gets its new content.")
@click.option("--rollback", "action", flag_value="rollback",
              help="Undo it: every file it names gets its old content back.")
@click.option("--discard", "action", flag_value="discard",
              help="Forget the journal and leave the files as they are (after putting them right by hand).")
@root_option
def recover(action: str | None, root: Path | None) -> int:
    """Finish (--resume) or undo (--rollback) a write across several files that was interrupted.

    `kb owners reassign` and `kb accounts import` record what they will write
    in .kb-journal.json before they touch a file; a run killed half-way leaves it behind and `kb check`
    reports it. Without an option, say what the journal holds: exit 1 while a
    write is pending, 0 when there is nothing to recover.
    """
    path = root_of(root)
    if action is None:
        found = journal.read(path)
        if found is None:
            click.echo("nothing to recover: no write was interrupted")
            return 0
        click.echo(f"{journal.NAME}: {found.describe(path)}")
        for change, state in found.states(path):
            click.echo(f"  {change.path}: {state}")
        return 1
    with kb_lock(path):
        remove_stale_temps(path)
        found = journal.read(path)
        if found is None:
            click.echo("nothing to recover: no write was interrupted")
            return 0
        if action == "discard":
            journal.discard(path)
            click.echo(f"discarded the journal of `{found.command}`; the files stay as they are")
            return 0
        written = journal.finish(path, found, "resume" if action == "resume" else "rollback")
    created = {c.path for c in found.files if c.old is None}
    for rel in written:
        if action == "rollback" and rel in created:
            click.echo(f"{rel}: removed (the write created it)")
        else:
            click.echo(f"{rel}: {'new' if action == 'resume' else 'old'} content restored")
    done = "finished" if action == "resume" else "undone"
    click.echo(f"`{found.command}` {done}: {len(written)} of {len(found.files)} file(s) written, "
               f"the others already were")
    return 0
