"""A document's page: banner, metadata panel, the body, then the sections from front matter."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markupsafe import Markup

from .. import models
from ..checklist.build import describe_runs, describe_when, runs_of
from ..kb import DocEntry
from . import urls
from .help import help_head, help_sections
from .render import Links, render
from .repo_links import repo_links
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

    def in_run(self, run: models.Run) -> bool:
        """Is the step part of the run (a step that names no runs is part of every one)?"""
        return not self.step.runs or run in self.step.runs

    def role_holds(self, role_id: str) -> bool:
        """Does the role work this step, or approve it at this gate?"""
        approval = self.step.approval
        return self.step.role == role_id or (approval is not None and approval.by == f"role:{role_id}")

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


def taught_steps(view: SiteView, material: models.Training) -> list[tuple[str, list[StepView]]]:
    """The documents a training material links to that the audience sees, each with the steps it names."""
    out = []
    for link in material.links:
        entry = view.docs.get(link.sop)
        if entry is None:
            continue
        by_id = {s.step.id: s for s in step_views(entry.model)}
        out.append((link.sop, [by_id[sid] for sid in link.steps if sid in by_id]))
    return out


_H1 = re.compile(r"\s*(<h1\b[^>]*>.*?</h1>)", re.S)


def split_title(body_html: str, title: str) -> tuple[Markup, Markup]:
    """The body's own h1 (or one made from the title) and the rest of the body."""
    found = _H1.match(body_html)
    if found:
        return Markup(found.group(1)), Markup(body_html[found.end():])
    return Markup("<h1>{}</h1>").format(title), Markup(body_html)


def review_log(doc: models.Sop) -> list[models.ReviewEntry]:
    """The document's reviews, the latest first (the first is the "Verified by" badge)."""
    return sorted(doc.reviews, key=lambda r: r.date, reverse=True)


def render_head(view: SiteView, entry: DocEntry, links: Links) -> str:
    """Banner and metadata panel, shown under the title; on the staff site also who verified the
    document last and the links into the repository (edit the file, suggest a change)."""
    if not view.internal:  # the customers' help centre: no review banner, no staff metadata
        return help_head(view, entry, links)
    doc = entry.model
    return render(
        "sop_head.html", doc=doc, banner=banner(view, doc), links=links, view=view,
        dept=view.departments.get(doc.department), reviews=review_log(doc),
        repo=repo_links(view.config, doc, entry.path, urls.published(urls.doc(doc.id))),
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
        steps_of_role={duty.role: [s for s in steps if s.role_holds(duty.role)] for duty in doc.roles},
        runs=[(run, models.RUN_NAMES[run], [s for s in steps if s.in_run(run)]) for run in runs_of(doc)],
        related=[r for r in doc.related if r in view.docs],
        related_by=view.related_by.get(doc.id, []),
        training=training,
    )
