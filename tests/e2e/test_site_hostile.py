"""A hostile contributor: every value a pull request can set, built into both sites.

tests/hostile.py writes the site fixture with a hostile value in every string field of every
record (the fields come from the models) and hostile hand-written pages; both audiences are
built once for this module. Every output file is then parsed for markup that would run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from pydantic import BaseModel

from hostile import MARKER, image_sources, inline_scripts, scan_html
from kbtools.load.loader import MODELS, load

pytest_plugins = ["hostile_sites"]  # the `hostile_sites` fixture, shared with the browser tests

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _free_text(annotation: Any, metadata: list[Any]) -> bool:
    """Does a field of this type take free text (a string without a pattern)?"""
    patterned = any(getattr(m, "pattern", None) for m in metadata)
    if annotation is str:
        return not patterned
    inner_meta = list(getattr(annotation, "__metadata__", ()))
    if inner_meta:
        return _free_text(annotation.__origin__, inner_meta)
    return any(_free_text(arg, []) for arg in getattr(annotation, "__args__", ()) if arg is not Ellipsis)


def _records(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _records(arg)]


def free_text_fields() -> set[tuple[str, str]]:
    """(model, field) of every free-text field of every record kind, nested records included."""
    found: set[tuple[str, str]] = set()
    todo = list(MODELS.values())
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            if _free_text(info.annotation, info.metadata):
                found.add((model.__name__, name))
            todo += _records(info.annotation)
    return found


def _hostile_fields(record: BaseModel, found: set[tuple[str, str]]) -> None:
    for name in type(record).model_fields:
        value = getattr(record, name)
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, str) and MARKER in item:
                found.add((type(record).__name__, name))
            elif isinstance(item, BaseModel):
                _hostile_fields(item, found)


def test_every_free_text_field_of_every_model_holds_a_hostile_value(hostile_sites):
    root, _ = hostile_sites
    kb = load(root)
    assert not kb.findings, [f.format() for f in kb.findings]  # still valid records
    hostile: set[tuple[str, str]] = set()
    for kind in MODELS:
        for entry in kb.table(kind).values():
            _hostile_fields(entry.model, hostile)
    wanted = free_text_fields()
    assert {("Sop", "title"), ("Department", "name"), ("Person", "name"), ("Team", "name"),
            ("Account", "name"), ("Sop", "summary"), ("ReviewEntry", "note")} <= wanted
    assert wanted - hostile == set()


@pytest.fixture(scope="module")
def theme_scripts(sites) -> frozenset[str]:
    """The inline scripts of the fixture's own (harmless) builds: the theme's."""
    found: set[str] = set()
    for site in (sites.internal, sites.public):
        for path in site.rglob("*.html"):
            found.update(inline_scripts(path.read_text(encoding="utf-8")))
    return frozenset(found)


def _problems(path: Path, site: Path, theme: frozenset[str]) -> list[str]:
    rel = path.relative_to(site).as_posix()
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix in (".html", ".md"):  # a Markdown checklist is HTML to whatever renders it
        return scan_html(text, theme if path.suffix == ".html" and not rel.startswith("checklists/") else frozenset())
    if rel == "search/search_index.json":  # the theme's search shows titles and text as HTML
        problems = []
        for entry in json.loads(text)["docs"]:
            for key in ("title", "text"):
                problems += [f"{entry['location']} {key}: {p}" for p in scan_html(entry.get(key, ""))]
        return problems
    if path.suffix == ".json":  # data, but never markup should a browser be pointed at it
        json.loads(text)
        return scan_html(text)
    if path.suffix == ".xml":
        tags = {el.tag for el in ET.fromstring(text).iter()}
        allowed = {SITEMAP + t for t in ("urlset", "url", "loc", "lastmod", "changefreq", "priority")}
        return [f"unexpected element {t}" for t in tags - allowed] + scan_html(text)
    return []


def _scan(site: Path, theme: frozenset[str], suffixes: tuple[str, ...]) -> tuple[list[str], dict[str, int]]:
    checked = dict.fromkeys(suffixes, 0)
    problems = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in checked or path.is_relative_to(site / "assets"):
            continue  # assets/: the theme's files and docs/assets, not made from content
        checked[path.suffix] += 1
        problems += [f"{path.relative_to(site)}: {p}" for p in _problems(path, site, theme)]
    return problems, checked


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_output_file_holds_executable_markup(hostile_sites, theme_scripts, audience):
    """Pages, the search index, the sitemap, the pages API and the HTML checklists."""
    _, sites = hostile_sites
    site = sites[audience]
    problems, checked = _scan(site, theme_scripts, (".html", ".json", ".xml"))
    assert not problems, "\n".join(problems[:40])
    assert checked[".html"] > 10 and checked[".xml"] == 1 and checked[".json"] >= 2
    assert any((site / "checklists").glob("*.html"))
    for page in ("hostile-meta", "hostile-heading", "hostile-raw", "hostile-template"):
        assert (site / page / "index.html").is_file(), page


def test_markdown_checklists_hold_no_markup(hostile_sites, theme_scripts):
    _, sites = hostile_sites
    problems, checked = _scan(sites["internal"], theme_scripts, (".md",))
    assert checked[".md"] >= 3
    assert not problems, "\n".join(problems[:40])


def test_hostile_values_are_shown_as_text(hostile_sites):
    """Escaped, not dropped: the reader sees what the contributor wrote."""
    _, sites = hostile_sites
    page = (sites["internal"] / "sops/sop-fld-001/index.html").read_text(encoding="utf-8")
    title = page[page.index("<title>"):page.index("</title>")]
    assert "Dispatch a field crew to a site &lt;/title&gt;" in title
    assert "&lt;kbxss&gt;" in page


def test_a_body_cannot_fake_the_review_banner(hostile_sites):
    """Every document body ends with a `kb-banner kb-banner--current` block: only the page's own banner is one."""
    _, sites = hostile_sites
    pages = sorted((sites["internal"] / "sops").glob("*/index.html"))
    assert len(pages) >= 8
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert len(re.findall(r'class="kb-banner[ "]', text)) == 1, path


def _as_a_browser_reads_it(src: str) -> str:
    """Tabs and newlines dropped, backslashes read as slashes (as for every http(s) URL)."""
    return re.sub(r"[\t\n\r]", "", src).strip(" \x00-\x1f").replace("\\", "/")


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_image_from_another_host(hostile_sites, audience):
    """Every body ends with images at `\\\\host/x`, `/\\host/x` and `/<tab>/host/x`: none points elsewhere."""
    _, sites = hostile_sites
    site = sites[audience]
    for path in site.rglob("*.html"):
        page = "https://kb.example/" + path.relative_to(site).as_posix()
        for src in image_sources(path.read_text(encoding="utf-8")):
            assert urlsplit(urljoin(page, _as_a_browser_reads_it(src))).netloc == "kb.example", (path, src)
    assert (site / "sops/art-dsk-001/index.html").is_file()
