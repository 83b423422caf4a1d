"""The run output model: `kb checklist`'s shape, each item with its state, who and when.

It is the JSON of `kb run export --format json` and its schema
(`schemas/run.schema.json`, written by `kb schema`): the checklist as it was
frozen when the run started, each task, field and gate extended with where it
stands, each step with its comments, and the run with its state.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from ..checklist.model import Checklist as _Checklist
from ..checklist.model import ChecklistStep, ChoiceField, Out, SignOff, Task

FORMAT_VERSION = 1
RunState = Literal["in progress", "waiting for approval", "overdue", "done"]
RUN_STATES: tuple[RunState, ...] = ("in progress", "waiting for approval", "overdue", "done")
StepState = Literal["open", "locked", "done"]


class Mark(Out):
    """Who last changed an item, and when (none: never changed)."""

    by: str | None = None
    at: dt.datetime | None = None


class RunTask(Task):
    key: str = Field(description="the item's id in the run: <step>/items/<n>, or <step>/done for a bare step")
    done: bool = False
    changed: Mark = Mark()


class RunField(ChoiceField):
    key: str = Field(description="<step>/fields/<field id>")
    value: str | list[str] | None = Field(None, description="a list for multiple choice")
    changed: Mark = Mark()


class RunSignOff(SignOff):
    key: str = Field(description="<step>/approval")
    decision: Literal["approved", "rejected"] | None = None
    note: str | None = None
    changed: Mark = Mark()


class RunComment(Out):
    by: str | None
    at: dt.datetime
    text: str


class RunStep(ChecklistStep):
    state: StepState = Field(description="locked: an earlier gate is not approved yet")
    items: list[RunTask] = Field(default_factory=list)  # type: ignore[assignment]
    fields: list[RunField] = Field(default_factory=list)  # type: ignore[assignment]
    approval: RunSignOff | None = None
    done_item: RunTask | None = Field(None, description="the tick of a step with no tasks of its own")
    comments: list[RunComment] = Field(default_factory=list)


class RunDocument(Out):
    """The document as it is now, when it has changed since the run started."""

    version: str
    changes: list[str] = Field([], description="changelog summaries since the run's version")


class Run(_Checklist):
    """A checklist run (`kb run export --format json`)."""

    format_version: int = FORMAT_VERSION
    start: dt.date = Field(description="the date relative due dates count from")  # a run has always started
    id: str = Field(description="RUN-<n>")
    state: RunState
    created: dt.datetime
    created_by: str | None = None
    steps: list[RunStep]  # type: ignore[assignment]
    document_now: RunDocument | None = Field(None, description="set when the document changed since the start")
