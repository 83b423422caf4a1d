"""Size limits: what the loader reads at most, checked before anything parses or renders a file.

Any pull request can add a file, so sizes are bounded before work that grows
with them starts: the bytes of a file (a 50 MB account took 2.3 GB of memory
to load), the characters of a line (Markdown renderers and some scans slow
down on long lines), the nesting depth of YAML and the nodes aliases expand
to. Each limit has a default and a ceiling, both here in code. `kb.yml`, which
a pull request can edit as well, may lower a limit; raising one above its
default is reported as a warning on its line (`limit-raised`), so the change
is seen in review, and a value above the ceiling makes kb.yml unusable.

`text_findings` is the same check for a text that does not go through the
loader (the site's hand-written `docs/` pages).
"""

from __future__ import annotations

from pydantic import Field

from ..findings import Finding
from ..models import Record
from .yamlsrc import Pos, YAMLSourceError, deepest, split_front_matter

KIB = 1024
MIB = 1024 * KIB

# name: (default, ceiling, what it bounds)
LIMITS: dict[str, tuple[int, int, str]] = {
    "file_bytes": (2 * MIB, 8 * MIB, "bytes in one file"),
    "line_chars": (4_000, 100_000, "characters in one line"),
    "yaml_depth": (64, 256, "levels of nested lists and mappings in YAML"),
    "yaml_aliases": (10_000, 100_000, "nodes that YAML aliases may expand to in one file"),
}


def _help(name: str) -> str:
    default, ceiling, what = LIMITS[name]
    return f"at most this many {what} (default {default}, at most {ceiling}; raising it is a warning)"


class Limits(Record):
    """`limits:` in kb.yml."""

    file_bytes: int = Field(LIMITS["file_bytes"][0], ge=1, le=LIMITS["file_bytes"][1], description=_help("file_bytes"))
    line_chars: int = Field(LIMITS["line_chars"][0], ge=1, le=LIMITS["line_chars"][1], description=_help("line_chars"))
    yaml_depth: int = Field(LIMITS["yaml_depth"][0], ge=1, le=LIMITS["yaml_depth"][1], description=_help("yaml_depth"))
    yaml_aliases: int = Field(LIMITS["yaml_aliases"][0], ge=0, le=LIMITS["yaml_aliases"][1],
                              description=_help("yaml_aliases"))


DEFAULT = Limits()


def raised(limits: Limits, pos: Pos | None, path: str = "kb.yml") -> list[Finding]:
    """A warning for each limit kb.yml sets above its default, on the line that sets it."""
    found = []
    for name, (default, _ceiling, what) in LIMITS.items():
        value = getattr(limits, name)
        if value > default:
            line, col = pos.locate(("limits", name)) if pos is not None else (0, 0)
            found.append(Finding(path, line, col, "warning", "limit-raised",
                                 f"limits.{name} is raised from {default:,} to {value:,} {what}: hostile files "
                                 "that large are read; keep the default unless the knowledge base needs more"))
    return found


def too_large(rel: str, size: int, head: bytes, limits: Limits) -> Finding:
    """The finding for a file of `size` bytes over the limit; `head` holds at least its first limit + 1 bytes."""
    limit = limits.file_bytes
    line_start = head.rfind(b"\n", 0, limit) + 1
    line = head.count(b"\n", 0, limit) + 1
    col = len(head[line_start:limit].decode("utf-8", "ignore")) + 1
    return Finding(rel, line, col, "error", "file-too-large",
                   f"the file is {size:,} bytes and the limit (limits.file_bytes in kb.yml) is {limit:,}, "
                   "passed here; the file is not read")


def long_line(text: str, limit: int) -> tuple[int, int] | None:
    """(line number, length) of the first line longer than `limit` characters, else None."""
    if len(text) <= limit:
        return None
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > limit:
            return number, len(line)
    return None


def line_finding(rel: str, number: int, length: int, limits: Limits) -> Finding:
    return Finding(rel, number, limits.line_chars + 1, "error", "line-too-long",
                   f"the line is {length:,} characters and the limit (limits.line_chars in kb.yml) is "
                   f"{limits.line_chars:,}, passed here; the file is not read")


def text_findings(rel: str, text: str, limits: Limits = DEFAULT) -> list[Finding]:
    """Errors for a text that no tool should parse or render: too large, a line too long, or front
    matter nested deeper than `limits.yaml_depth` (parsers such as PyYAML's recurse once per level).

    For pages that do not go through the loader (the site's `docs/`). An empty list means the text
    is within every limit; the loader applies the same limits to the files it reads.
    """
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size > limits.file_bytes:
        return [too_large(rel, size, text[: limits.file_bytes + 1].encode("utf-8", "surrogatepass"), limits)]
    found = long_line(text, limits.line_chars)
    if found is not None:
        return [line_finding(rel, *found, limits)]
    if text.startswith("---"):
        try:
            front, first_line, _body, _body_line = split_front_matter(text)
        except YAMLSourceError:
            return []
        at = deepest(front, first_line - 1, limits.yaml_depth)
        if at is not None:
            line, col = at
            return [Finding(rel, line, col, "error", "yaml-depth", f"nesting deeper than {limits.yaml_depth} levels")]
    return []
