"""Format-preserving edits of knowledge-base files.

Edits work on the file's text, guided by the source positions the loader
recorded: a value is replaced where it stands, a list entry is added after
the list's last line, and every other byte (comments, key order, quoting,
the Markdown body) stays as it was. Each edited text is loaded again before
it is written, so an edit can never leave a file the loader rejects.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..findings import KBError
from ..kb import DocEntry, Entry, KnowledgeBase
from ..load.loader import load_text
from ..load.yamlsrc import Pos
from . import journal
from .atomic import read_below, write_below

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:@-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "~"}


class EditError(KBError):
    """The edit cannot be made safely; nothing is written (exit 2)."""


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when unambiguous, else double-quoted."""
    if _PLAIN.match(value) and value.lower() not in _RESERVED and ": " not in value \
            and not value.endswith(":") and not re.match(r"^[0-9.:-]+$", value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _scalar_end(line: str, start: int) -> int:
    """Index just past the scalar that starts at `start` in `line`."""
    quote = line[start:start + 1]
    if quote in ('"', "'"):
        i = start + 1
        while i < len(line):
            if quote == '"' and line[i] == "\\":
                i += 2
                continue
            if line[i] == quote:
                if quote == "'" and line[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        raise EditError("a quoted value continues over several lines; edit it by hand")
    end = len(line.rstrip("\r\n"))
    for stop in (" #", ",", "]", "}"):
        found = line.find(stop, start)
        if found != -1:
            end = min(end, found)
    while end > start and line[end - 1] in " \t":
        end -= 1
    return end


@dataclass
class FileEdit:
    """Pending edits to one file; `apply()` gives the new text."""

    entry: Entry[Any]
    text: str
    raw: bytes
    replacements: list[tuple[int, int, str, str]] = field(default_factory=list)  # line, col, old, new
    insertions: list[tuple[int, list[str]]] = field(default_factory=list)  # after line (1-based), lines

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def set_value(self, key: str, old: str, new: str) -> None:
        """Replace the scalar value of top-level `key`, which currently reads `old`.

        `new` is YAML text: pass strings through `yaml_scalar` first.
        """
        line, col = self.entry.at(key)
        self.replacements.append((line, col, old, new))

    def set_or_add(self, key: str, old: str | None, new: str, after: str) -> None:
        """Replace `key`'s value, or add `key: new` on the line after key `after`."""
        if old is not None:
            self.set_value(key, old, new)
        else:
            self.insertions.append((self._last_line_of(after), [f"{key}: {new}"]))

    def append_to_list(self, key: str, item: dict[str, str]) -> None:
        """Add `item` (a flat mapping) as the last entry of the block list `key`."""
        pos = self.entry.pos
        assert isinstance(pos, Pos) and isinstance(pos.items, dict)
        lines = self.text.splitlines()
        if key not in pos.items:
            body = [f"  - {k}: {v}" if i == 0 else f"    {k}: {v}" for i, (k, v) in enumerate(item.items())]
            self.insertions.append((self._mapping_end(), [f"{key}:", *body]))
            return
        child = pos.items[key]
        key_line = pos.key_start(key)[0]
        if not isinstance(child, Pos) or (child.items and child.start[0] == key_line):
            raise EditError(f"'{key}' is not written as a block list ('- ...' lines); edit it by hand")
        if not child.items:  # `key: []`
            line_text = lines[key_line - 1]
            if line_text.split("#", 1)[0].strip() != f"{key}: []":
                raise EditError(f"'{key}' is not written as a block list; edit it by hand")
            self.replacements.append((key_line, line_text.index("[]") + 1, "[]", "[]"))
            indent = "  "
        else:
            first_text = lines[child.value_start(0)[0] - 1]
            indent = first_text[: len(first_text) - len(first_text.lstrip())]
        body = [f"{indent}- {k}: {v}" if i == 0 else f"{indent}  {k}: {v}" for i, (k, v) in enumerate(item.items())]
        self.insertions.append((self._last_line_of(key), body))

    # -- where things end ----------------------------------------------------

    def _mapping_end(self) -> int:
        """Last line of the top-level mapping (before a closing '---')."""
        end = self.entry.body_line - 2 if isinstance(self.entry, DocEntry) else len(self.text.splitlines())
        return self._skip_back(end)

    def _last_line_of(self, key: str) -> int:
        """Last line holding `key`'s value: the line before the next key, or the end."""
        pos = self.entry.pos
        assert isinstance(pos, Pos)
        keys = list(pos.items)
        following = keys[keys.index(key) + 1:]
        if following:
            return self._skip_back(pos.key_start(following[0])[0] - 1)
        return self._mapping_end()

    def _skip_back(self, line: int) -> int:
        """The last non-blank line at or before `line`.

        Comment-looking lines are not skipped: inside a block scalar (`note: |`)
        a line starting with '#' is text, and moving past it would cut the value.
        """
        lines = self.text.splitlines()
        while line > 1 and not lines[line - 1].strip():
            line -= 1
        return line

    # -- result ----------------------------------------------------------------

    def apply(self) -> str:
        lines = self.text.splitlines(keepends=True)
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += self.newline
        for line, col, old, new in sorted(self.replacements, reverse=True):
            text = lines[line - 1]
            start = col - 1
            if old == "[]":  # an empty flow list becomes the head of a block list
                lines[line - 1] = text[:start].rstrip() + text[start + 2:]
                continue
            end = _scalar_end(text, start)
            current = text[start:end]
            if current.strip("\"'") != old:
                raise EditError(f"line {line} does not hold {old!r} where expected; edit it by hand")
            quote = current[:1]
            if quote in ('"', "'") and new[:1] not in ('"', "'") and quote not in new:
                new = quote + new + quote  # keep the file's quoting
            lines[line - 1] = text[:start] + new + text[end:]
        for after, new_lines in sorted(self.insertions, key=lambda x: x[0], reverse=True):
            lines[after:after] = [ln + self.newline for ln in new_lines]
        return "".join(lines)


@dataclass
class Change:
    path: str
    before: str
    after: str
    old_raw: bytes = b""  # the file's bytes as read (a byte-order mark included)
    new_raw: bytes = b""

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}",
        ))


_BOM = b"\xef\xbb\xbf"


def start(kb: KnowledgeBase, entry: Entry[Any]) -> FileEdit:
    raw = read_below(kb.root, entry.path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EditError(f"{entry.path}: cannot read: {exc}") from None
    return FileEdit(entry, text, raw)


def finish(kb: KnowledgeBase, edit: FileEdit) -> Change:
    """The edited text, loaded again to prove it is still valid."""
    after = edit.apply()
    entry, findings = load_text(kb, edit.entry.path, after)
    if entry is None or findings:
        problem = findings[0].format() if findings else "the edited file no longer loads"
        raise EditError(f"refusing to write {edit.entry.path}: {problem}")
    bom = _BOM if edit.raw.startswith(_BOM) else b""
    return Change(edit.entry.path, edit.text, after, edit.raw, bom + after.encode("utf-8"))


def write_all(kb: KnowledgeBase, changes: list[Change], command: str) -> None:
    """Write every changed file atomically; several files through the journal (all of them, or a
    journal that `kb check` reports and `kb recover` finishes or undoes). The caller holds the lock."""
    if len(changes) == 1:
        change = changes[0]
        if read_below(kb.root, change.path) != change.old_raw:
            raise EditError(f"{change.path} changed while kb was working; nothing was written")
        write_below(kb.root, change.path, change.new_raw)
    elif changes:
        journal.write_files(kb.root, command, [journal.FileChange(c.path, c.old_raw, c.new_raw) for c in changes])
