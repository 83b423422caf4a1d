"""The checklist output model: what `build` produces and every renderer reads.

It is also the JSON output's schema (`schemas/checklist.schema.json`, written
by `kb schema`), so a field renamed here is a change to that format. The class
names differ from the content models in `kbtools.models` (a document's `Step`
and `Approval`, a registry `Person`) because these are what a checklist shows,
resolved for one run, not what an author writes.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from .. import models

FORMAT_VERSION = 1


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Assignee(Out):
    """A person or team from the registry, by reference and name."""

    ref: str = Field(description="person:<id> or team:<id>")
    name: str
    email: str | None = None


class StepRef(Out):
    id: str
    number: int
    title: str


class ChoiceField(Out):
    id: str
    label: str
    kind: models.FieldKind
    options: list[str] = []


class Task(Out):
    text: str
    condition: str | None = Field(None, description="in a blank checklist: when the item applies")


class SignOff(Out):
    """A step's approval box: who signs it off and which steps it covers."""

    by: str = Field(description="the reference that approves: role:, person: or team:")
    by_name: str
    approvers: list[Assignee] = Field(description="who can sign it off (empty in a blank checklist)")
    covers: list[StepRef]


class ChecklistStep(Out):
    """One step of the document as the checklist lists it: numbered, assigned, due."""

    number: int
    id: str
    title: str
    anchor: str = Field(description="#step-<id> on the document's site page")
    role: str | None = None
    role_name: str | None = None
    assignees: list[Assignee] = []
    guidance: str | None = None
    items: list[Task] = []
    fields: list[ChoiceField] = []
    approval: SignOff | None = None
    due_after: str | None = Field(None, description="relative due date, e.g. '30 days' after the start")
    due: dt.date | None = None
    condition: str | None = None
    runs: list[models.Run] = Field([], description="the runs the step belongs to (empty: every run)")


class Named(Out):
    id: str
    summary: str
    status: str


class AccountFacts(Out):
    id: str
    name: str
    segment: str
    tier: int
    status: str
    health: str | None = None
    owner: Assignee
    team: dict[str, Assignee] = {}
    products: list[str] = []
    last_review: dt.date | None = None
    open_escalations: list[Named] = []
    opportunities: list[Named] = []
    open_tickets: list[Named] = []
    transition: dict[str, str] | None = None


class Source(Out):
    id: str
    title: str
    type: str
    version: str
    path: str


class Checklist(Out):
    """A checklist generated from a document's steps (`kb checklist --format json`)."""

    format_version: int = FORMAT_VERSION
    title: str
    source: Source
    generated: dt.date
    start: dt.date | None = Field(description="the date relative due dates count from; none: a blank checklist, "
                                              "not started (each due date says how long after the start)")
    run: models.Run | None = Field(None, description="the run the checklist is for (setup, review); none: every step")
    account: AccountFacts | None = None
    inputs: dict[str, str] = {}
    steps: list[ChecklistStep]
    skipped: list[StepRef] = Field([], description="steps whose conditions the account does not meet")
