"""The customers' site as a help centre: its topics (kb.yml `help_centre:`) and their articles.

A topic lists the public documents it names, in its order, then those carrying
any of its tags, by title. The public articles no topic lists make one more
topic ("Other articles", `OTHER_TOPIC`), so none is out of reach.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from .. import models
from ..config import OTHER_TOPIC, HelpCentre, chosen
from ..kb import DocEntry
from .render import Links, date_text, render
from .view import SiteView


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    description: str | None
    articles: tuple[str, ...]  # document ids, in the order the topic lists them


def topics(settings: HelpCentre, docs: Mapping[str, models.Sop]) -> list[Topic]:
    """The topics with at least one of `docs`, and "Other articles" for the rest when there are any."""
    found: list[Topic] = []
    placed: set[str] = set()
    for topic in settings.topics:
        articles = chosen(topic, docs)
        placed.update(articles)
        if articles:
            found.append(Topic(topic.id, topic.title, topic.description, tuple(articles)))
    rest = sorted((d for d in docs if d not in placed), key=lambda d: (docs[d].title.casefold(), d))
    if rest:
        found.append(Topic(OTHER_TOPIC, settings.other_title, None, tuple(rest)))
    return found


def last_change(doc: models.Sop, today: dt.date) -> dt.date:
    """The day the document last changed (its newest changelog entry or its effective date), never after today."""
    dates = [d for d in (doc.effective, *(c.date for c in doc.changelog)) if d <= today]
    return max(dates) if dates else today


def updated_text(day: dt.date, today: dt.date) -> str:
    """"Updated today", "Updated 1 day ago", "Updated 5 days ago"."""
    days = (today - day).days
    if days <= 0:
        return "Updated today"
    return f"Updated {days} day{'' if days == 1 else 's'} ago"


def updated_html(doc: models.Sop, today: dt.date) -> Markup:
    """"Updated N days ago", with the day itself as its machine-readable date and tooltip."""
    day = last_change(doc, today)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        day.isoformat(), date_text(day), updated_text(day, today))


_last: tuple[weakref.ref[SiteView], HelpCentre, list[Topic]] | None = None  # every article's page asks


def view_topics(view: SiteView) -> list[Topic]:
    """The help centre's topics of the view's articles (retired ones, which only redirect, left out)."""
    global _last
    settings = view.config.help_centre
    if _last is not None and _last[0]() is view and _last[1] is settings:
        return _last[2]
    docs = {i: e.model for i, e in view.docs.items() if i not in view.redirects}
    found = topics(settings, docs)
    _last = (weakref.ref(view), settings, found)
    return found


def help_context(view: SiteView) -> dict[str, object]:
    """What every help-centre template is rendered with besides the view: the support contact, dates."""
    contact = view.config.help_centre.contact
    mailto = f"mailto:{quote(contact.email, safe='@')}" if contact and contact.email else ""
    updated: Callable[[models.Sop], Markup] = lambda doc: updated_html(doc, view.today)  # noqa: E731
    return {"contact": contact, "mailto": mailto, "updated": updated}


def contact_block(view: SiteView) -> Markup:
    """"Still need help?" (kb.yml help_centre.contact), which the theme prints at the end of every page
    of the customers' site (docs/overrides/main.html, 404.html); nothing on the staff site."""
    if view.internal or view.config.help_centre.contact is None:
        return Markup("")
    return Markup(render("help_contact.html", view=view, **help_context(view)))


def help_head(view: SiteView, entry: DocEntry, links: Links) -> str:
    """Under an article's title: when it last changed and its topics (or, retired, what replaced it)."""
    doc = entry.model
    shown = [t for t in view_topics(view) if doc.id in t.articles]
    return render("help_head.html", view=view, doc=doc, links=links, topics=shown, **help_context(view))


def help_sections(view: SiteView, entry: DocEntry, links: Links) -> str:
    """After an article's body: steps, related articles, courses (the theme adds the contact)."""
    doc = entry.model
    related = [r for r in dict.fromkeys((*doc.related, *view.related_by.get(doc.id, [])))
               if r in view.docs and r not in view.redirects]
    return render("help_sections.html", view=view, doc=doc, links=links, related=related,
                  training=view.training_for.get(doc.id, []), **help_context(view))
