"""What readers saw, piece by piece: the home page's counts and dates, the navigation's departments,
the glossary's letters, blank checklists without a start date, and the review dashboard's chart
and filter data."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from conftest import SITE_FIXTURE, SITE_TODAY, run_kb
from kbtools.checklist.build import build
from kbtools.checklist.render import render
from kbtools.load.loader import load
from kbtools.site import pages, urls
from kbtools.site.chart import Bar, bar_chart
from kbtools.site.glossary import by_letter, letter_anchor
from kbtools.site.nav import build_nav, off_nav
from kbtools.site.render import Links, date_text
from kbtools.site.view import SiteView, build_view

TODAY = dt.date.fromisoformat(SITE_TODAY)


def copy_kb(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SITE_FIXTURE, tmp_path / "kb", ignore=shutil.ignore_patterns("docs")))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def view_of(root: Path, audience: str = "internal") -> SiteView:
    return build_view(load(root), audience, TODAY)


def rendered(view: SiteView, page: pages.SitePage) -> str:
    return page.render(Links(view, page.src[:-3] + "/", lambda src: src[:-3] + "/"), "")


def test_the_home_page_counts_overdue_reviews_and_not_those_dated_in_the_future(tmp_path):
    root = copy_kb(tmp_path)
    edit(root / "sops/field/SOP-FLD-001.md", "last_reviewed: 2026-09-14", "last_reviewed: 2026-12-01")
    view = view_of(root)
    states = [i.state for i in view.reviews]
    assert states.count("future") == 1 and states.count("overdue") >= 1
    home = rendered(view, pages.home(view, "Kestrel"))
    overdue = re.search(r"<strong>(\d+)</strong> reviews? overdue", home)
    assert overdue and int(overdue.group(1)) == states.count("overdue")
    assert re.search(r"<strong>1</strong> reviewed on a date in the future", home)


def test_without_future_dates_the_home_page_says_nothing_of_them():
    view = view_of(SITE_FIXTURE)
    assert "future" not in {i.state for i in view.reviews}
    assert "in the future" not in rendered(view, pages.home(view, "Kestrel"))


def test_recently_changed_shows_when_each_document_changed():
    view = view_of(SITE_FIXTURE)
    home = rendered(view, pages.home(view, "Kestrel"))
    recent = home[home.index('id="kb-recent"'):home.index('id="kb-more"')]
    items = re.findall(r"<li>.*?</li>", recent, re.S)
    assert items
    for item in items:
        doc_id = re.search(r">([A-Z]+-[A-Z]+-\d{3}) ", item).group(1)  # type: ignore[union-attr]
        doc = view.docs[doc_id].model
        newest = max([c.date for c in doc.changelog] + [doc.effective] + [d for d in [doc.last_reviewed] if d])
        assert f'<time datetime="{newest.isoformat()}">{date_text(newest)}</time>' in item


def test_the_navigation_leaves_out_a_department_without_documents(tmp_path):
    root = copy_kb(tmp_path)
    with (root / "org/departments.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  - id: lab\n    name: Water Laboratory\n    description: Tests samples.\n")
    view = view_of(root)
    assert "lab" in view.departments
    nav = build_nav(view, [])
    departments = next(item["Departments"] for item in nav if isinstance(item, dict) and "Departments" in item)
    names = [next(iter(d)) for d in departments if isinstance(d, dict)]
    assert "Water Laboratory" not in names and "Field Service" in names
    empty = {d for d in view.departments if not any(e.model.department == d for e in view.docs.values())}
    assert "lab" in empty and off_nav(view) == {urls.department(d) for d in empty}
    # The page is still made, and the departments index links it.
    srcs = {p.src for p in pages.all_pages(view, "Kestrel")}
    assert urls.department("lab") in srcs
    index = rendered(view, pages.departments_index(view))
    assert "Water Laboratory" in index


def test_the_glossary_is_grouped_under_its_letters():
    view = view_of(SITE_FIXTURE)
    letters = by_letter(view.terms)
    assert list(letters)[:26] == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert sum(len(terms) for terms in letters.values()) == len(view.terms)
    for letter, terms in letters.items():
        assert all(t.term[0].upper() == letter for t in terms)
    page = rendered(view, pages.glossary(view))
    for letter, terms in letters.items():
        anchor = letter_anchor(letter)
        if terms:
            assert f'<a href="#{anchor}"' in page and f'<h2 id="{anchor}">{letter}' in page
        else:
            assert f'id="{anchor}"' not in page


def test_a_term_that_starts_with_a_digit_goes_under_the_sign(tmp_path):
    root = copy_kb(tmp_path)
    with (root / "org/glossary.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  - term: 24/7\n    definition: Around the clock.\n")
    view = view_of(root)
    letters = by_letter(view.terms)
    assert [t.term for t in letters["#"]] == ["24/7"]
    assert f'<h2 id="{letter_anchor("#")}">#' in rendered(view, pages.glossary(view))


def test_a_blank_checklist_has_no_start_date(capsys):
    kb = load(SITE_FIXTURE)
    blank = build(kb, "PRC-FLD-001", start=None, today=TODAY)
    assert blank.start is None
    started = build(kb, "PRC-FLD-001", start=TODAY, today=TODAY)
    for fmt in ("md", "html", "csv"):  # no dates but the day it was generated: due dates say "30 days after start"
        assert set(re.findall(r"\d{4}-\d{2}-\d{2}", render(blank, fmt))) <= {SITE_TODAY}
        assert set(re.findall(r"\d{4}-\d{2}-\d{2}", render(started, fmt))) - {SITE_TODAY}
        assert "days after start" in render(blank, fmt)
    assert "Start:" not in render(blank, "md") and "Start:" not in render(blank, "html")
    assert '"start": null' in render(blank, "json")
    assert any(s.due_after and s.due is None for s in blank.steps)  # due dates stay relative
    cli = run_kb(["checklist", "SOP-CARE-002", "--root", str(SITE_FIXTURE), "--today", SITE_TODAY], capsys)
    assert cli.code == 0 and "Start:" not in cli.out
    started = run_kb(["checklist", "SOP-CARE-002", "--root", str(SITE_FIXTURE), "--today", SITE_TODAY,
                      "--start", "2026-12-01"], capsys)
    assert "- Start: 2026-12-01" in started.out
    account = run_kb(["checklist", "SOP-CARE-002", "--account", "ACC-00203", "--root", str(SITE_FIXTURE),
                      "--today", SITE_TODAY], capsys)
    assert f"- Start: {SITE_TODAY}" in account.out  # filled in for an account: it starts today


def test_chart_bars_link_where_told_and_say_what_they_count():
    chart = bar_chart([Bar("Petra <b>", 3, 1, "../owners/person-petra/"), Bar("Nobody", 0, 2)], "Title",
                      axis="Reviews (of documents)", label="Owner")
    assert '<a class="kb-chart__link" href="../owners/person-petra/">' in chart
    assert chart.count("<a ") == 1  # a bar without a page is no link
    assert ">3 overdue, 1 due soon</text>" in chart and ">0 overdue, 2 due soon</text>" in chart
    assert ">Reviews (of documents)</text>" in chart and ">Owner</text>" in chart
    assert "Petra &lt;b&gt;" in chart and "<b>" not in chart
    ticks = re.findall(r'class="kb-chart__tick"[^>]*>(\d+)<', chart)
    assert ticks[0] == "0" and int(ticks[-1]) >= 4


def test_the_dashboards_rows_say_their_kind_department_and_owner():
    view = view_of(SITE_FIXTURE)
    page = rendered(view, pages.reviews(view))
    rows = re.findall(r'<tr class="kb-row--[^"]*" data-kind="([^"]*)" data-department="([^"]*)" '
                      r'data-owner="([^"]*)">', page)
    due = view.due()
    assert len(rows) == len(due)
    for kind, department, owner in rows:
        assert kind in ("sop", "account", "account-plan") and owner.startswith(("person:", "team:"))
        assert department in view.departments


    def department(item) -> str:  # a document's own; an account's, its owner's (team)
        if item.kind == "sop":
            return view.docs[item.id].model.department
        kind, _, ident = item.owner.partition(":")
        team = view.people[ident].model.team if kind == "person" else ident
        return view.teams[team].model.department

    assert sorted(rows) == sorted((i.kind, department(i), i.owner) for i in due)
    assert {k for k, _, _ in rows} >= {"sop", "account"}
    for key in ("kind", "department", "owner"):
        assert f'<select id="kb-filter-{key}"' in page and f'<label for="kb-filter-{key}">' in page
    assert 'href="../owners/person-petra/"' in page.split('class="kb-chart"')[1].split("</svg>")[0]


def test_a_department_too_large_for_the_navigation_lists_its_documents_on_its_page(monkeypatch):
    view = view_of(SITE_FIXTURE)
    sizes: dict[str, int] = {}
    for entry in view.docs.values():
        sizes[entry.model.department] = sizes.get(entry.model.department, 0) + 1
    large = max(sizes, key=lambda d: sizes[d])
    monkeypatch.setattr(pages, "SIDEBAR_DOCUMENTS", sizes[large] - 1)  # `large` is over the limit
    nav = build_nav(view, [])
    departments = next(item["Departments"] for item in nav if isinstance(item, dict) and "Departments" in item)
    section = next(d for d in departments if isinstance(d, dict) and view.departments[large].model.name in d)
    assert next(iter(section.values())) == [urls.department(large)]  # its page only
    own = {urls.doc(e.model.id) for e in view.docs.values() if e.model.department == large}
    assert own <= off_nav(view)
    page = rendered(view, pages.department(view, large))
    assert "too many for the navigation" in page
    assert all(doc_id in page for doc_id in (e.model.id for e in view.docs.values() if e.model.department == large))
    smaller = next(d for d in sizes if sizes[d] < sizes[large] - 1) if min(sizes.values()) < sizes[large] - 1 else None
    if smaller is not None:  # a department within the limit keeps its documents in the navigation
        assert not {urls.doc(e.model.id) for e in view.docs.values() if e.model.department == smaller} & off_nav(view)
