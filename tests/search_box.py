"""Material's search box, driven in a page already open in headless Chromium (tests/chromium.py)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def results(page: Page, origin: str, words: str) -> list[str]:
    """Search for `words` from an empty box; the results' pages, relative to `origin`, in order."""
    meta, box = page.locator(".md-search-result__meta"), page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label.md-search__icon, .md-search__input").first.click()
    box.fill("")
    box.press("End")  # Material searches on key events: the empty query, answered with the placeholder
    expect(meta).to_have_text("Type to start searching")
    box.fill(words)
    box.press("End")
    expect(meta).not_to_have_text("Type to start searching")
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.href)")
    return [h.removeprefix(origin).partition("?")[0] for h in hrefs]


def not_first(page: Page, origin: str, ids: list[str]) -> dict[str, list[str]]:
    """The document ids whose search does not put their page first, with the first results shown."""
    found = {i: results(page, origin, i) for i in ids}
    return {i: pages[:3] for i, pages in found.items() if pages[:1] != [f"sops/{i.lower()}/"]}
