"""The help centre's pieces: which articles a topic lists, "Updated N days ago", and hostile
settings rendered as text."""

from __future__ import annotations

import datetime as dt

from conftest import SITE_FIXTURE, SITE_TODAY
from hostile import COMPACT, MARKER, scan_html
from kbtools import models
from kbtools.config import HelpCentre
from kbtools.load.loader import load
from kbtools.site import urls
from kbtools.site.help import chosen, contact_block, help_head, help_sections, last_change, topics, updated_text
from kbtools.site.pages import help_pages
from kbtools.site.render import Links
from kbtools.site.view import build_view

TODAY = dt.date.fromisoformat(SITE_TODAY)


def test_updated_reads_today_one_day_and_days():
    day = dt.date(2026, 3, 1)
    assert [updated_text(day, day + dt.timedelta(days=n)) for n in (0, 1, 2, 40)] == [
        "Updated today", "Updated 1 day ago", "Updated 2 days ago", "Updated 40 days ago"]


def test_the_last_change_is_the_newest_change_up_to_today(site_kb):
    doc = site_kb.docs["ART-DSK-001"].model
    assert last_change(doc, TODAY) == max(c.date for c in doc.changelog)
    ahead = doc.model_copy(update={"changelog": (models.Change(version="2.0", date=TODAY + dt.timedelta(days=3),
                                                               summary="Planned."), *doc.changelog)})
    assert last_change(ahead, TODAY) == max(c.date for c in doc.changelog)  # a change still to come is not one


def test_a_topic_lists_named_documents_first_then_tagged_ones_and_other_articles_take_the_rest(site_kb):
    docs = {i: e.model for i, e in site_kb.docs.items() if e.model.audience == "public"}
    settings = HelpCentre.model_validate({"topics": ({"id": "help", "title": "Help", "documents": ("ART-DSK-002",),
                                                      "tags": ("self-help",)},)})
    assert chosen(settings.topics[0], docs) == ["ART-DSK-002", "ART-DSK-001"]
    only_named = HelpCentre.model_validate({"topics": ({"id": "m", "title": "M", "documents": ("ART-DSK-002",)},)})
    found = topics(only_named, docs)
    assert [(t.id, t.title) for t in found] == [("m", "M"), ("other", "Other articles")]
    assert "ART-DSK-002" not in found[1].articles and "ART-DSK-001" in found[1].articles


def test_hostile_help_centre_settings_are_shown_as_text():
    kb = load(SITE_FIXTURE)
    view = build_view(kb, "public", TODAY)
    hostile = HelpCentre.model_validate({
        "topics": ({"id": "supply", "title": f"Supply {COMPACT}", "description": COMPACT, "tags": ("interruptions",)},),
        "other_title": COMPACT,
        "contact": {"text": COMPACT, "label": COMPACT, "url": "https://x.example/a?b=1&c=2",
                    "email": "help@x.example"},
    })
    view.config = view.config.model_copy(update={"help_centre": hostile})
    links = Links(view, "", urls.published)
    rendered = [page.render(links, "") for page in help_pages(view, COMPACT)]
    entry = view.docs["ART-DSK-001"]
    contact = contact_block(view)
    rendered += [help_head(view, entry, links), help_sections(view, entry, links), contact]
    for html in rendered:
        assert scan_html(html) == [], html
        assert f"<{MARKER}>" not in html
    assert f"&lt;{MARKER}&gt;" in rendered[0]  # the home page
    assert f"&lt;{MARKER}&gt;" in contact and 'href="https://x.example/a?b=1&amp;c=2"' in contact


def test_the_contact_block_is_for_customers_only():
    kb = load(SITE_FIXTURE)
    assert "Still need help?" in contact_block(build_view(kb, "public", TODAY))
    assert contact_block(build_view(kb, "internal", TODAY)) == ""
