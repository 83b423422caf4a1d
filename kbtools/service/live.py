"""The service's own pages: the feedback dashboard and each document's helpfulness, read live from the store.

They are pages of the service, not of the static build, so a build stays
reproducible from the repository alone. They use the built site's own
stylesheets and no script at all; every value is escaped by the templates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..kb import KnowledgeBase
from ..loop.store import CLOSED_STATES, OPEN_STATES, Item, Store, now
from ..loop.triage import department_name, department_of, doc_department, doc_owner, owner_of
from ..site import urls
from ..site.chart import Bar, bar_chart
from ..templates import environment

if TYPE_CHECKING:
    from jinja2 import Environment

    from .app import Service

POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
          "base-uri 'none'; form-action 'none'")
FORM_POLICY = POLICY.replace("form-action 'none'", "form-action 'self'")
SHOWN = 500  # open items listed on the dashboard at most (the oldest)


@cache
def _env() -> Environment:
    return environment("kbtools.service")


@dataclass(frozen=True, slots=True)
class Row:
    """An open item as the dashboard lists it."""

    item: Item
    age: int  # days since it was sent
    owner: str
    owner_name: str
    department: str | None
    title: str | None


def document_summary(store: Store, doc: str) -> dict[str, Any]:
    """Votes, the share that found the page helpful, and the items still open, for one document."""
    votes = store.votes(doc).get(doc)
    still_open = sum(store.open_counts([doc]).values())
    return {"votes": votes.votes if votes else 0, "helpful": votes.helpful if votes else 0,
            "percent": votes.percent if votes else None, "open": still_open}


def _rows(kb: KnowledgeBase, items: list[Item], today: dt.datetime) -> list[Row]:
    rows = []
    for item in items:
        owner = owner_of(kb, item)
        entry = kb.docs.get(item.doc) if item.doc else None
        rows.append(Row(item, (today - item.created).days, owner, kb.display_name(owner),
                        department_of(kb, item), entry.model.title if entry else None))
    return rows


def _layout(service: Service, title: str, **context: Any) -> str:
    return _env().get_template(context.pop("template")).render(
        title=title, stylesheets=service.stylesheets, generated=now().strftime("%Y-%m-%d %H:%M"),
        acting_as=acting_as(service), **context)


def acting_as(service: Service) -> str | None:
    """"Name (person:<id>)" when the service makes every change as one person (`kb serve --as`)."""
    ref = service.settings.acting_as
    return f"{service.kb.display_name(ref)} ({ref})" if ref else None


def dashboard_page(service: Service) -> str:
    from .runs import run_counts  # the run pages use this module's layout

    kb = service.kb
    counts = service.store.open_counts()  # the totals from SQL; only the oldest SHOWN items are read whole
    rows = _rows(kb, service.store.items(states=OPEN_STATES, limit=SHOWN), now())
    by_owner: Counter[str] = Counter()
    by_department: Counter[str] = Counter()
    new_by_department: Counter[str] = Counter()
    open_by_doc: Counter[str | None] = Counter()
    for (doc, state), n in counts.items():
        owner, department = doc_owner(kb, doc), doc_department(kb, doc) or ""
        by_owner[owner] += n
        by_department[department] += n
        new_by_department[department] += n if state == "new" else 0
        open_by_doc[doc] += n
    departments = sorted(by_department, key=lambda d: (-by_department[d], d))

    def named(dept: str) -> str:
        return department_name(kb, dept) or "No document (pages and gaps)"

    chart = bar_chart(
        [Bar(named(d), new_by_department[d], by_department[d] - new_by_department[d]) for d in departments],
        "Open items by department: new, and in triage", names=("new", "in triage"))
    votes = service.store.votes()
    helpfulness = sorted(
        ((doc, v, open_by_doc[doc]) for doc, v in votes.items() if doc in service.view.docs),
        key=lambda t: (t[1].percent if t[1].percent is not None else 101, t[0]))
    return _layout(
        service, "Feedback dashboard", template="dashboard.html", rows=rows, total=sum(counts.values()),
        by_owner=[(ref, kb.display_name(ref), n) for ref, n in by_owner.most_common()],
        by_department=[(named(d), by_department[d]) for d in departments],
        chart=chart, helpfulness=helpfulness, docs=service.view.docs, runs=run_counts(service))


def document_page(service: Service, doc: str) -> str:
    kb = service.kb
    entry = service.view.docs[doc]
    summary = document_summary(service.store, doc)
    open_items = service.store.items(docs=[doc], states=OPEN_STATES, limit=SHOWN)
    closed = service.store.items(docs=[doc], states=CLOSED_STATES, limit=SHOWN)
    rows = _rows(kb, open_items + closed, now())
    return _layout(service, f"Feedback on {doc}", template="document.html", doc=entry.model, summary=summary,
                   shown=SHOWN,
                   doc_url="/" + urls.published(urls.doc(doc)),
                   open_rows=[r for r in rows if r.item.open], closed_rows=[r for r in rows if not r.item.open],
                   owner_name=kb.display_name(entry.model.owner))


def message_page(title: str, message: str, acting: str | None = None, back: str | None = None) -> str:
    return _env().get_template("message.html").render(title=title, message=message, stylesheets=(),
                                                      acting_as=acting, back=back)


def not_found_page(kb: KnowledgeBase, doc: str) -> str:
    return message_page("Not found", f"There is no document {doc} on this site.")


def unavailable_page(kb: KnowledgeBase) -> str:
    return message_page("Feedback unavailable", "The feedback store cannot be read just now; try again shortly.")
