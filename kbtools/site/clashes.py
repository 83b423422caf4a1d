"""Files that would land where another one does: a build error, never a silent winner.

A hand-written page can be published at a document's URL (`docs/sops/<id>/index.md`
and the generated `sops/<id>.md` are both `/sops/<id>/`), a file under docs/ can
replace one of the theme's (its script, say) or sit where the build writes its
downloads, and on a case-insensitive server `SOPS/X` and `sops/x` are one file.
`clashes` compares where every file would be written, not where it comes from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from mkdocs.structure.files import File, InclusionLevel

RESERVED = ("api/", "checklists/")  # written by the kb plugin after the pages (downloads)
NOT_WRITTEN = (InclusionLevel.EXCLUDED, InclusionLevel.DRAFT)


def clashes(files: Iterable[File], docs_dir: str, theme_dirs: Iterable[str], theme_outputs: Iterable[str],
            name: Callable[[File], str]) -> list[str]:
    """What is wrong, one sentence each; `theme_outputs`: what the theme writes besides its files
    (the 404 page, the sitemap, the search index); `name(file)`: how a message calls a file."""
    docs_dir = os.path.normpath(docs_dir)
    theme_dirs = list(theme_dirs)
    written = {dest.casefold(): f"the theme's {dest}" for dest in theme_outputs}
    problems: list[str] = []
    dests: list[str] = []

    def from_docs(file: File) -> bool:
        return file.src_dir is not None and os.path.normpath(file.src_dir) == docs_dir

    for file in sorted(files, key=from_docs):  # a message names the file under docs/ first
        if file.inclusion in NOT_WRITTEN:
            continue
        dest = file.dest_uri
        if from_docs(file) and dest.startswith(RESERVED):
            problems.append(f"{name(file)} would be written to {dest}, where the build writes its downloads")
        if from_docs(file) and not file.is_documentation_page():
            shadowed = next((d for d in theme_dirs if Path(d, file.src_uri).is_file()), None)
            if shadowed is not None:
                problems.append(f"{name(file)} would take the place of the theme's {file.src_uri}")
        other = written.get(dest.casefold())
        if other is not None:
            at = f" (the page /{file.url})" if file.is_documentation_page() else ""
            problems.append(f"{name(file)} and {other} would both be written to {dest}{at}")
        else:
            written[dest.casefold()] = name(file)
        dests.append(dest)
    folders = {parent.casefold() for dest in dests for parent in _parents(dest)}
    problems += [f"{written[d.casefold()]} would be written to {d}, a folder other files are written into"
                 for d in dests if d.casefold() in folders]
    return problems


def _parents(dest: str) -> list[str]:
    parts = dest.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
