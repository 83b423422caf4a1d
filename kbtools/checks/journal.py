"""An interrupted write: the journal of a write across several files is still there.

`kb owners reassign` and `kb accounts import` record what they will write in
`.kb-journal.json` before they touch a file and remove it after the last one;
while it is there, some files may hold their new content and others their old
(kb recover finishes or undoes the write).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..edit import journal
from ..findings import Finding, KBError
from . import Context, check


@check("journal")
def interrupted_write(ctx: Context) -> Iterator[Finding]:
    try:
        found = journal.read(ctx.kb.root)
    except KBError as exc:
        yield Finding(journal.NAME, 0, 0, "error", "interrupted-write", str(exc))
        return
    if found is not None:
        yield Finding(journal.NAME, 0, 0, "error", "interrupted-write", found.describe(ctx.kb.root))
