"""The hostile knowledge base's two sites, built once per session: a pytest plugin
(`pytest_plugins = ["hostile_sites"]`) for the tests that read them (test_site_hostile, test_browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import finish, mkdocs_build
from hostile import hostile_copy


@pytest.fixture(scope="session")
def hostile_sites(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """tests/hostile.py's knowledge base and its two sites. Built without --strict: some hostile values
    are also broken references (a segment kb.yml does not know), which `kb check` reports."""
    base = tmp_path_factory.mktemp("hostile")
    root, _ = hostile_copy(base / "kb")
    sites = {a: base / f"site-{a}" for a in ("internal", "public")}
    runs = {a: mkdocs_build(root, site, a, strict=False) for a, site in sites.items()}
    for audience, process in runs.items():
        code, out = finish(process)
        assert code == 0, f"{audience} build failed:\n{out}"
        assert "Traceback" not in out, out
        assert " shows " not in out, out  # the public leak guard found nothing to report
    return root, sites
