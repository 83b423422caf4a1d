"""A document's page: banner, metadata panel, the body, then the sections from front matter."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markupsafe import Markup

from .. import models
from ..checklist.build import describe_runs, describe_when, runs_of
from ..kb import DocEntry
from .help import help_head, help_sections
from .render import Links, render
from .view import SiteView, TrainingLink


@dataclass(frozen=True, slots=True)
class Banner:
    """The review state of a document as of the build date."""

    state: str  # current | due-soon | overdue | future | draft | retired
    today: dt.date
    last: dt.date | None = None
    due: dt.date | None = None
    days: int | None = None


@dataclass(slots=True)
class StepView:
    number: int
    step: models.Step
    covers: list[StepView] = field(default_factory=list)  # an approval gate: the steps it approves
    approved_in: list[StepView] = field(default_factory=list)  # the gates that approve this step

    @property
    def when(self) -> str | None:
        return describe_when(self.step.when)

    @property
    def runs(self) -> str | None:
        return describe_runs(self.step.runs)

    def items(self) -> list[tuple[str, str | None]]:
        return [(i, None) if isinstance(i, str) else (i.text, describe_when(i.when)) for i in self.step.items]


def banner(view: SiteView, doc: models.Sop) -> Banner:
    if doc.status in ("draft", "retired"):
        return Banner(doc.status, view.today, doc.last_reviewed)
    item = view.doc_review(doc.id)
    if item is None:
        return Banner("draft", view.today, doc.last_reviewed)
    state = {"ok": "current"}.get(item.state, item.state)
    return Banner(state, view.today, item.last, item.due, item.days_left)


def step_views(doc: models.Sop) -> list[StepView]:
    steps = [StepView(n, s) for n, s in enumerate(doc.steps, 1)]
    by_id = {s.step.id: s for s in steps}
    for gate in steps:
        if gate.step.approval is None:
            continue
        for covered_id in gate.step.approval.covers:
            covered = by_id.get(covered_id)
            if covered is not None:
                gate.covers.append(covered)
                covered.approved_in.append(gate)
    return steps


_H1 = re.compile(r"\s*(<h1\b[^>]*>.*?</h1>)", re.S)


def split_title(body_html: str, title: str) -> tuple[Markup, Markup]:
    """The body's own h1 (or one made from the title) and the rest of the body."""
    found = _H1.match(body_html)
    if found:
        return Markup(found.group(1)), Markup(body_html[found.end():])
    return Markup("<h1>{}</h1>").format(title), Markup(body_html)


def render_head(view: SiteView, entry: DocEntry, links: Links) -> str:
    """Banner and metadata panel, shown under the title."""
    if not view.internal:  # the customers' help centre: no review banner, no staff metadata
        return help_head(view, entry, links)
    doc = entry.model
    return render(
        "sop_head.html", doc=doc, banner=banner(view, doc), links=links, view=view,
        dept=view.departments.get(doc.department),
    )


def render_sections(view: SiteView, entry: DocEntry, links: Links) -> str:
    """Roles, steps, related documents, training and history, after the body."""
    if not view.internal:
        return help_sections(view, entry, links)
    doc = entry.model
    training: list[TrainingLink] = view.training_for.get(doc.id, [])
    steps = step_views(doc)
    return render(
        "sop_sections.html", doc=doc, steps=steps, links=links, view=view,
        step_of={s.step.id: s for s in steps},
        runs=[(run, models.RUN_NAMES[run]) for run in runs_of(doc)],
        related=[r for r in doc.related if r in view.docs],
        related_by=view.related_by.get(doc.id, []),
        training=training,
    )
