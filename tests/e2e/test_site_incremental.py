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


def preview_session(tmp_path: Path, change: Callable[[Path], None], unrelated: str,
                    after: Callable[[], None] = lambda: None) -> tuple[Path, Path]:
    """A first build, `change`, its quick build (which must leave the page `unrelated` alone) and its
    catch-up build (then `after`); then a full build of the changed files. Returns both site folders."""
    root = copy_site_kb(tmp_path / "kb")
    site = tmp_path / "preview"
    preview_build(root, site, dirty=True, start=True)
    kept = site / unrelated
    written = kept.stat().st_mtime_ns
    change(root)
    preview_build(root, site, dirty=True)  # the save's quick build
    assert kept.stat().st_mtime_ns == written, "the quick build rebuilt a page the edit does not touch"
    preview_build(root, site, dirty=True)  # the catch-up build
    after()
    full = tmp_path / "full"
    preview_build(root, full, dirty=False, start=True)
    return site, full


def assert_same_files(site: Path, full: Path) -> None:
    after, expected = site_files(site), site_files(full)
    assert sorted(after) == sorted(expected)
    different = [rel for rel in expected if after[rel] != expected[rel]]
    assert different == [], f"differ from a full build: {different[:10]}"


@pytest.mark.parametrize("name", list(EDITS))
def test_an_incremental_build_ends_with_the_files_of_a_full_build(tmp_path: Path, name: str) -> None:
    unchanged = copy_site_kb(tmp_path / "before")
    preview_build(unchanged, tmp_path / "before-site", dirty=False, start=True)
    site, full = preview_session(tmp_path, EDITS[name], "sops/art-dsk-001/index.html")
    assert_same_files(site, full)
    assert site_files(site) != site_files(tmp_path / "before-site")  # the edit shows


def test_the_public_preview_scans_every_page_again_when_a_document_leaves_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("KB_AUDIENCE", "public")
    leaks: list[str] = []

    def make_internal(root: Path) -> None:  # ART-DSK-001's body names it: the leak guard must say so
        edit(root, "sops/desk/ART-DSK-002.md", "audience: public", "audience: internal")
        caplog.clear()

    def seen() -> None:
        leaks.extend(r.getMessage() for r in caplog.records if "which is not public content" in r.getMessage())

    site, full = preview_session(tmp_path, make_internal, "glossary/index.html", after=seen)
    assert_same_files(site, full)
    assert not (site / "sops/art-dsk-002/index.html").exists()
    assert any("page sops/art-dsk-001.md" in m and "ART-DSK-002" in m for m in leaks), leaks
