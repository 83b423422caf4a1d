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

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from ..models import ACCOUNT_ID_RE, DOC_ID_RE
from .settings import MAX_TEXT

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("contains control characters")
    return text


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _blank_is_none(text: str | None) -> str | None:
    return text if text and text.strip() else None


Comment = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_printable)]
Short = Annotated[str, StringConstraints(max_length=200), AfterValidator(_printable)]
Page = Annotated[str, StringConstraints(max_length=500, pattern=r"^/[^\s]*$")]
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
