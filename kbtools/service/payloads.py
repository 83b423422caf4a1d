"""What the API accepts: the bodies of its posts, validated by pydantic before anything is stored.

Unknown keys, wrong types and over-long strings are refused (422). Text may
hold any printable characters and line breaks; other control characters are
refused rather than stored, since every place that shows a comment would have
to neutralise them. Whether a document id names a document of this site is
the app's check: it needs the knowledge base.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ..models import ACCOUNT_ID_RE, DOC_ID_RE
from .settings import MAX_TEXT

# C0 and C1 controls but tab and line breaks; the line and paragraph separators; the bidirectional
# and invisible format characters (which reorder or hide what a reader or a terminal shows).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_INVISIBLE = re.compile(r"[\s\u200b-\u200d]+")


def _printable(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("contains control characters")
    return text


def _blank(text: str) -> bool:
    return not _INVISIBLE.sub("", text)


def _not_blank(text: str) -> str:
    if _blank(text):
        raise ValueError("must not be empty")
    return text


def _blank_is_none(text: str | None) -> str | None:
    return None if text is None or _blank(text) else text


def _site_path(text: str) -> str:
    if text.startswith("//") or "\\" in text:
        raise ValueError("must be a path on this site (/...)")
    return text


Comment = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_printable)]
Short = Annotated[str, StringConstraints(max_length=200), AfterValidator(_printable)]
Page = Annotated[str, StringConstraints(max_length=500, pattern=r"^/[^\s]*$"), AfterValidator(_printable),
                AfterValidator(_site_path)]
DocRef = Annotated[str, StringConstraints(max_length=40, pattern=DOC_ID_RE)]
AccountRef = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_RE)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FeedbackIn(Payload):
    doc: DocRef | None = None
    page: Page
    helpful: bool
    comment: Annotated[Comment | None, AfterValidator(_blank_is_none)] = None


class GapIn(Payload):
    question: Annotated[Comment, AfterValidator(_not_blank)]
    kind: Literal["unknown", "cannot"]
    product: Annotated[Short | None, AfterValidator(_blank_is_none)] = None
    account: AccountRef | None = None
    doc: DocRef | None = None
    page: Page | None = None


ItemKey = Annotated[str, StringConstraints(max_length=200, pattern=r"^[a-z0-9][a-z0-9-]*/[a-z0-9/-]+$")]
StepId = Annotated[str, StringConstraints(max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Value = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_printable)]


class RunChangeIn(Payload):
    """A change to one item of a run: tick or untick a task, set a field, approve or reject a gate."""

    item: ItemKey
    action: Literal["tick", "untick", "set", "approve", "reject"]
    value: Annotated[list[Short], Field(max_length=50)] | Value | None = None
    note: Annotated[Comment | None, AfterValidator(_blank_is_none)] = None
    seen: Annotated[int, Field(ge=0)] | None = None  # the item's version the sender saw


class RunCommentIn(Payload):
    step: StepId
    text: Annotated[Comment, AfterValidator(_not_blank)]


class RunStartIn(Payload):
    doc: DocRef
    account: AccountRef | None = None
    start: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | None = None
    run: Literal["setup", "review"] | None = None
