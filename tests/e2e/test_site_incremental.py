"""The preview's incremental builds (`mkdocs serve --dirty`) end where a full build of the same files ends.

Each case builds the fixture site as the preview does, edits the knowledge base, runs the quick
build a save starts and the catch-up build it asks for, and compares every file in the site folder
with a fresh full build of the edited files. The builds run in this process, as under `mkdocs
serve`, where the plugin lives on from one build to the next.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import SITE_TODAY, copy_site_kb

SERVE_URL = "http://127.0.0.1:8001/"


@pytest.fixture(autouse=True)
def _build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_TODAY", SITE_TODAY)
    monkeypatch.setenv("KB_AUDIENCE", "internal")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


def preview_build(root: Path, site: Path, *, dirty: bool, start: bool = False) -> None:
    """One build as `mkdocs serve [--dirty]` runs it (`start`: the first, after the server started)."""
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site))
    if start:  # as in a new process: the plugins MkDocs keeps from build to build start afresh
        config.plugins.on_startup(command="serve", dirty=dirty)
        for plugin in config.plugins.values():
            if hasattr(plugin, "search_index_prev"):
                plugin.search_index_prev = None
    config.site_url = SERVE_URL
    build(config, serve_url=SERVE_URL, dirty=dirty)


def site_files(site: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found[path.relative_to(site).as_posix()] = gzip.decompress(data) if path.suffix == ".gz" else data
    return found


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def body(root: Path) -> None:
    edit(root, "sops/field/PRC-FLD-001.md", "# Follow up a new meter installation",
         "# Follow up a new meter installation\n\nCall the customer the day before every visit.")


def front_matter(root: Path) -> None:  # a new owner and review date: owner pages and the dashboard change
    edit(root, "sops/field/PRC-FLD-001.md", "owner: person:uma", "owner: team:care")
    edit(root, "sops/field/PRC-FLD-001.md", "last_reviewed: 2026-02-02", "last_reviewed: 2026-11-20")


def title(root: Path) -> None:  # in the navigation of every page
    edit(root, "sops/field/PRC-FLD-001.md", "title: Follow up a new meter installation",
             "title: Follow up a meter installation")


def steps(root: Path) -> None:  # the checklists and the page's steps
    edit(root, "sops/field/PRC-FLD-001.md", "title: Closing visit", "title: Closing visit with the customer")


def related(root: Path) -> None:  # the backlinks on another document's page
    edit(root, "sops/field/PRC-FLD-001.md", "related: [SOP-FLD-001]", "related: []")


def glossary(root: Path) -> None:  # the tooltips of every page
    edit(root, "org/glossary.yaml", "expansion: Field Service Report", "expansion: Field service record")


def removed(root: Path) -> None:  # its page, checklists and search entries go; links to it lose their target
    (root / "sops/field/PRC-FLD-001.md").unlink()


EDITS: dict[str, Callable[[Path], None]] = {
    "body": body, "front matter": front_matter, "title": title, "steps": steps, "related": related,
    "glossary": glossary, "removed": removed,
}


@pytest.mark.parametrize("name", list(EDITS))
def test_an_incremental_build_ends_with_the_files_of_a_full_build(tmp_path: Path, name: str) -> None:
    root = copy_site_kb(tmp_path / "kb")
    site = tmp_path / "preview"
    preview_build(root, site, dirty=True, start=True)
    before = site_files(site)
    unrelated = site / "sops/art-dsk-001/index.html"
    written = unrelated.stat().st_mtime_ns

    EDITS[name](root)
    preview_build(root, site, dirty=True)  # the save's quick build
    if name == "body":
        assert "Call the customer the day before every visit." in (site / "sops/prc-fld-001/index.html").read_text(
            encoding="utf-8")
    assert unrelated.stat().st_mtime_ns == written, "the quick build rebuilt a page the edit does not touch"
    preview_build(root, site, dirty=True)  # the catch-up build

    full = tmp_path / "full"
    preview_build(root, full, dirty=False, start=True)
    after, expected = site_files(site), site_files(full)
    assert sorted(after) == sorted(expected)
    different = [rel for rel in expected if after[rel] != expected[rel]]
    assert different == [], f"differ from a full build: {different[:10]}"
    assert after != before
