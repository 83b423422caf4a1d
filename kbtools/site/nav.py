"""The site navigation, built from the knowledge base for one audience.

Documents sit under their department (department page first, as the section
index), so with `navigation.prune` a page only carries its own section's
links. A department of more than `SIDEBAR_DOCUMENTS` documents lists them
on its page only: every page carries its section's links, so a section of n
documents costs n links on each of its n pages, and the build time would grow
with the square of a department's size. A department without documents is
left out (its page is on the departments index). Owner and account pages are
reached from their directories and search, not the nav.
"""

from __future__ import annotations

from markupsafe import Markup

from ..kb import DocEntry
from . import urls
from .help import view_topics
from .htmltext import as_html
from .pages import docs_where, in_department, in_sidebar, shown_departments, shown_types
from .render import TYPE_NAMES
from .view import SiteView

NavItem = str | dict[str, "str | list[NavItem]"]  # a title is Markup: the theme prints it as HTML


def off_nav(view: SiteView) -> set[str]:
    """Pages left out of the navigation, not out of the site: the pages of departments without
    documents, and the documents of departments too large for the sidebar."""
    by_dept: dict[str, list[DocEntry]] = {}
    for entry in view.docs.values():
        by_dept.setdefault(entry.model.department, []).append(entry)
    left = {urls.department(d) for d in shown_departments(view) if d not in by_dept}
    for docs in by_dept.values():
        if not in_sidebar(docs):
            left.update(urls.doc(e.model.id) for e in docs)
    return left


def build_nav(view: SiteView, hand_written: list[str]) -> list[NavItem]:
    if not view.internal:
        return help_nav(view, hand_written)
    nav: list[NavItem] = [{"Home": urls.HOME}]
    departments: list[NavItem] = [urls.DEPARTMENTS]
    for dept_id in shown_departments(view):
        docs = docs_where(view, in_department(dept_id))
        if not docs:
            continue  # off_nav: its page is reached from the departments index
        children: list[NavItem] = [urls.department(dept_id)]
        if in_sidebar(docs):
            children += [{as_html(e.model.title): urls.doc(e.model.id)} for e in docs
                         if e.model.id not in view.redirects]
        departments.append({as_html(view.departments[dept_id].model.name): children})
    nav.append({"Departments": departments})
    types: list[NavItem] = [{Markup(TYPE_NAMES[t]): urls.doc_type(t)} for t in shown_types(view)]
    nav.append({"Document types": [urls.TYPES, *types]})
    if view.internal:
        nav += [{"Review dashboard": urls.REVIEWS}, {"Owners": urls.OWNERS}, {"Accounts": urls.ACCOUNTS},
                {"Report a knowledge gap": urls.GAPS}]
    nav += [{"Tags": urls.TAGS}, {"Glossary": urls.GLOSSARY}]
    if hand_written:
        nav.append({"About": list(hand_written)})
    return nav


def help_nav(view: SiteView, hand_written: list[str]) -> list[NavItem]:
    """The customers' navigation: home, then each help centre topic (its page first, as the section
    index) with its articles, each article under the first topic that lists it; the glossary."""
    nav: list[NavItem] = [{"Home": urls.HOME}]
    placed: set[str] = set()
    for topic in view_topics(view):
        children: list[NavItem] = [urls.topic(topic.id)]
        children += [{as_html(view.docs[d].model.title): urls.doc(d)} for d in topic.articles if d not in placed]
        placed.update(topic.articles)
        nav.append({as_html(topic.title): children})
    nav.append({"Glossary": urls.GLOSSARY})
    if hand_written:
        nav.append({"More help": list(hand_written)})
    return nav
