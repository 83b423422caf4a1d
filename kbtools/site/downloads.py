"""Files the site publishes beside its pages: blank checklists, the pages API and a status.

The checklists and the pages API are written at build time from the same view
the pages use, so the public build holds only what its pages show. The status
(`api/v1/status`) stands in for `kb serve`'s on static hosting, where the
feedback widget asks it whether a service takes feedback: this one says none
does (the service answers that path itself), and the question is answered
without a failed request in every reader's console.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from ..checklist.build import build as build_checklist
from ..checklist.build import runs_of
from ..checklist.render import html as checklist_html
from ..checklist.render import render
from ..output import envelope, json_text
from . import urls
from .view import SiteView

CHECKLIST_FORMATS = ("md", "csv", "html")


def _write(path: Path, text: str) -> None:
    """Build output, rewritten on every build: no fsync per file (thousands of them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_checklists(view: SiteView, site_dir: Path, only: Collection[str] | None = None,
                     preview: bool = False) -> list[str]:
    """The blank checklist of every visible document with steps (of the documents in `only`, when
    given), in each download format: of every step, and of each run's steps (first set-up, periodic
    review) where the document names runs. Returns the files written, relative to `site_dir`.
    With `preview` (under `mkdocs serve`), the HTML lets the server's live-reload script run."""
    written = []
    records = view.knowledge_base(site_dir)  # the audience's records only
    for doc_id, entry in view.docs.items():
        if not entry.model.steps or entry.model.status == "retired" or (only is not None and doc_id not in only):
            continue
        for run in (None, *runs_of(entry.model)):
            # Blank: not started, so no start date (each due date says how long after the start).
            checklist = build_checklist(records, doc_id, start=None, today=view.today, run=run)
            for fmt in CHECKLIST_FORMATS:
                rel = urls.checklist(doc_id, fmt, run)
                if preview and fmt == "html":
                    _write(site_dir / rel, checklist_html(checklist, "preview"))
                else:
                    _write(site_dir / rel, render(checklist, fmt))
                written.append(rel)
    return written


def pages_api(view: SiteView, url_of: Callable[[str], str | None]) -> dict[str, Any]:
    """What notification bots need about each page: owner, review dates and state."""
    base = (view.config.site_url or "/").rstrip("/") + "/"
    pages = []
    targets = [("sop", doc_id, e.model.title, e.model.owner, urls.doc(doc_id)) for doc_id, e in view.docs.items()]
    targets += [("account", acc_id, e.model.name, e.model.owner, urls.account(acc_id))
                for acc_id, e in view.accounts.items()]
    for kind, ident, title, owner, src in targets:
        url = url_of(src)
        if url is None:
            continue
        review = view.review_of.get((kind, ident))
        pages.append({
            "kind": kind,
            "id": ident,
            "title": title,
            "url": base + url,
            "owner": owner,
            "last_review": review.last.isoformat() if review and review.last else None,
            "due": review.due.isoformat() if review and review.due else None,
            "state": review.state if review else "not-reviewed",
        })
    return envelope(view.today, audience=view.audience, pages=pages)


# `<`, `>` and `&` only occur inside JSON strings: as \u escapes the data is the same, and no
# browser or HTML-minded tool pointed at the file ever meets markup in it.
_JSON_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


STATIC_STATUS = {"service": "static", "version": 1}  # not "kb": the widget offers its fallback links


def write_status(site_dir: Path) -> None:
    _write(site_dir / "api" / "v1" / "status", json_text(STATIC_STATUS))


def write_pages_api(view: SiteView, site_dir: Path, url_of: Callable[[str], str | None]) -> None:
    data = pages_api(view, url_of)
    _write(site_dir / "api" / "pages.json", json_text(data).translate(_JSON_SAFE))
