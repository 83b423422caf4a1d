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
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, ValidationError, field_validator, model_validator

from .findings import Finding, KBError
from .load import limits as size_limits
from .load.limits import Limits
from .load.validation import findings_from
from .load.yamlsrc import YAMLSourceError, decode, parse
from .models import DOC_TYPES, Audience, DocId, DocType, Duration, Record, Slug, Text, Tier, iso_date

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


class FeedbackSettings(Record):
    """`feedback:` in kb.yml: what the site's feedback widget offers when no `kb serve` answers."""

    fallback: Literal["github", "mailto"] = Field(
        "mailto", description="without the service, the widget links to a pre-filled issue in `repository` "
                              "(github) or to an e-mail to the page's owner (mailto)")


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
    site_url: str | None = Field(
        None, description="where the site is published; the digest's, the pages API's and the site's links start here"
    )
    kmt_team: Slug = Field("kmt", description="the team that governs every document (kb codeowners)")
    limits: Limits = Field(
        default_factory=Limits,
        description="sizes files are read up to (bytes, line length, YAML nesting and aliases); lower them here, "
                    "raising one above its default is a warning",
    )
    repository: Repository | None = Field(
        None, description="the repository the knowledge base is kept in (feedback issues, links to edit a page)"
    )
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)

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

    def url(self, path: str) -> str:
        """A site path (`sops/sop-csc-001/`) as a link: absolute when site_url is set, else relative."""
        base = (self.site_url or "").rstrip("/")
        return f"{base}/{path}" if base else path


def load_config(root: Path) -> Config:
    """Read kb.yml. A config that cannot be used stops the command (exit 2)."""
    return read_config(root)[0]


def read_config(root: Path) -> tuple[Config, list[Finding]]:
    """Read kb.yml (exit 2 when it cannot be used), with a warning for each limit it raises.

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
        return Config(), []
    if not isinstance(value, dict):
        raise KBError(f"{CONFIG_FILE}: error: the file must be a mapping of settings")
    try:
        config = Config.model_validate(value)
    except ValidationError as exc:
        problems = findings_from(exc, Config, value, CONFIG_FILE, pos)
        raise KBError("\n".join(f.format() for f in problems)) from None
    return config, size_limits.raised(config.limits, pos)


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
