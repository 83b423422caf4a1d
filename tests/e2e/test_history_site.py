"""Versions compared, in the built site: what a shallow clone, the public site and the preview's
incremental builds make of a git repository's history (tests/history_repo.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from test_site_incremental import assert_same_files, preview_build

from conftest import REPO, build_both, finish, mkdocs_build
from history_repo import OUTSIDER, SEED, UMA, back_to_first, commit_third, history_repo, shallow_clone, third_version

AUTHORS = [name for name, _ in (SEED, UMA, OUTSIDER)] + ["Uma Reddy"]


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def history_section(html: str) -> str:
    start = html.index('id="kb-history"')
    return html[start:html.index("</table>", start)]


def test_a_shallow_clone_shows_the_changelog_with_a_note(tmp_path: Path):
    clone = shallow_clone(history_repo(tmp_path / "kb"), tmp_path / "clone")
    code, out = finish(mkdocs_build(clone, tmp_path / "site"))
    assert code == 0, out
    assert "Traceback" not in out
    section = history_section(page(tmp_path / "site", "sops/prc-fld-001"))
    assert "From the changelog only: this build was made from a shallow clone" in section
    assert "git fetch --unshallow" in section
    for summary in ("A last call.", "Calls instead of visits.", "First issue."):  # every changelog row
        assert f"<td>{summary}</td><td></td></tr>" in section
    assert "kb-compare-link" not in section
    assert not (tmp_path / "site" / "history").exists()


def test_the_comparisons_are_internal_out_of_search_and_out_of_the_navigation(tmp_path: Path):
    built = build_both(history_repo(tmp_path / "kb"), tmp_path)
    public, internal = built["public"], built["internal"]
    assert (internal / "history/art-dsk-002/versions/1.2.json").is_file()  # the internal site has them
    assert (internal / "history/prc-fld-001/1.0..1.1/index.html").is_file()
    index = json.loads((internal / "search/search_index.json").read_text(encoding="utf-8"))
    assert [d["location"] for d in index["docs"] if d["location"].startswith("history/")] == []
    assert "history/" not in page(internal, "")
    assert not (public / "history").exists()
    article = page(public, "sops/art-dsk-002")  # the help centre's article: "Updated N days ago", no history
    assert "kb-history" not in article and "kb-compare-link" not in article
    for path in public.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [a for a in AUTHORS if a in text], path


def test_a_document_back_at_an_earlier_version_keeps_every_version_and_comparison(tmp_path: Path):
    """Committed 1.0, 1.1, then 1.0 again: the last version is its commit's, and both comparisons
    (1.0 to 1.1, 1.1 back to 1.0) are published, with a snapshot of each of the three versions."""
    root = history_repo(tmp_path / "kb", versions=2)
    back_to_first(root)
    site = tmp_path / "site"
    code, out = finish(mkdocs_build(root, site))
    assert code == 0, out
    section = history_section(page(site, "sops/prc-fld-001"))
    assert "not committed yet" not in section
    assert "Olive Outsider" in section and "(compared with 1.1)" in section
    assert 'href="../../history/prc-fld-001/1.1..1.0-2/"' in section
    assert (site / "history/prc-fld-001/1.0..1.1/index.html").is_file()  # the first comparison
    back = page(site, "history/prc-fld-001/1.1..1.0-2")
    assert "version 1.1 and 1.0 compared" in back and "Olive Outsider" in back
    first, again = (json.loads((site / f"history/prc-fld-001/versions/{key}.json").read_text(encoding="utf-8"))
                    for key in ("1.0", "1.0-2"))
    assert first["version"] == again["version"] == "1.0" and first["commit"] != again["commit"]
    assert f'<option value="1.0-2">1.0 (commit {again["commit"][:10]})</option>' in back


def test_a_preview_follows_an_edit_and_then_its_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`mkdocs serve --dirty` (make preview): a new version saved, then committed; each time the site
    folder ends as a full build of the same repository leaves it."""
    monkeypatch.setenv("KB_TODAY", "2026-11-22")
    monkeypatch.setenv("KB_AUDIENCE", "internal")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    root = history_repo(tmp_path / "kb", versions=2)
    site = tmp_path / "preview"
    preview_build(root, site, dirty=True, start=True)
    assert not (site / "history/prc-fld-001/1.1..1.2").exists()

    third_version(root, commit_it=False)
    preview_build(root, site, dirty=True)  # the save's quick build
    preview_build(root, site, dirty=True)  # its catch-up build
    saved = history_section(page(site, "sops/prc-fld-001"))
    assert "not committed yet" in saved and "Olive Outsider" not in saved
    assert (site / "history/prc-fld-001/1.1..1.2/index.html").is_file()
    # as they are now, for full builds at the end (a build, full or not, restarts the plugin's state)
    shutil.copytree(site, tmp_path / "preview-saved")
    shutil.copytree(root, tmp_path / "kb-saved", symlinks=True)

    commit_third(root)  # no file changes: only HEAD moves
    preview_build(root, site, dirty=True)
    committed = history_section(page(site, "sops/prc-fld-001"))
    assert "Olive Outsider" in committed and "not committed yet" not in committed

    preview_build(root, tmp_path / "full-committed", dirty=False, start=True)
    assert_same_files(site, tmp_path / "full-committed")
    preview_build(tmp_path / "kb-saved", tmp_path / "full-saved", dirty=False, start=True)
    assert_same_files(tmp_path / "preview-saved", tmp_path / "full-saved")


def test_the_workflows_that_build_the_site_fetch_the_whole_history():
    for name, job in (("pull-request.yml", "check"), ("scheduled.yml", "site")):
        workflow = yaml.safe_load((REPO / ".github/workflows" / name).read_text(encoding="utf-8"))
        steps = workflow["jobs"][job]["steps"]
        assert any("mkdocs build" in s.get("run", "") for s in steps), (name, job)
        checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
        assert checkout["with"]["fetch-depth"] == 0, name
