"""Configuration: `kb.yml`, the folder layout, where the knowledge base is, and "today".

Everything a command or the site needs to know before it reads a single
record lives here, validated once: the policy settings (`Config`, the model
of `kb.yml`), the folders and the record kinds they hold, root discovery and
the date reviews are judged on. `site_url` is set in `kb.yml` only; the
digest, the pages API and MkDocs all take it from here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, StringConstraints, ValidationError, field_validator, model_validator

from .findings import Finding, KBError
from .load import limits as size_limits
from .load.limits import Limits
from .load.validation import findings_from
from .load.yamlsrc import Pos, YAMLSourceError, decode, parse
from .models import DOC_TYPES, Audience, DocId, DocType, Duration, Email, Record, Slug, Sop, Text, Tier, iso_date

CONFIG_FILE = "kb.yml"

# --- the folder layout ----------------------------------------------------------

# The kinds of record, spelled one way everywhere: in references (`person:jdoe`),
# in `KnowledgeBase.table`, in the records of files that failed to load.
RecordKind = Literal["document", "account", "training", "department", "team", "role", "person", "term"]
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Folder:
    """A top-level folder of records: what it holds and which files count.

    Every other file in it is reported (`unknown-file`), but for `attachments`, the folder's
    other files (training materials' notes and slides): there only the spellings a record file
    might have been given by mistake (`.YAML`, a `variants` suffix) are reported.
    """

    name: str
    kind: RecordKind | None  # None for org/, where each file holds a list of one kind
    suffixes: tuple[str, ...]
    variants: tuple[str, ...] = ()  # other spellings of the suffix, reported in any case
    attachments: bool = False

    def misspelt(self, file_name: str) -> bool:
        """Does the name end in a spelling of the suffix that is not read (`.MD`, `.markdown`, `.Yml`)?"""
        suffix = file_name[file_name.rfind("."):].casefold() if "." in file_name else ""
        return suffix in self.suffixes + self.variants and not file_name.endswith(self.suffixes)


# In load order: the registry first, so everything else can refer to it.
_MARKDOWN_VARIANTS = (".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtext", ".mdtxt")
FOLDERS: tuple[Folder, ...] = (
    Folder("org", None, YAML_SUFFIXES),
    Folder("sops", "document", (".md",), _MARKDOWN_VARIANTS),
    Folder("accounts", "account", YAML_SUFFIXES),
    Folder("training", "training", YAML_SUFFIXES, attachments=True),
)


@dataclass(frozen=True, slots=True)
class RegistryFile:
    """A file of `org/`: a mapping with one key holding a list of records of one kind."""

    name: str
    key: str
    kind: RecordKind


REGISTRY_FILES: dict[str, RegistryFile] = {
    f.name: f
    for f in (
        RegistryFile("departments.yaml", "departments", "department"),
        RegistryFile("teams.yaml", "teams", "team"),
        RegistryFile("roles.yaml", "roles", "role"),
        RegistryFile("people.yaml", "people", "person"),
        RegistryFile("glossary.yaml", "terms", "term"),
    )
}

SCHEMAS_FOLDER = "schemas"  # the JSON Schemas `kb schema` writes from the models


def document_path(department: str, ident: str) -> str:
    """Where `kb new` puts a document: its department's folder under sops/."""
    return f"sops/{department}/{ident}.md"


# What a change to the knowledge base can touch (the site's preview watches these).
WATCHED = (CONFIG_FILE, *(folder.name for folder in FOLDERS))


def folder_of(rel: str) -> Folder | None:
    """The folder a root-relative path lies in, if it is one of ours."""
    top = rel.split("/", 1)[0]
    return next((f for f in FOLDERS if f.name == top), None)


# --- kb.yml -------------------------------------------------------------------------


class AccountPlanPolicy(Record):
    tiers: tuple[Tier, ...] = (1, 2)
    every: Duration = "12 months"


DEFAULT_REVIEW_EVERY: dict[DocType, str] = dict.fromkeys(DOC_TYPES, "12 months")
# The sales account management policy asks for quarterly or semi-annual reviews of tier 1 and 2
# accounts: semi-annual is the longest it allows. It says nothing of tier 3; annual is a local rule.
DEFAULT_ACCOUNT_REVIEW_EVERY: dict[Tier, str] = {1: "6 months", 2: "6 months", 3: "12 months"}
DEFAULT_ACCOUNT_REVIEW_CADENCES: dict[str, str] = {"quarterly": "3 months", "semi-annual": "6 months"}
DEFAULT_LOCAL_TIERS: tuple[Tier, ...] = (3,)


# Printed into links and issue URLs: https, a host, an owner and a name, nothing a URL would read otherwise.
REPOSITORY_URL_RE = r"^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"
BRANCH_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]*([./][A-Za-z0-9][A-Za-z0-9_-]*)*$"  # no `..`, no `./`, no end in `.` or `/`


class Repository(Record):
    """`repository:` in kb.yml: where the knowledge base is kept (the feedback issues, "Edit this page")."""

    url: Annotated[str, StringConstraints(pattern=REPOSITORY_URL_RE), Field(
        examples=["https://github.com/northwind/knowledge-base"],
        description="the repository's web address (GitHub): https://<host>/<owner>/<name>, no trailing slash")]
    branch: Annotated[str, StringConstraints(pattern=BRANCH_RE, max_length=200), Field(
        examples=["main"], description="the branch the site is published from")] = "main"
    path: Annotated[str | None, StringConstraints(max_length=500), Field(
        examples=["docs/kb"],
        description="the knowledge base's folder inside the repository (the folder of kb.yml), relative "
                    "to the repository's root, folders separated by /; unset when kb.yml is at the root")] = None

    @field_validator("path")
    @classmethod
    def _relative_folder(cls, value: str | None) -> str | None:
        """A folder inside the repository, as the links name it: `docs/kb` (a trailing / is dropped)."""
        if value is None:
            return None
        if value.startswith("/"):
            raise ValueError(f"{value!r} starts with /: give the folder relative to the repository's "
                             "root (docs/kb), or leave path out when kb.yml is at the root")
        if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(f"{value!r} has a backslash or a control character: separate folders with /")
        folder = value[:-1] if value.endswith("/") else value
        parts = folder.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"{value!r} is not a plain folder: each part between the / must be a "
                             "folder's name (no empty part, no . or ..); leave path out when kb.yml is at "
                             "the root")
        return folder

    def file(self, rel: str) -> str:
        """A file of the knowledge base (`rel`, relative to the folder of kb.yml) as a path in the repository."""
        return f"{self.path}/{rel}" if self.path else rel


class FeedbackSettings(Record):
    """`feedback:` in kb.yml: what the site's feedback widget offers when no `kb serve` answers."""

    fallback: Literal["github", "mailto"] = Field(
        "mailto", description="without the service, the staff site's widget links to a pre-filled issue in "
                              "`repository` (github) or to an e-mail to the page's owner (mailto); the customers' "
                              "site never links to the repository: it offers help_centre.contact, else (mailto) "
                              "an e-mail to the owner, else nothing")


# --- help_centre: the customers' site (the public build) ----------------------------------

# A link printed into the customers' pages: https only, no spaces, quotes or angle brackets.
CONTACT_URL_RE = r"^https://[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?(/[^\s<>" + "\"'`" + r"]*)?$"
OTHER_TOPIC = "other"  # the topic of the articles no topic lists


class HelpTopic(Record):
    """One topic of the help centre: its page lists the documents it names and those with its tags."""

    id: Slug = Field(description="the topic's page is topics/<id>/; `other` is kept for the articles of no topic")
    title: Text
    description: Text | None = None
    documents: tuple[DocId, ...] = Field((), description="public documents listed first, in this order")
    tags: tuple[Slug, ...] = Field((), description="public documents with any of these tags are listed too")

    @model_validator(mode="after")
    def _chooses(self) -> Self:
        if self.id == OTHER_TOPIC:
            raise ValueError(f"topic id {OTHER_TOPIC!r} is the help centre's own (the articles of no topic)")
        if not self.documents and not self.tags:
            raise ValueError(f"topic {self.id!r} chooses no articles: give documents, tags or both")
        return self


def chosen(topic: HelpTopic, docs: Mapping[str, Sop]) -> list[str]:
    """The ids of `docs` the topic lists: named ones first, in its order, then tagged ones by title."""
    named = [d for d in dict.fromkeys(topic.documents) if d in docs]
    wanted = set(topic.tags)
    tagged = sorted((d for d, doc in docs.items() if d not in named and wanted.intersection(doc.tags)),
                    key=lambda d: (docs[d].title.casefold(), d))
    return named + tagged


class SupportContact(Record):
    """How customers reach support: shown on every page of the public site."""

    text: Text = Field(description="one or two sentences, e.g. when support answers")
    url: Annotated[str, StringConstraints(pattern=CONTACT_URL_RE, max_length=500)] | None = Field(
        None, examples=["https://example.com/support"], description="the support page (https)")
    email: Email | None = None
    label: Text = Field("Contact support", description="the link's words")

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.url is None and self.email is None:
            raise ValueError("contact needs a url, an email or both")
        return self


class HelpFeedback(Record):
    """The feedback widget's words on the customers' site."""

    title: Text = "Did this article answer your question?"
    helpful: Text = "Yes, it answered my question"
    unhelpful: Text = "No, I still need help"
    ask: Text = "What were you looking for? Please do not include personal details."
    sent_helpful: Text = "Thank you for letting us know."
    sent_unhelpful: Text = "Thank you. We use every answer to improve our articles."
    unavailable: Text = Field("Your feedback cannot be sent from this page at the moment.",
                              description="said where no feedback service answers (static hosting)")
    fallback: Text = Field("Tell us another way", description="the link offered where feedback cannot be sent: "
                           "an e-mail to the contact's address, else its support page")


class HelpCentre(Record):
    """`help_centre:` in kb.yml: the public site as a help centre for customers."""

    topics: tuple[HelpTopic, ...] = Field((), description="the topics of the home page and the navigation, in order")
    other_title: Text = Field("Other articles", description="the topic of the public articles no topic lists")
    contact: SupportContact | None = None
    feedback: HelpFeedback = Field(default_factory=HelpFeedback)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[str] = set()
        for topic in self.topics:
            if topic.id in seen:
                raise ValueError(f"topic id {topic.id!r} is used twice")
            seen.add(topic.id)
        return self


# --- crm: how a CRM export fills account records (`kb accounts import`) -------------------

# The account keys an export may fill. The knowledge base's own keys (review dates, plans,
# transitions, notes, reviews) are not among them: no import touches those.
CrmKey = Literal["name", "segment", "tier", "owner", "health", "products", "since", "opened", "annual_revenue"]
CRM_KEYS: tuple[CrmKey, ...] = get_args(CrmKey)
# What a new account cannot do without (`opened`: its first review falls due one cadence after it).
CRM_REQUIRED: tuple[CrmKey, ...] = ("name", "segment", "tier", "owner", "opened")
_HEALTH = ("green", "yellow", "red")
_SAMPLE_DAY = dt.date(2026, 11, 22)


class CrmColumn(Record):
    """Which column of the export fills one account key, and how its cells translate."""

    column: Text = Field(description="the column's name in the export's header row")
    values: dict[str, str | int] | None = Field(
        None, description="cell -> value (matched ignoring case and surrounding spaces): tier labels to 1, 2, 3, "
                          "segment labels to segments of this file, health labels to green, yellow, red")
    match: Literal["email", "name", "id"] | None = Field(
        None, description="owner only: how a cell names a person of org/people.yaml (default email)")
    separator: str | None = Field(
        None, min_length=1, max_length=1, description="products only: what separates products in a cell (default ;)")
    empty: Literal["keep", "clear", "error"] | None = Field(
        None, description="what an empty cell means: keep (the account keeps its value; the default), clear (the "
                          "key is removed) or error; for name, segment, tier, owner and opened it is always an error")
    owned: bool = Field(
        True, description="the CRM owns the key: the import updates it on existing accounts (false: it only fills "
                          "new accounts, and the knowledge base decides it afterwards)")


class CrmSource(Record):
    """One kind of export (a Salesforce report) and how its columns fill accounts."""

    id_column: Text = Field(description="the column holding the Salesforce id (15 or 18 characters)")
    date_format: Text = Field(
        "%m/%d/%Y", description="how the export writes dates, in strftime codes (Salesforce writes the user's locale: "
                                "%m/%d/%Y in the US, %d/%m/%Y in the UK, %d.%m.%Y in Germany); a time after the "
                                "date is ignored")
    delimiter: str = Field(",", min_length=1, max_length=1, description="the character between cells")
    decimal: Literal[".", ","] = Field(".", description="the decimal separator of numbers (annual revenue)")
    segments: tuple[Text, ...] | None = Field(
        None, description="the segments the export covers: a full export closes only missing accounts of these "
                          "(default: every account with a Salesforce id)")
    columns: dict[CrmKey, CrmColumn] = Field(
        description="account key -> the column that fills it; name, segment, tier, owner and opened are required")

    @model_validator(mode="after")
    def _usable(self) -> Self:
        missing = [k for k in CRM_REQUIRED if k not in self.columns]
        if missing:
            raise ValueError(f"columns needs {', '.join(missing)} (a new account cannot be made without them)")
        for key, col in self.columns.items():
            if col.match is not None and key != "owner":
                raise ValueError(f"columns.{key}: match applies to owner only")
            if col.separator is not None and key != "products":
                raise ValueError(f"columns.{key}: separator applies to products only")
            if col.empty in ("keep", "clear") and key in CRM_REQUIRED:
                raise ValueError(f"columns.{key}: an empty {key} is always an error (empty: {col.empty} cannot be)")
            if col.values is not None:
                _check_values(key, col.values)
        try:
            back = dt.datetime.strptime(_SAMPLE_DAY.strftime(self.date_format), self.date_format).date()
        except ValueError:
            back = None
        if back != _SAMPLE_DAY:
            raise ValueError(f"date_format {self.date_format!r} does not write and read back a date "
                             "(give day, month and year, as in %m/%d/%Y)")
        return self


def _check_values(key: CrmKey, values: dict[str, str | int]) -> None:
    if key not in ("tier", "segment", "health"):
        raise ValueError(f"columns.{key}: values applies to tier, segment and health only")
    for label, value in values.items():
        if key == "tier" and (isinstance(value, bool) or value not in (1, 2, 3)):
            raise ValueError(f"columns.tier.values: {label!r} must be 1, 2 or 3, not {value!r}")
        if key == "health" and value not in _HEALTH:
            raise ValueError(f"columns.health.values: {label!r} must be green, yellow or red, not {value!r}")
        if key == "segment" and not isinstance(value, str):
            raise ValueError(f"columns.segment.values: {label!r} must be a segment, not {value!r}")


# The settings that name a document (`kb check` reports one that names no document).
DOC_SETTINGS = ("account_review_checklist", "account_transition_checklist")


class Config(Record):
    """Policy settings, `kb.yml`."""

    review_every: dict[DocType, Duration] = Field(
        default_factory=lambda: dict(DEFAULT_REVIEW_EVERY),
        description="default review interval per document type (types left out keep their default)",
    )
    due_soon_days: Annotated[int, Field(ge=0, le=366)] = 30
    account_review_every: dict[Tier, Duration] = Field(
        default_factory=lambda: dict(DEFAULT_ACCOUNT_REVIEW_EVERY),
        description="the longest interval between two reviews of an account, per tier (tiers left out keep "
                    "their default); an account that chooses no review_cadence is held to it",
    )
    account_review_cadences: dict[Slug, Duration] = Field(
        default_factory=lambda: dict(DEFAULT_ACCOUNT_REVIEW_CADENCES),
        description="the cadences an account may choose (its review_cadence), each no longer than its tier's "
                    "longest interval",
    )
    account_review_local: tuple[Tier, ...] = Field(
        DEFAULT_LOCAL_TIERS,
        description="tiers whose longest review interval is a local rule, not the sales account management "
                    "policy's",
    )
    account_plan: AccountPlanPolicy = Field(default_factory=AccountPlanPolicy)
    account_manager_role: Slug = "am"
    segments: tuple[Text, ...] = ("NA", "RA")
    audiences: tuple[Audience, ...] = Field(
        ("public", "internal"), description="audiences the site is built for"
    )
    owner_workload_limit: Annotated[int, Field(ge=1)] = 25
    account_review_checklist: DocId | None = Field(
        None, description="the document whose steps make an account-review checklist (kb checklist --due)"
    )
    account_transition_checklist: DocId | None = Field(
        None, description="the account-transition procedure: the staff site's page of an account in transition "
                          "links to it and to its checklist filled in for the account"
    )
    site_url: str | None = Field(
        None, description="where the site is published; the digest's, the pages API's and the site's links start here"
    )
    kmt_team: Slug = Field("kmt", description="the team that governs every document (kb codeowners)")
    limits: Limits = Field(
        default_factory=Limits,
        description="sizes files are read up to (bytes, line length, YAML nesting and aliases); lower them here, "
                    "raising one above its default is a warning",
    )
    crm: dict[Slug, CrmSource] = Field(
        default_factory=dict,
        description="CRM exports `kb accounts import` reads, by name (--source): which column fills which account "
                    "key, which keys the CRM owns, how values translate",
    )
    repository: Repository | None = Field(
        None, description="the repository the knowledge base is kept in (feedback issues, links to edit a page)"
    )
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)
    help_centre: HelpCentre = Field(default_factory=HelpCentre,
                                    description="the public site: topics, how to contact support, feedback wording")
    @model_validator(mode="after")
    def _fallback_needs_repository(self) -> Self:
        if self.feedback.fallback == "github" and self.repository is None:
            raise ValueError("feedback.fallback 'github' needs the repository's url (repository: {url: ...})")
        return self

    @field_validator("review_every")
    @classmethod
    def _every_type(cls, value: dict[DocType, str]) -> dict[DocType, str]:
        return {**DEFAULT_REVIEW_EVERY, **value}

    @field_validator("account_review_every")
    @classmethod
    def _every_tier(cls, value: dict[Tier, str]) -> dict[Tier, str]:
        return {**DEFAULT_ACCOUNT_REVIEW_EVERY, **value}

    @model_validator(mode="after")
    def _crm_segments(self) -> Self:
        for name, source in self.crm.items():
            segment = source.columns["segment"].values or {}
            used = [*(v for v in segment.values() if isinstance(v, str)), *(source.segments or ())]
            unknown = sorted({s for s in used if s not in self.segments})
            if unknown:
                raise ValueError(f"crm.{name}: {', '.join(unknown)} not among segments ({', '.join(self.segments)})")
        return self

    def url(self, path: str) -> str:
        """A site path (`sops/sop-csc-001/`) as a link: absolute when site_url is set, else relative."""
        base = (self.site_url or "").rstrip("/")
        return f"{base}/{path}" if base else path


def load_config(root: Path) -> Config:
    """Read kb.yml. A config that cannot be used stops the command (exit 2)."""
    return read_config(root)[0]


def read_config(root: Path) -> tuple[Config, list[Finding], Pos | None]:
    """Read kb.yml (exit 2 when it cannot be used), with a warning for each limit it raises, and
    where each setting is (for checks that point at a setting).

    kb.yml itself is read within the default limits: it cannot raise its own.
    """
    default = size_limits.DEFAULT
    try:
        with open(root / CONFIG_FILE, "rb") as f:
            data = f.read(default.file_bytes + 1)
    except OSError as exc:
        raise KBError(f"{CONFIG_FILE}: cannot read: {exc.strerror}") from None
    try:
        text = decode(data)
        problems = size_limits.text_findings(CONFIG_FILE, text, default)
        if problems:
            raise KBError("\n".join(f.format() for f in problems))
        value, pos = parse(text, max_depth=default.yaml_depth, max_aliases=default.yaml_aliases)
    except YAMLSourceError as exc:
        raise KBError(f"{CONFIG_FILE}:{exc.line}:{exc.col}: error: {exc.message} [{exc.code}]") from None
    if value is None:
        return Config(), [], None
    if not isinstance(value, dict):
        raise KBError(f"{CONFIG_FILE}: error: the file must be a mapping of settings")
    try:
        config = Config.model_validate(value)
    except ValidationError as exc:
        problems = findings_from(exc, Config, value, CONFIG_FILE, pos)
        raise KBError("\n".join(f.format() for f in problems)) from None
    return config, size_limits.raised(config.limits, pos), pos


# --- where the knowledge base is ---------------------------------------------------


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds kb.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise KBError(f"no knowledge base found: no {CONFIG_FILE} in {start} or any folder above it")


def root_of(given: Path | None) -> Path:
    """The folder a command works on: `--root` when given (it must hold kb.yml), else found from here."""
    if given is None:
        return find_root(Path.cwd())
    if not (given / CONFIG_FILE).is_file():
        raise KBError(f"no knowledge base found: {given} has no {CONFIG_FILE}")
    return given.resolve()


# --- today ---------------------------------------------------------------------------


def resolve_today(option: str | None, option_name: str = "--today") -> dt.date:
    """The date reviews are judged on: the option, else $KB_TODAY, else the machine's date.

    Raises ValueError naming where a malformed date came from.
    """
    value, source = (option, option_name) if option is not None else (os.environ.get("KB_TODAY"), "KB_TODAY")
    if not value:
        if option is not None:
            raise ValueError(f"{source} is empty; use YYYY-MM-DD")
        return dt.date.today()
    date = iso_date(str(value))
    if date is None:
        raise ValueError(f"{source} is {value!r}, not a date; use YYYY-MM-DD")
    return date
