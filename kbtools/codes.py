"""Finding codes: every code the tools report, its severity and what it means.

People and tools filter findings on their codes, so codes are stable and each
has exactly one severity. Listing them here, once, lets the README's table be
generated (`python -m kbtools.codes`, `make codes`) instead of kept by hand,
and lets a test walk the package's source to prove that every code a finding
is made with is registered here with that severity, and that none is dead.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from .edit.atomic import write_atomic
from .findings import Severity

BEGIN = "<!-- BEGIN finding codes: generated from kbtools/codes.py by `make codes`; do not edit -->"
END = "<!-- END finding codes -->"


@dataclass(frozen=True, slots=True)
class Code:
    name: str
    severity: Severity
    meaning: str  # one line, for people


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    codes: tuple[Code, ...]


def _error(name: str, meaning: str) -> Code:
    return Code(name, "error", meaning)


def _warning(name: str, meaning: str) -> Code:
    return Code(name, "warning", meaning)


GROUPS: tuple[Group, ...] = (
    Group("files", (
        _error("encoding", "the file is not valid UTF-8"),
        _error("empty-file", "the file, or a document's front matter, has no content"),
        _error("read", "a file or folder cannot be read"),
        _warning("not-a-file", "a link, pipe or device where a file is expected; skipped"),
    )),
    Group("limits (`limits:` in `kb.yml`)", (
        _error("file-too-large", "a file larger than `limits.file_bytes` (default 2 MiB); not read, its id is kept"),
        _error("line-too-long", "a line longer than `limits.line_chars` (default 4,000); the file is not read"),
        _warning("limit-raised", "`kb.yml` raises a limit above its default (each has a ceiling in code)"),
    )),
    Group("file shape", (
        _error("front-matter",
               "a document's front matter is missing, not opened by a bare `---` line, or unterminated"),
        _error("not-a-mapping", "a file, a front matter or a registry list item is not a mapping of keys"),
    )),
    Group("YAML", (
        _error("yaml-syntax", "the YAML does not parse (also: more than one document, a malformed value)"),
        _error("yaml-tab", "a tab character in indentation"),
        _error("yaml-line-break", "U+0085, U+2028, U+2029 or a lone carriage return: a line break to YAML that "
                                  "editors do not show"),
        _error("yaml-tag", "a tag beyond plain YAML (`!!python/...`, custom tags, `<<` merge keys)"),
        _error("yaml-alias", "aliases expand to more than `limits.yaml_aliases` nodes (an alias bomb), or an alias "
                             "inside what it names"),
        _error("yaml-depth", "nesting deeper than `limits.yaml_depth` (default 64)"),
        _error("yaml-key", "a mapping key that is not a plain scalar (a complex key)"),
        _error("duplicate-key", "a key repeated in one mapping"),
    )),
    Group("schema", (
        _error("unknown-key", "a key the record does not have, with a did-you-mean where one is close"),
        _error("missing-key", "a required key is missing"),
        _error("invalid-value", "a value outside the allowed pattern, choices or length"),
        _error("invalid-type", "a value of the wrong type (a list for text, text for a number, ...)"),
        _error("invalid-date", "a date not written as YYYY-MM-DD without quotes"),
        _error("invalid-record", "a rule across keys is broken (say, `last_reviewed` missing on a non-draft)"),
    )),
    Group("ids", (
        _error("duplicate-id", "an id already used by another record of its kind; ids are never shared or reused"),
        _error("file-name", "a file or folder name with a control character, a leading or trailing space or a "
                            "backslash (the file is not read; its id is kept), or an account file not named after "
                            "its id"),
    )),
    Group("owners", (
        _error("unknown-owner", "an owner that is not a `person:` or `team:` in `org/`"),
        _error("inactive-owner", "an owner, account team member, transition target or team lead who has left"),
        _error("empty-team", "an owning team without an active member"),
        _error("owner-role", "a tier 1 or 2 account owned by someone who is not an account manager"),
    )),
    Group("review dates", (
        _error("review-overdue", "an SOP or account is past its review date"),
        _warning("review-due-soon", "an SOP or account review falls due within the due-soon window"),
        _error("review-in-future", "a review date after today"),
        _error("unknown-cadence", "an account's `review_cadence` not named in `kb.yml` `account_review_cadences`"),
        _error("cadence-too-long", "an account's `review_cadence` longer than the longest interval its tier allows"),
    )),
    Group("account plans", (
        _error("plan-overdue", "a tier 1 or 2 account plan is older than its update interval"),
        _warning("plan-due-soon", "a tier 1 or 2 account plan update falls due within the due-soon window"),
        _error("plan-missing", "a tier 1 or 2 account without `plan_updated`"),
        _error("plan-in-future", "an account plan update dated after today"),
    )),
    Group("references", (
        _error("unknown-reference", "a `person:`, `team:` or `role:` reference that does not resolve"),
        _error("unknown-document", "a document id that does not exist, or a document related to itself"),
        _error("unknown-department", "a department that is not in `org/departments.yaml`"),
        _error("unknown-role", "a role that is not in `org/roles.yaml`"),
        _error("unknown-term", "a glossary term that is not in `org/glossary.yaml`"),
        _error("unknown-segment", "an account segment that `kb.yml` does not list"),
        _error("unknown-step", "a training link to a step its SOP does not have"),
        _error("unknown-input", "a step assigned to an `input:` the document does not declare"),
        _error("duplicate-step", "a step id used twice in one document"),
        _error("bad-approval",
               "an approval gate covering an unknown step, one that is not before it, or one outside the gate's runs"),
        _error("missing-file", "a training material's file does not exist"),
    )),
    Group("consistency", (
        _warning("retired-reference",
                 "a link to a retired document (related, training, glossary, a mention in a body), with its successor"),
        _warning("changelog-version", "the version differs from the newest changelog entry's"),
        _warning("unknown-file", "a file that is not read: in `org/` not a registry file, in `sops/` not `.md`, in "
                                 "`accounts/` not `.yaml` or `.yml`; `.MD`, `.markdown`, `.YAML` anywhere"),
        _error("id-department", "a document id's department part differs from its department's `code`"),
    )),
    Group("help centre (`help_centre:` in `kb.yml`)", (
        _error("topic-not-public", "a help centre topic lists a document whose audience is not public"),
        _warning("topic-empty", "a help centre topic with no approved public document; the public site leaves it out"),
    )),
    Group("changes (`--changed-since`)", (
        _error("version-not-bumped", "the body or steps changed without a version bump"),
        _error("changelog-missing", "a new version without its changelog entry"),
    )),
    Group("content safety", (
        _error("unsafe-content", "`<script>`, `on...=` handlers, `javascript:`/`vbscript:`/`data:` URLs in a document "
                                 "body, however spelt (character references, escapes, control characters)"),
    )),
    Group("writes", (
        _error("interrupted-write",
               "a write across several files (`kb owners reassign`, `kb accounts import`) was interrupted half-way; "
               "`kb recover --resume` finishes it, `kb recover --rollback` undoes it"),
    )),
    Group("CRM import (`kb accounts import FILE.csv`: `FILE.csv:ROW:COL`, the row and column a spreadsheet shows)", (
        _error("import-encoding", "the export is not UTF-8 text"),
        _error("import-syntax", "the CSV does not parse (a quote left open), has no header, or a row has more or "
                                "fewer cells than the header"),
        _error("import-column", "a column the mapping names is missing from the header, or named twice"),
        _error("import-missing", "an empty cell where the account needs a value (name, segment, tier, owner, "
                                 "opened, the Salesforce id, or a column with `empty: error`)"),
        _error("import-id", "not a Salesforce id: 15 or 18 letters and digits whose checksum matches"),
        _error("import-duplicate", "two rows with one Salesforce id (in its 15- or 18-character form)"),
        _error("import-date", "a date not in the mapping's `date_format`, or an opening date after today"),
        _error("import-value", "a value the mapping cannot translate: an unknown segment, tier or health, an amount "
                               "that is not a number, a line break or control character in a value"),
        _error("import-owner", "an owner who is not in `org/people.yaml`, has left, is ambiguous by name, or cannot "
                               "own a tier 1 or 2 account"),
        _error("import-record", "an account the import would write that `kb check` would reject, or cannot edit in "
                                "place"),
    )),
    Group("generated files", (
        _error("codeowners-owner", "`kb codeowners`: an owner without a GitHub handle, email or active member, "
                                   "or with one CODEOWNERS cannot hold"),
        _error("codeowners-path", "`kb codeowners`: a file path CODEOWNERS cannot express (a newline, tab, control "
                                  "character); nothing is written"),
        _error("codeowners-kmt", "`kb codeowners`: the `kmt_team` of `kb.yml` has no GitHub handle or active member"),
        _error("codeowners-stale",
               "`kb codeowners --check`: `.github/CODEOWNERS` is missing or differs from the registry"),
        _error("schema-stale", "`kb schema --check`: a file in `schemas/` differs from the models or has no model"),
    )),
)

CODES: dict[str, Code] = {code.name: code for group in GROUPS for code in group.codes}


def table() -> str:
    """The Markdown table of every code, one row per code, grouped as in GROUPS."""
    rows = ["| group | code | severity | meaning |", "|---|---|---|---|"]
    for group in GROUPS:
        for i, code in enumerate(group.codes):
            label = group.label if i == 0 else ""
            meaning = code.meaning.replace("|", "\\|")
            rows.append(f"| {label} | `{code.name}` | {code.severity} | {meaning} |")
    return "\n".join(rows) + "\n"


def section() -> str:
    """The generated section, markers included."""
    return f"{BEGIN}\n\n{table()}\n{END}"


def rewrite(text: str) -> str:
    """`text` with everything from BEGIN to END replaced by the generated section."""
    start = text.find(BEGIN)
    stop = text.find(END, start)
    if start == -1 or stop == -1:
        raise ValueError(f"the markers {BEGIN!r} and {END!r} are missing or out of order")
    return text[:start] + section() + text[stop + len(END):]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the README's section (exit 0), or with --check exit 1 when it is stale."""
    parser = argparse.ArgumentParser(prog="python -m kbtools.codes", description=main.__doc__)
    parser.add_argument("readme", nargs="?", default="README.md", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when the section differs")
    args = parser.parse_args(argv)
    try:
        current = args.readme.read_text(encoding="utf-8")
        wanted = rewrite(current)
    except (OSError, ValueError) as exc:
        print(f"{args.readme}: error: {exc}", file=sys.stderr)
        return 2
    if wanted == current:
        print(f"{args.readme} is up to date")
        return 0
    if args.check:
        print(f"{args.readme}: the finding codes section is stale; run make codes", file=sys.stderr)
        return 1
    write_atomic(args.readme, wanted)
    print(f"wrote {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
