"""Search by id on a generated knowledge base (bench/generator.py's `from_repo`, 150 documents beside the
repository's accounts, whose ids share the documents' digits), in headless Chromium through Material's
search box and worker: a sample of the ids, and every ...-001, each finds its document first."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from chromium import ARGS, CHROMIUM, require_chromium, serve
from conftest import REPO, finish, mkdocs_build
from kbtools.load.loader import load

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

from search_box import not_first  # noqa: E402

COUNT = 150


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Iterator[tuple[str, list[str]]]:
    """The generated site served on a free port, and the ids to search for."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    try:
        generator = importlib.import_module("generator")
    finally:
        sys.path.remove(str(REPO / "bench"))
    base = tmp_path_factory.mktemp("generated-search")
    root, site = base / "kb", base / "site"
    generator.from_repo(root, COUNT)
    kb = load(root)
    code, out = finish(mkdocs_build(root, site, "internal", today=generator.TODAY), timeout=110)
    assert code == 0, out
    ids = sorted(i for i, e in kb.docs.items() if e.model.status != "retired" and e.model.audience != "restricted")
    accounts = {a.rsplit("-", 1)[1] for a in kb.accounts}
    sharing = [i for i in ids if any(n.startswith(i.rsplit("-", 1)[1]) for n in accounts)]
    assert sharing, "no document id shares its digits with an account's"
    sample = sorted(set(sharing) | set(ids[::10]))
    server, origin = serve(site)
    yield origin, sample
    server.shutdown()
    server.server_close()


def test_a_sample_of_generated_ids_each_find_their_document_first(generated):
    origin, sample = generated
    assert len(sample) >= 20
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.goto(origin)
        missed = not_first(page, origin, sample)
        browser.close()
    assert missed == {}, f"{len(missed)} of {len(sample)} ids not first: {missed}"
