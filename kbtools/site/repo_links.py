"""A document page's links into the repository: "Edit this page" and "Suggest a change".

Both come from `repository: {url, branch, path}` in kb.yml (`config.Repository`,
where each is validated) and the document's file as the loader found it, inside
the knowledge base's folder of the repository (`path`, when the knowledge base is
not at its root). "Edit this page" opens the file in the repository's web editor; "Suggest a
change" opens a new issue from `.github/ISSUE_TEMPLATE/change-request.yml` with
the document's id, version and page address filled in. Every value is folded to
one line, shortened and percent-encoded (`urlencode`), so no value can add a
query parameter; the templates print the links escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from ..config import Config
from ..models import Sop
from .feedback import one_line

CHANGE_FORM = "change-request.yml"  # .github/ISSUE_TEMPLATE/, field ids: CHANGE_FIELDS
CHANGE_FIELDS = ("document", "version", "page", "change")


@dataclass(frozen=True, slots=True)
class RepoLinks:
    edit: str
    suggest: str


def edit_url(config: Config, path: str) -> str | None:
    """The repository's editor for the file at `path` (relative to the knowledge base's root, which is
    `repository.path` in the repository)."""
    if config.repository is None:
        return None
    repo = config.repository
    return f"{repo.url}/edit/{quote(repo.branch, safe='/')}/{quote(repo.file(path), safe='/', errors='replace')}"


def suggest_url(config: Config, doc: Sop, page: str) -> str | None:
    """A new issue in the repository, from the change-request form, about `doc` as shown at `page`."""
    if config.repository is None:
        return None
    params = [("template", CHANGE_FORM), ("title", one_line(f"Change to {doc.id}: {doc.title}")),
              ("document", doc.id), ("version", doc.version), ("page", one_line(page))]
    return f"{config.repository.url}/issues/new?{urlencode(params, quote_via=quote, errors='replace')}"


def repo_links(config: Config, doc: Sop, path: str, page_url: str) -> RepoLinks | None:
    """Both links of a document whose file is at `path` and whose page is published at `page_url`
    (a path of the site, absolute when kb.yml sets site_url); None without a repository."""
    edit, suggest = edit_url(config, path), suggest_url(config, doc, config.url(page_url))
    if edit is None or suggest is None:
        return None
    return RepoLinks(edit, suggest)
