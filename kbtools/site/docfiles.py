"""Who may see each file under docs/: hand-written pages and every file beside them.

A page says its audience in its front matter. Any other file (an attachment,
an image, a PDF) is declared by path in the plugin's `files` option in
`mkdocs.yml`, a folder (`help/`) or one file (`help/reset.pdf`), the longest
match winning:

    plugins:
      - kb:
          files:
            help/: public
            board/: restricted

The theme's assets (`assets/`) are public unless declared otherwise; anything
undeclared is internal. A file a training material names (`file: docs/...`)
is never more visible than that material, whatever its page or declaration says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from .. import models

AUDIENCE_NAMES = ("public", "internal", "restricted")  # from the most to the least visible
THEME_ASSETS = {"assets/": "public"}


def strictest(*audiences: str) -> str:
    return max(audiences, key=AUDIENCE_NAMES.index)


def _folder_or_file(key: str) -> str:
    """A declaration's key as a path under docs/: `help/` (a folder, `/` kept), `help/a.pdf`, `/` for all."""
    path = str(PurePosixPath(key.strip())).lstrip("/")
    if path in ("", "."):
        return "/"
    return path + ("/" if key.rstrip().endswith("/") else "")


class FileAudiences:
    def __init__(self, declared: Mapping[str, str], named_by_training: Mapping[str, str]):
        self.declared = {**THEME_ASSETS, **{_folder_or_file(k): v for k, v in declared.items()}}
        self.named_by_training = named_by_training

    def declared_for(self, src_uri: str) -> str:
        """A file's declared audience: the longest folder or file key that covers it, else internal."""
        best, audience = -1, "internal"
        for key, value in self.declared.items():
            folder = key if key.endswith("/") else key + "/"
            covers = key == "/" or src_uri == key.rstrip("/") or src_uri.startswith(folder)
            if covers and len(key) > best:
                best, audience = len(key), value
        return audience

    def of(self, src_uri: str, page_audience: str | None = None) -> str:
        """The audience of a file under docs/ (`page_audience`: a page's, from its front matter)."""
        audience = page_audience if page_audience is not None else self.declared_for(src_uri)
        named = self.named_by_training.get(src_uri)
        return strictest(audience, named) if named else audience


def training_files(training: Iterable[models.Training], root: Path, docs_dir: Path) -> dict[str, str]:
    """Files under docs/ that training materials name, each with the strictest audience naming it."""
    found: dict[str, str] = {}
    for material in training:
        if material.file is None:
            continue
        path = (root / material.file).resolve()
        if not path.is_relative_to(docs_dir):
            continue
        rel = path.relative_to(docs_dir).as_posix()
        found[rel] = strictest(material.audience, found.get(rel, "public"))
    return found
