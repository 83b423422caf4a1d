"""The record kinds of the knowledge base: the single source of truth.

Every file kind is a pydantic model. The JSON Schemas in `schemas/` are
generated from these models (`kb schema`), and `kb check` validates files
against them. Models are strict: unknown keys are errors, enums are closed,
dates are real dates, references are typed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .crm.salesforce_id import ID18_RE, is_canonical, suffix

# --- patterns -------------------------------------------------------------

DocType = Literal["sop", "policy", "process", "template", "article"]
DOC_TYPES: tuple[DocType, ...] = get_args(DocType)
DOC_PREFIX: dict[DocType, str] = {"sop": "SOP", "policy": "POL", "process": "PRC", "template": "TPL", "article": "ART"}

SLUG_RE = r"^[a-z0-9][a-z0-9-]*$"
# A document id: type prefix, department code, number (SOP-CSC-001). DOC_ID finds one in text.
DOC_ID_TAIL = r"-[A-Z]{2,6}-[0-9]{3}"  # after the type's prefix: the department, the number
DOC_ID = r"(?:" + "|".join(DOC_PREFIX.values()) + r")" + DOC_ID_TAIL
DOC_ID_RE = rf"^{DOC_ID}$"
ACCOUNT_ID_RE = r"^ACC-[0-9]{5}$"
TRAINING_ID_RE = r"^TRN-[0-9]{3}$"
PERSON_REF_RE = r"^person:[a-z0-9][a-z0-9-]*$"
OWNER_REF_RE = r"^(person|team):[a-z0-9][a-z0-9-]*$"
ANY_REF_RE = r"^(person|team|role):[a-z0-9][a-z0-9-]*$"
DURATION_RE = r"^[1-9][0-9]{0,3} (day|week|month|year)s?$"
VERSION_RE = r"^[0-9]+(\.[0-9]+){0,2}$"
ASSIGNEE_RE = r"^(input:[a-z0-9][a-z0-9-]*|(person|team):[a-z0-9][a-z0-9-]*)$"
HANDLE_RE = r"^@?[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$"

# Each constrained string carries an example, used in error messages.
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE), Field(examples=["gather-records"])]
DocId = Annotated[str, StringConstraints(pattern=DOC_ID_RE), Field(examples=["SOP-CSC-001"])]
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_RE), Field(examples=["ACC-00042"])]
TrainingId = Annotated[str, StringConstraints(pattern=TRAINING_ID_RE), Field(examples=["TRN-001"])]
PersonRef = Annotated[str, StringConstraints(pattern=PERSON_REF_RE), Field(examples=["person:jdoe"])]
OwnerRef = Annotated[
    str, StringConstraints(pattern=OWNER_REF_RE), Field(examples=["team:csc-im", "person:jdoe"])
]
AnyRef = Annotated[
    str, StringConstraints(pattern=ANY_REF_RE), Field(examples=["role:sales-manager", "person:jdoe"])
]
Duration = Annotated[str, StringConstraints(pattern=DURATION_RE), Field(examples=["12 months"])]
Version = Annotated[str, StringConstraints(pattern=VERSION_RE), Field(examples=["1.2"])]
Text = Annotated[str, StringConstraints(min_length=1)]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), Field(examples=["jdoe@example.com"])
]
Handle = Annotated[str, StringConstraints(pattern=HANDLE_RE), Field(examples=["northwind/kmt", "jdoe"])]
SALESFORCE_ID_RE = ID18_RE


def _salesforce_checksum(value: str) -> str:
    if not is_canonical(value):
        raise ValueError(f"{value!r} is not a Salesforce id: for these first fifteen characters the last three "
                         f"are {suffix(value[:15])}")
    return value


SalesforceId = Annotated[
    str, StringConstraints(pattern=SALESFORCE_ID_RE), AfterValidator(_salesforce_checksum),
    Field(examples=["001i000000NqMKpAAN"]),
]

DocStatus = Literal["draft", "in-review", "approved", "retired"]
Audience = Literal["public", "internal", "restricted"]
Tier = Literal[1, 2, 3]
AccountStatus = Literal["active", "transitioning", "closed"]
Health = Literal["green", "yellow", "red"]
FieldKind = Literal["single", "multi", "text", "date"]
# The runs of a checklist a step can belong to: an account's first set-up, or each periodic review.
Run = Literal["setup", "review"]
RUNS: tuple[Run, ...] = get_args(Run)
RUN_NAMES: dict[Run, str] = {"setup": "first set-up", "review": "periodic review"}


def confidential(**kw: Any) -> Any:
    """A field that never leaves the repository (the site never shows it)."""
    return Field(json_schema_extra={"confidential": True}, **kw)


# The sets of keys records were given (`model_fields_set`), one per combination: records are many
# and small, a set is large, and records of a kind are mostly given the same keys.
_GIVEN: dict[frozenset[str], set[str]] = {}
_GIVEN_MAX = 10_000  # combinations kept; past that, a record keeps its own set


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def model_post_init(self, context: Any, /) -> None:
        """Share the set of keys given with the records given the same keys (frozen: nobody changes it)."""
        given = self.__pydantic_fields_set__
        shared = _GIVEN.get(frozenset(given))
        if shared is None:
            if len(_GIVEN) < _GIVEN_MAX:
                _GIVEN[frozenset(given)] = given
        else:
            object.__setattr__(self, "__pydantic_fields_set__", shared)


# --- SOP front matter ------------------------------------------------------


class When(Record):
    """Conditions on account fields; all listed keys must match."""

    tier: tuple[Tier, ...] | None = None
    segment: tuple[Text, ...] | None = None
    products: tuple[Text, ...] | None = Field(None, description="matches when the account has any of these")
    status: tuple[AccountStatus, ...] | None = None
    health: tuple[Health, ...] | None = None


class Item(Record):
    text: Text
    when: When | None = None


class FormField(Record):
    id: Slug
    label: Text
    kind: FieldKind
    options: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _options_fit_kind(self) -> Self:
        if self.kind in ("single", "multi") and len(self.options) < 2:
            raise ValueError(f"a {self.kind} choice field needs at least two options")
        if self.kind in ("text", "date") and self.options:
            raise ValueError(f"a {self.kind} field takes no options")
        return self


class Approval(Record):
    by: AnyRef
    covers: tuple[Slug, ...] = Field(min_length=1)


AssigneeRef = Annotated[
    str,
    StringConstraints(pattern=ASSIGNEE_RE),
    Field(examples=["input:to", "person:jdoe"]),
]


class Input(Record):
    """A value a checklist run asks for (`kb checklist --set id=value`)."""

    id: Slug
    label: Text
    kind: Literal["person", "text", "date"] = "text"
    required: bool = False
    default: Literal["transition.from", "transition.to", "owner"] | None = Field(
        None, description="account field that supplies the value when --set does not"
    )


class Step(Record):
    id: Slug
    title: Text
    role: Slug | None = None
    assignee: AssigneeRef | None = Field(None, description="who does it, when not found from the role")
    guidance: Text | None = None
    items: tuple[Text | Item, ...] = ()
    fields: tuple[FormField, ...] = ()
    approval: Approval | None = None
    due: Duration | None = Field(None, description="due this long after the checklist start")
    when: When | None = None
    runs: tuple[Run, ...] = Field(
        (), description="the checklist runs the step belongs to: setup (an account's first set-up), review "
                        "(each periodic review); none: every run",
    )

    def in_run(self, run: Run | None) -> bool:
        """Is the step part of a checklist for `run` (None: every step)?"""
        return run is None or not self.runs or run in self.runs


class RoleDuty(Record):
    role: Slug
    responsibilities: tuple[Text, ...] = Field(min_length=1)


class Change(Record):
    version: Version
    date: dt.date
    summary: Text
    by: OwnerRef | None = None


class ReviewEntry(Record):
    date: dt.date
    by: PersonRef
    note: Text | None = None


class Sop(Record):
    """Front matter of a document in `sops/`."""

    id: DocId
    title: Text
    type: DocType
    status: DocStatus
    department: Slug
    owner: OwnerRef
    audience: Audience
    version: Version
    effective: dt.date
    last_reviewed: dt.date | None = None
    review_every: Duration | None = None
    summary: Text | None = None
    tags: tuple[Slug, ...] = ()
    related: tuple[DocId, ...] = ()
    replaced_by: tuple[DocId, ...] = Field(
        (), description="a retired document's successors: the first is where its old URL redirects; a split "
                        "document names every part",
    )
    terms: tuple[Text, ...] = ()
    approvers: tuple[AnyRef, ...] = ()
    roles: tuple[RoleDuty, ...] = ()
    inputs: tuple[Input, ...] = ()
    steps: tuple[Step, ...] = ()
    changelog: tuple[Change, ...] = ()
    reviews: tuple[ReviewEntry, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.status != "draft" and self.last_reviewed is None:
            raise ValueError("last_reviewed is required unless status is draft")
        if self.replaced_by and self.status != "retired":
            raise ValueError("only a retired document has replaced_by; set status: retired")
        prefix = DOC_PREFIX[self.type]
        if not self.id.startswith(prefix + "-"):
            raise ValueError(f"a {self.type} id starts with {prefix}- (got {self.id})")
        return self


# --- accounts --------------------------------------------------------------


class AccountTeam(Record):
    im: PersonRef | None = None
    ssm: PersonRef | None = None
    csm: PersonRef | None = None
    kam: PersonRef | None = None


# The people an account names besides its owner, by their role ids.
ACCOUNT_TEAM_SLOTS: tuple[str, ...] = tuple(AccountTeam.model_fields)


class Contact(Record):
    name: Text
    email: Email | None = None
    phone: Text | None = None
    title: Text | None = None


class Escalation(Record):
    id: Text
    summary: Text
    tier: Literal["T0", "T1", "T2", "T3", "T4"]
    opened: dt.date
    status: Literal["open", "closed"]


class Opportunity(Record):
    id: Text
    name: Text
    stage: Text
    status: Literal["open", "closed-won", "closed-lost"]


class Ticket(Record):
    id: Text
    summary: Text
    kind: Literal["support", "integration", "customization"]
    status: Literal["open", "closed"]


class Transition(Record):
    from_: PersonRef = Field(alias="from")
    to: PersonRef
    reason: Text
    started: dt.date


class Account(Record):
    """An account record, `accounts/<id>.yaml`."""

    id: AccountId
    salesforce_id: SalesforceId | None = Field(
        None, description="the account's Salesforce id, 18-character form; `kb accounts import` matches on it"
    )
    name: Text
    segment: Text
    tier: Tier
    status: AccountStatus
    health: Health | None = None
    owner: PersonRef
    team: AccountTeam | None = None
    products: tuple[Text, ...] = ()
    since: dt.date | None = None
    opened: dt.date | None = Field(
        None, description="the day the account was opened (its CRM creation date); until its first review, "
                          "the review falls due one cadence after it and the account plan one plan interval after it"
    )
    last_review: dt.date | None = None
    review_cadence: Slug | None = Field(
        None, description="the review cadence the account chose (a name in kb.yml account_review_cadences: "
                          "quarterly, semi-annual); unset, it is held to the longest interval its tier allows",
    )
    plan_updated: dt.date | None = None
    contacts: tuple[Contact, ...] = confidential(default=())
    annual_revenue: int | float | None = confidential(default=None)
    escalations: tuple[Escalation, ...] = ()
    opportunities: tuple[Opportunity, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    transition: Transition | None = None
    notes: Text | None = confidential(default=None)
    reviews: tuple[ReviewEntry, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.status != "closed" and self.last_review is None and self.opened is None:
            raise ValueError("last_review is required unless status is closed (or, for an account never "
                             "reviewed, opened)")
        if self.status == "transitioning" and self.transition is None:
            raise ValueError("a transitioning account needs a transition block (from, to, reason, started)")
        return self


# --- registry --------------------------------------------------------------


class Department(Record):
    id: Slug
    name: Text
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,6}$")] | None = Field(
        None, description="the department part of document ids (default: the id in capitals)"
    )
    description: Text | None = None

    @property
    def id_code(self) -> str:
        return self.code or self.id.upper()


class Team(Record):
    id: Slug
    name: Text
    department: Slug
    lead: Slug | None = None
    github: Handle | None = None
    description: Text | None = None


class Role(Record):
    id: Slug
    name: Text
    abbreviation: Text | None = None
    department: Slug | None = None
    description: Text | None = None


class Person(Record):
    id: Slug
    name: Text
    email: Email
    title: Text | None = None
    roles: tuple[Slug, ...] = ()
    team: Slug | None = None
    active: bool = True
    left: dt.date | None = None
    github: Handle | None = None

    @model_validator(mode="after")
    def _left_means_inactive(self) -> Self:
        if self.left is not None and self.active:
            raise ValueError("a person with a 'left' date must have active: false")
        return self


class Term(Record):
    term: Text
    expansion: Text | None = None
    definition: Text
    aliases: tuple[Text, ...] = ()
    related: tuple[DocId, ...] = ()
    unconfirmed: Text | None = Field(
        None, description="what no source document confirms (an expansion or meaning assumed until someone "
                          "who knows confirms it); shown on the site and listed by kb reviews",
    )


class DepartmentsFile(Record):
    departments: tuple[Department, ...]


class TeamsFile(Record):
    teams: tuple[Team, ...]


class RolesFile(Record):
    roles: tuple[Role, ...]


class PeopleFile(Record):
    people: tuple[Person, ...]


class GlossaryFile(Record):
    terms: tuple[Term, ...]


# --- training --------------------------------------------------------------


class TrainingLink(Record):
    sop: DocId
    steps: tuple[Slug, ...] = ()


class Training(Record):
    """A training material, `training/<id>.yaml`."""

    id: TrainingId
    title: Text
    kind: Literal["course", "video", "deck", "document", "quiz", "shadowing"]
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    file: Text | None = None
    owner: OwnerRef
    audience: Audience = "internal"
    description: Text | None = None
    links: tuple[TrainingLink, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _url_or_file(self) -> Self:
        if (self.url is None) == (self.file is None):
            raise ValueError("give exactly one of 'url' or 'file'")
        return self


# --- dates and durations ----------------------------------------------------

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def iso_date(value: str) -> dt.date | None:
    """`value` as a date if it is exactly YYYY-MM-DD and a real day, else None."""
    if not _ISO_DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def add_duration(start: dt.date, duration: str) -> dt.date:
    """Calendar arithmetic: 2026-01-31 + '1 month' = 2026-02-28.

    A result past the calendar's end (year 9999) is the last day it has.
    """
    return _shift(start, duration, 1)


def subtract_duration(start: dt.date, duration: str) -> dt.date:
    """Calendar arithmetic backwards: 2026-03-31 - '1 month' = 2026-02-28.

    A result before the calendar's start (year 1) is the first day it has.
    """
    return _shift(start, duration, -1)


def _shift(start: dt.date, duration: str, sign: int) -> dt.date:
    count_s, unit = duration.split()
    count = sign * int(count_s)
    unit = unit.rstrip("s")
    try:
        if unit in ("day", "week"):
            return start + dt.timedelta(days=count * (7 if unit == "week" else 1))
        months = count * (12 if unit == "year" else 1)
        month0 = start.month - 1 + months
        year = start.year + month0 // 12
        month = month0 % 12 + 1
        return dt.date(year, month, min(start.day, _days_in_month(year, month)))
    except (OverflowError, ValueError):
        return dt.date.max if sign > 0 else dt.date.min


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
