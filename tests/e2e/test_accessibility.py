"""Accessibility of every kind of page the sites build, checked with axe-core in headless Chromium.

axe-core comes from the `axe-playwright-python` package (its bundled axe.min.js). It is run in the
`tab` of tests/chromium.py, so a check fails on a console error or a request leaving the site as
every browser test does. Playwright evaluates axe's script through the DevTools protocol, which the
pages' Content-Security-Policy does not govern: the policy stays in force (no `bypass_csp`).
A test fails on every violation axe rates "serious" or "critical", naming the rule, the elements
(CSS selectors) and the page's address; "moderate" and "minor" ones are not gated.

Which pages: some of every kind, chosen from the built site itself, so a kind of page added later is
checked without a change here. The rule (`kinds`, `pages_to_check`):
  1. a page's kind is the shape of its address, and for a document page its document type (which
     its metadata links to as `types/<type>/`). The shape keeps the first folder, makes every folder
     below it a wildcard and keeps a file's name only at the top: `/` home, `departments/` the
     index, `departments/*/` a department, `sops/*/` a document, `checklists/*.html` a checklist
     download, `404.html`, `help/` a hand-written page;
  2. of each kind, pages are checked until every class name that any page of the kind uses, bar the
     theme's own (`md-…`), has been on a checked page: the site's components and their states
     (`kb-banner--retired`, `kb-step--approval`, `kb-status--draft`, …) and those of the checklist
     downloads. The page with the most classes not yet covered goes first (the first in address
     order on a tie), so a kind whose pages all look alike is checked once.
A retired document's page that forwards a reader to its successor (a `<meta http-equiv="refresh">`)
is checked with the refresh left out, as a browser that does not follow it shows the page; the
successor is checked on its own.

Two states that only a reader's actions reach are checked as well: the search dialog with a query
typed and its results shown, and the feedback widget after "No" (without a service, the fallback;
with one, stood in for by `page.route`, the comment box).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from chromium import Tab, require_chromium
from conftest import Sites

pytest_plugins = ["chromium"]

require_chromium()

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page, Route, expect  # noqa: E402

GATED = ("serious", "critical")
AXE = Axe()
CLASSES = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
DOC_TYPE = re.compile(r"""class="[^"]*\bkb-meta\b.*?href="[^"]*?\btypes/([\w-]+)/\"""", re.S)
REFRESH = re.compile(r"<meta\s+http-equiv=[\"']?refresh[^>]*>", re.I)
DOC_TYPES = {"sop", "policy", "process", "template", "article"}  # the fixture has a document of each


def address_shape(rel: PurePosixPath) -> str:
    """Rule 1: `departments/care/index.html` -> `departments/*/`, `checklists/x.html` -> `checklists/*.html`."""
    folders, name = rel.parts[:-1], rel.name
    shape = list(folders[:1]) + ["*"] * (len(folders) - 1)
    if name == "index.html":
        return "/".join(shape) + "/" if shape else "/"
    return "/".join([*shape, "*.html"]) if shape else name


Kind = tuple[str, str]  # (address shape, document type or "")


def kinds(site: Path) -> dict[Kind, dict[str, frozenset[str]]]:
    """Rule 1: the pages of the built `site` by kind, each (its address) with its class names but the theme's."""
    found: dict[Kind, dict[str, frozenset[str]]] = {}
    for path in sorted(site.rglob("*.html")):
        rel = PurePosixPath(path.relative_to(site).as_posix())
        address = str(rel)[: -len("index.html")] if rel.name == "index.html" else str(rel)
        html = path.read_text(encoding="utf-8")
        classes = frozenset(c for attr in CLASSES.findall(html) for c in " ".join(attr).split()
                            if not c.startswith("md-"))
        doc_type = DOC_TYPE.search(html)
        found.setdefault((address_shape(rel), doc_type.group(1) if doc_type else ""), {})[address] = classes
    return found


def pages_to_check(pages: dict[str, frozenset[str]]) -> list[str]:
    """Rule 2: pages of one kind until every class name of the kind is on one of them."""
    left = frozenset().union(*pages.values())
    chosen = [next(iter(pages))] if not left else []
    while left:
        best = max(pages, key=lambda address: len(pages[address] & left))  # the first of equals
        chosen.append(best)
        left -= pages[best]
    return chosen


def serious(page: Page) -> list[str]:
    """What axe finds serious or critical on the page as it is now, one line per rule."""
    results: dict[str, Any] = AXE.run(page).response
    return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"])
            for v in results["violations"] if v["impact"] in GATED]


def report(found: list[str]) -> str:
    return f"{len(found)} serious or critical accessibility violations:\n" + "\n".join(found)


def open_as_shown(tab: Tab, site: Path, address: str) -> Page:
    """Open a page; one that forwards the reader elsewhere is served without its refresh."""
    built = site / (address + "index.html" if address.endswith("/") or not address else address)
    html = built.read_text(encoding="utf-8")
    if REFRESH.search(html):
        still = REFRESH.sub("", html)
        tab.page.route(tab.origin + address, lambda route: route.fulfill(body=still, content_type="text/html"))
    page = tab.open(address)
    assert page.url == tab.origin + address, f"{address} forwarded the reader to {page.url}"
    return page


@pytest.mark.timeout(360)  # some fifty pages a site, each loaded and checked; under load it takes minutes
@pytest.mark.parametrize("tab", ["internal", "public"], indirect=True)
def test_no_kind_of_page_has_a_serious_or_critical_violation(tab: Tab, sites: Sites, request):
    audience = request.node.callspec.params["tab"]
    site: Path = getattr(sites, audience)
    by_kind = kinds(site)
    shapes = {shape for shape, _ in by_kind}
    assert {"/", "404.html", "sops/*/", "glossary/", "checklists/*.html"} <= shapes, sorted(shapes)
    if audience == "internal":
        assert {"types/", "types/*/", "departments/", "departments/*/", "tags/"} <= shapes
        assert {"owners/", "owners/*/", "reviews/", "accounts/", "accounts/*/", "gaps/"} <= shapes
        assert {t for shape, t in by_kind if shape == "sops/*/"} == DOC_TYPES
    else:  # the help centre
        assert {"topics/*/"} <= shapes
    found: list[str] = []
    for address in sorted(a for pages in by_kind.values() for a in pages_to_check(pages)):
        found += serious(open_as_shown(tab, site, address))
    assert not found, report(found)


@pytest.mark.parametrize("tab,words", [("internal", "handover"), ("public", "meter")], indirect=["tab"])
def test_the_search_dialog_with_results_shown(tab: Tab, words: str):
    tab.open("", idle=True)
    assert tab.search(words), f"no results for {words!r}: the dialog would be checked without any"
    expect(tab.page.locator(".md-search-result__item").first).to_be_visible()
    found = serious(tab.page)
    assert not found, report(found)


def stand_in(audience: str) -> Callable[[Route], None]:
    """The API of a service, for the widget's sake: its status, and no votes yet on any document."""
    def answer(route: Route) -> None:
        path = route.request.url.split("/api/v1/", 1)[1]
        if path == "status":
            route.fulfill(json={"service": "kb", "version": 1, "audience": audience})
        else:  # documents/<id>/helpfulness
            route.fulfill(json={"doc": path.split("/")[1], "votes": 0, "helpful": 0, "percent": None, "open": 0})
    return answer


@pytest.mark.parametrize("tab", ["internal", "public"], indirect=True)
@pytest.mark.parametrize("service", [False, True], ids=["static", "service"])
def test_the_feedback_widget_after_no(tab: Tab, request, service: bool):
    page = tab.page
    if service:
        page.route("**/api/v1/**", stand_in(request.node.callspec.params["tab"]))
    tab.open("sops/art-dsk-001/")  # an article: in both sites
    page.locator("form.kb-feedback button[data-md-value='0']").click()
    shown = page.locator(".kb-feedback__comment" if service else "#kb-feedback-fallback")
    expect(shown).to_be_visible()
    found = serious(page)
    assert not found, report(found)
