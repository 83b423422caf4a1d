"""Every page the plugin adds: one per document and the generated ones.

A `SitePage` knows its source path (from `urls`), its title and how to render
itself once MkDocs knows where it sits. Document pages carry their Markdown
body (rendered by MkDocs, then sanitised); generated pages are templates only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from markupsafe import Markup

from .. import models
from ..kb import DocEntry
from ..models import ACCOUNT_ID_RE
from ..workload import Workload, workloads
from . import compare, urls
from .account_checklists import procedures
from .accounts import public_items, value_html
from .chart import Bar, bar_chart
from .dashboard import choices, row_data
from .feedback import gap_fallback
from .glossary import by_letter, letter_anchor
from .help import help_context, view_topics
from .render import TYPE_NAMES, Links, render
from .sop_page import render_head, render_sections, split_title, taught_steps
from .view import SiteView

Renderer = Callable[[Links, str], str]  # (links from this page, rendered Markdown) -> HTML
HEALTH_ORDER = {"red": 0, "yellow": 1, "green": 2, None: 3}


@dataclass(frozen=True, slots=True)
class SitePage:
    src: str
    title: str
    render: Renderer
    markdown: str = ""
    meta: Mapping[str, object] = field(default_factory=dict)
    doc_id: str | None = None  # the document a document's page shows


def all_pages(view: SiteView, site_name: str) -> list[SitePage]:
    pages = [document_page(view, entry) for entry in view.docs.values()]
    if not view.internal:  # the customers' help centre, by topic
        return pages + help_pages(view, site_name)
    pages += [home(view, site_name), departments_index(view), types_index(view), tags(view), glossary(view)]
    pages += [department(view, d) for d in shown_departments(view)]
    pages += [doc_type(view, t) for t in shown_types(view)]
    if view.internal:
        pages += [owners_index(view), reviews(view), accounts_index(view), gaps(view)]
        pages += [owner(view, ref) for ref in view.owners()]
        pages += [account(view, a) for a in view.accounts]
        pages += compare.pages(view)
    return pages


def _template(name: str, view: SiteView, **context: object) -> Renderer:
    return lambda links, _body: render(name, view=view, links=links, **context)


# -- documents -----------------------------------------------------------------


def document_page(view: SiteView, entry: DocEntry) -> SitePage:
    doc = entry.model

    def page(links: Links, body: str) -> str:
        title, rest = split_title(body, doc.title)
        return title + Markup(render_head(view, entry, links)) + rest + Markup(render_sections(view, entry, links))

    search = {"exclude": True} if doc.id in view.redirects else {"boost": 2}  # search finds the successor
    title = f"{doc.id} {doc.title}" if view.internal else doc.title  # customers read titles, not ids
    return SitePage(urls.doc(doc.id), title, page, entry.body,
                    {"search": search, "description": doc.summary or doc.title}, doc.id)


def docs_where(view: SiteView, test: Callable[[models.Sop], bool]) -> list[DocEntry]:
    return [e for e in view.docs.values() if test(e.model)]


def in_department(dept_id: str) -> Callable[[models.Sop], bool]:
    """A `docs_where` test: the documents of one department."""
    return lambda s: s.department == dept_id


def of_type(type_id: str) -> Callable[[models.Sop], bool]:
    """A `docs_where` test: the documents of one type."""
    return lambda s: s.type == type_id


# -- listings ------------------------------------------------------------------

LISTING = {"search": {"exclude": True}, "hide": ["feedback"]}


def shown_departments(view: SiteView) -> list[str]:
    """Every department for staff; for customers only those with a public document."""
    used = {e.model.department for e in view.docs.values()}
    return [d for d in view.departments if view.internal or d in used]


SIDEBAR_DOCUMENTS = 60  # a department's documents listed in the navigation, at most (nav.py)


def in_sidebar(docs: list[DocEntry]) -> bool:
    """Whether a department's documents are listed in the navigation (else on its page only)."""
    return len(docs) <= SIDEBAR_DOCUMENTS


def shown_types(view: SiteView) -> list[str]:
    used = {e.model.type for e in view.docs.values()}
    return [t for t in models.DOC_TYPES if t in used]


def home(view: SiteView, site_name: str) -> SitePage:
    depts = [(view.departments[d].model, len(docs_where(view, in_department(d))))
             for d in shown_departments(view)]
    depts = [(dept, count) for dept, count in depts if count]
    types = [(t, len(docs_where(view, of_type(t)))) for t in shown_types(view)]
    recent = sorted(((e, _changed(e.model)) for e in view.docs.values()),
                    key=lambda pair: (pair[1], pair[0].model.id), reverse=True)[:6]
    counts = Counter(i.state for i in view.reviews)  # "future" (a review dated after today) is not overdue
    return SitePage(urls.HOME, "Home", _template("home.html", view, site_name=site_name, depts=depts, types=types,
                                               recent=recent, counts=counts), meta=LISTING)


def _changed(doc: models.Sop) -> dt.date:
    dates = [c.date for c in doc.changelog] + [doc.effective]
    if doc.last_reviewed:
        dates.append(doc.last_reviewed)
    return max(dates)


def departments_index(view: SiteView) -> SitePage:
    depts = [view.departments[d].model for d in shown_departments(view)]
    counts = Counter(e.model.department for e in view.docs.values())
    return SitePage(urls.DEPARTMENTS, "Departments",
                    _template("departments.html", view, depts=depts, counts=counts), meta=LISTING)


def department(view: SiteView, dept_id: str) -> SitePage:
    dept = view.departments[dept_id].model
    teams = [t.model for t in view.teams.values() if t.model.department == dept_id] if view.internal else []
    docs = docs_where(view, lambda s: s.department == dept_id)
    return SitePage(urls.department(dept_id), dept.name,
                    _template("department.html", view, dept=dept, teams=teams, docs=docs,
                                      listed_in_sidebar=in_sidebar(docs)), meta=LISTING)


def types_index(view: SiteView) -> SitePage:
    types = [(t, len(docs_where(view, of_type(t)))) for t in shown_types(view)]
    return SitePage(urls.TYPES, "Document types", _template("types.html", view, types=types), meta=LISTING)


def doc_type(view: SiteView, type_id: str) -> SitePage:
    docs = docs_where(view, lambda s: s.type == type_id)
    return SitePage(urls.doc_type(type_id), TYPE_NAMES[type_id],
                    _template("type.html", view, type_id=type_id, docs=docs), meta=LISTING)


def tags(view: SiteView) -> SitePage:
    by_tag: dict[str, list[DocEntry]] = defaultdict(list)
    for entry in view.docs.values():
        for tag in entry.model.tags:
            by_tag[tag].append(entry)
    return SitePage(urls.TAGS, "Tags", _template("tags.html", view, by_tag=dict(sorted(by_tag.items()))),
                    meta=LISTING)


def glossary(view: SiteView) -> SitePage:
    return SitePage(urls.GLOSSARY, "Glossary", _template("glossary.html", view, terms=view.terms,
                                                         letters=by_letter(view.terms), letter_anchor=letter_anchor),
                    meta={"hide": ["feedback"]})


# -- internal only -------------------------------------------------------------


def owner_rows(view: SiteView) -> list[Workload]:
    """Every owner the audience sees, in directory order, with what they own and what is due."""
    found = workloads(view.docs.values(), view.accounts.values(), (), view.reviews)
    return [found.get(ref) or Workload(ref) for ref in view.owners()]


def owners_index(view: SiteView) -> SitePage:
    rows = owner_rows(view)
    return SitePage(urls.OWNERS, "Owners", _template("owners.html", view, rows=rows), meta=LISTING)


def owner(view: SiteView, ref: str) -> SitePage:
    kind, _, ident = ref.partition(":")
    record = (view.people if kind == "person" else view.teams)[ident].model
    members = [p.model for p in view.members(ident)] if kind == "team" else []
    accounts = sorted(view.owned_accounts(ref), key=lambda a: a.model.id)
    return SitePage(
        urls.owner(ref), record.name,
        _template("owner.html", view, ref=ref, kind=kind, record=record, members=members,
                  docs=view.owned_docs(ref), accounts=accounts, due=view.due(ref),
                  training=[(t, taught_steps(view, t)) for t in view.training if t.owner == ref]),
        meta={"hide": ["feedback"]},
    )


def reviews(view: SiteView) -> SitePage:
    due = view.due()
    by_kind = Counter((i.kind == "sop", i.state) for i in view.reviews)
    rows = [r for r in owner_rows(view) if r.overdue or r.due_soon]
    rows.sort(key=lambda r: (-r.overdue, -r.due_soon, r.owner))

    def page(links: Links, _body: str) -> str:
        bars = [Bar(view.display_name(r.owner), r.overdue, r.due_soon, links.href(urls.owner(r.owner)))
                for r in rows]
        chart = bar_chart(bars, "Reviews overdue and due soon, by owner (each bar links to the owner's page)",
                          axis="Reviews (of documents, accounts and account plans)", label="Owner")
        return render("reviews.html", view=view, links=links, overdue=[i for i in due if i.state != "due-soon"],
                      due_soon=[i for i in due if i.state == "due-soon"], by_kind=by_kind, rows=rows,
                      chart=chart, window=view.config.due_soon_days, choices=choices(view, due),
                      row_data=partial(row_data, view))

    return SitePage(urls.REVIEWS, "Review dashboard", page, meta=LISTING)


def accounts_index(view: SiteView) -> SitePage:
    entries = sorted(view.accounts.values(),
                     key=lambda a: (a.model.tier, HEALTH_ORDER[a.model.health], a.model.name))
    tiers: dict[int, list[models.Account]] = defaultdict(list)
    for entry in entries:
        tiers[entry.model.tier].append(entry.model)
    matrix = Counter((a.model.tier, a.model.health) for a in entries)
    return SitePage(urls.ACCOUNTS, "Accounts",
                    _template("accounts.html", view, tiers=dict(tiers), matrix=matrix), meta=LISTING)


def gaps(view: SiteView) -> SitePage:
    """"Report a knowledge gap": the form feedback.js posts to the service, with the ids it accepts
    (every document with the link the form offers without the service, every account)."""
    docs = [(e.model, gap_fallback(view, doc_id)) for doc_id, e in view.docs.items()]
    accounts = sorted((a.model for a in view.accounts.values()), key=lambda a: a.id)
    return SitePage(urls.GAPS, "Report a knowledge gap",
                    _template("gaps.html", view, docs=docs, accounts=accounts, fallback=gap_fallback(view, None),
                              fallback_kind=view.config.feedback.fallback, doc_pattern=models.DOC_ID,
                              account_pattern=ACCOUNT_ID_RE.strip("^$")),
                    meta=LISTING)


def account(view: SiteView, account_id: str) -> SitePage:
    record = view.accounts[account_id].model

    def page(links: Links, _body: str) -> str:
        fields = [(name, value_html(value, links)) for name, value in public_items(record)]
        return render("account.html", view=view, links=links, account=record, fields=fields,
                      review=view.review_of.get(("account", account_id)),
                      plan=view.review_of.get(("account-plan", account_id)), procedures=procedures(view, record))

    return SitePage(urls.account(account_id), f"{record.id} {record.name}", page, meta={"hide": ["feedback"]})


# -- the help centre (public builds) ---------------------------------------------


def help_pages(view: SiteView, site_name: str) -> list[SitePage]:
    """The customers' home page by topic, one page per topic, and the glossary of their articles' terms."""
    shown = view_topics(view)
    context = help_context(view)
    pages = [SitePage(urls.HOME, "Home", _template("help_home.html", view, site_name=site_name, topics=shown,
                                                   **context), meta=LISTING)]
    pages += [SitePage(urls.topic(t.id), t.title, _template("help_topic.html", view, topic=t, **context),
                       meta={**LISTING, "description": t.description or t.title}) for t in shown]
    return [*pages, glossary(view)]
