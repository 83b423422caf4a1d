"""Format-preserving edits of knowledge-base files.

An edit works on the file's text at character offsets: the YAML (a whole
account or training file, a document's front matter) is composed once more
here, and every node's start and end in the text say exactly where a value
stands and where its lines end. A value is replaced where it stands; a list
entry or a missing key goes right after the last line of the node before it
(a block scalar's trailing blank lines belong to it, `|+` keeps them as
text); every other byte (comments, key order, quoting, blank lines, the
Markdown body, a missing newline at the end, CRLF line endings, a byte-order
mark) stays as it was. Each edited text is loaded again before it is
written, so an edit can never leave a file the loader rejects.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..findings import KBError
from ..kb import DocEntry, Entry, KnowledgeBase
from ..load.loader import load_text
from ..load.yamlsrc import YAMLSourceError, split_front_matter
from . import journal
from .atomic import read_below, write_below

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:@-]*$")
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")
_BREAK = re.compile(r"\r\n|\n|\r")
_HEADER = re.compile(r"[|>][1-9+-]*")  # a block scalar's indicators: style, indentation, chomping
_NULLS = ("", "~", "null", "Null", "NULL")
# YAML escapes for what may not, or should not, stand raw in a double-quoted scalar.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
# libyaml's parser, when PyYAML has it: the same values, nodes and marks, an order of magnitude faster
# (`kb accounts import` edits thousands of files in one run).
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_LOADER):  # type: ignore[valid-type,misc]
    """Composes nodes for their positions and styles only: their tags are never read, so not resolved
    (resolving is most of what composing costs in Python)."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        return "?"

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


class EditError(KBError):
    """The edit cannot be made safely; nothing is written (exit 2)."""


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as exactly this text, on one line.

    Plain when YAML reads it back unchanged (not a number, date, boolean or
    null in YAML 1.1's eyes, no `: ` or ` #`, no surrounding spaces), else
    double-quoted with escapes for line breaks (U+2028, U+2029 and NEL
    included), control and other unprintable characters.
    """
    if _PLAIN.match(value) and _reads_back(value):
        return value
    return '"' + "".join(_escape(c) for c in value) + '"'


def yaml_flow_list(values: tuple[str, ...] | list[str]) -> str:
    """`values` as a one-line YAML flow list (`[POS, "Fuel, Oil"]`) that reads back as exactly these texts."""
    items = []
    for value in values:
        item = yaml_scalar(value)
        if not item.startswith('"') and _FLOW_INDICATORS.search(item):
            item = '"' + "".join(_escape(c) for c in value) + '"'
        items.append(item)
    return "[" + ", ".join(items) + "]"


def _reads_back(text: str) -> bool:
    try:
        return bool(yaml.load(text, Loader=_LOADER) == text)
    except yaml.YAMLError:
        return False


def _escape(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    if c.isprintable() and c != "\ufeff":
        return c
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _quoted_like(node: ScalarNode, new: str) -> str:
    """`new` (YAML text) in the quoting the old value had, when it was quoted and `new` is plain."""
    if node.style == "'" and new[:1] not in "'\"":
        return "'" + new.replace("'", "''") + "'"
    if node.style == '"' and new[:1] not in "'\"":
        return '"' + "".join(_escape(c) for c in new) + '"'
    return new


@dataclass
class FileEdit:
    """Pending edits to one file; `apply()` gives the new text.

    `text` is the file decoded (without its byte-order mark); the YAML lies
    between `start` and `stop` in it (the front matter of a document).
    """

    entry: Entry[Any]
    text: str
    raw: bytes
    start: int = 0
    stop: int = 0
    root: MappingNode | None = None
    edits: list[tuple[int, int, str]] = field(default_factory=list)  # (from, to, new text), offsets in `text`

    def __post_init__(self) -> None:
        self.start, self.stop = 0, len(self.text)
        if isinstance(self.entry, DocEntry):
            try:
                front = split_front_matter(self.text)[0]
            except YAMLSourceError as exc:
                raise EditError(f"{self.entry.path}: {exc.message}") from None
            self.start = _BREAK.search(self.text).end()  # type: ignore[union-attr]  # the front matter has lines
            self.stop = self.start + len(front)
        try:
            node = yaml.compose(self.text[self.start:self.stop], Loader=_Composer)
        except yaml.YAMLError as exc:
            raise EditError(f"{self.entry.path}: cannot be edited in place ({exc}); edit it by hand") from None
        if not isinstance(node, MappingNode):
            raise EditError(f"{self.entry.path}: not a mapping of keys; edit it by hand")
        self.root = node

    # -- where things are ------------------------------------------------------

    def has(self, key: str) -> bool:
        """Does the mapping hold top-level `key` (with any value, null included)?"""
        return self._pair(key) is not None

    def scalar(self, key: str) -> str | None:
        """The text of top-level `key`'s scalar value as YAML reads it (None: missing, empty, null or not a scalar)."""
        pair = self._pair(key)
        if pair is None or not isinstance(pair[1], ScalarNode):
            return None
        node = pair[1]
        return node.value if node.style else (None if node.value in _NULLS else node.value)

    def _pair(self, key: str) -> tuple[ScalarNode, Node] | None:
        assert self.root is not None
        for k, v in self.root.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
        return None

    def _at(self, index: int) -> int:
        """An offset of the composed YAML as an offset of `text`."""
        return self.start + index

    def _end(self, node: Node) -> int | None:
        """Where the node's last line ends: after its line break, or the text's end when it has none.

        None when a line cannot follow without changing the node: a block scalar that keeps its
        final line break (`|`, `|+`, `>`) ends the file without one, and a line after it would add it.
        """
        while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
            node = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
        end = self._at(node.end_mark.index)
        if end > self.start and self.text[end - 1] == "\n":
            return end
        if self.text[end - 1:end] == "\r" and self.text[end:end + 1] != "\n":
            return end
        found = _BREAK.search(self.text, end, self.stop)
        if found:
            return found.end()
        indicators = _HEADER.match(self.text, self._at(node.start_mark.index))
        if isinstance(node, ScalarNode) and node.style in ("|", ">") and indicators and "-" not in indicators[0]:
            return None
        return self.stop

    def _key_end(self, node: Node) -> int:
        """Where a new top-level key may go after `node`: after its last line, else before the last key's line."""
        end = self._end(node)
        if end is not None:
            return end
        assert self.root is not None
        last = self._at(self.root.value[-1][0].start_mark.index)
        return max(self.text.rfind("\n", 0, last), self.text.rfind("\r", 0, last)) + 1

    def _newline(self, before: int) -> str:
        """The line ending of the line that ends at `before` (the file's first, else LF)."""
        if self.text[before - 2:before] == "\r\n":
            return "\r\n"
        if self.text[before - 1:before] in ("\n", "\r"):
            return self.text[before - 1]
        found = _BREAK.search(self.text)
        return found.group() if found else "\n"

    def _insert_lines(self, at: int, lines: list[str]) -> None:
        newline = self._newline(at)
        head = "" if at == 0 or self.text[at - 1] in "\r\n" else newline  # the last line had no line break
        self.edits.append((at, at, head + "".join(line + newline for line in lines)))

    # -- edits -------------------------------------------------------------------

    def set_value(self, key: str, old: str | None, new: str) -> None:
        """Replace the one-line scalar value of top-level `key`, which currently reads `old`
        (None: empty or null). `new` is YAML text: pass strings through `yaml_scalar` first;
        a quoted old value keeps its quotes."""
        pair = self._pair(key)
        if pair is None:
            raise EditError(f"{self.entry.path} has no '{key}'; edit it by hand")
        key_node, node = pair
        if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
            raise EditError(f"'{key}' in {self.entry.path} is not a one-line value; edit it by hand")
        current = node.value if node.style else (None if node.value in _NULLS else node.value)
        if current != old:
            raise EditError(f"'{key}' in {self.entry.path} is {node.value!r}, not {old!r}; edit it by hand")
        begin, end = self._at(node.start_mark.index), self._at(node.end_mark.index)
        if _BREAK.search(self.text, begin, end):
            raise EditError(f"'{key}' in {self.entry.path} continues over several lines; edit it by hand")
        if begin == end:  # `key:` with nothing after it
            begin = end = self._at(key_node.end_mark.index) + 1  # just past the colon
            new = " " + new
        self.edits.append((begin, end, _quoted_like(node, new)))

    def set_or_add(self, key: str, old: str | None, new: str, after: str) -> None:
        """Replace `key`'s value, or add `key: new` on the line after the value of key `after`
        (after the whole mapping when `after` is missing)."""
        if self._pair(key) is not None:
            self.set_value(key, old, new)
            return
        anchor = self._pair(after)
        assert self.root is not None
        self._insert_lines(self._key_end(anchor[1] if anchor else self.root), [self._indent() + f"{key}: {new}"])

    def set_list(self, key: str, values: list[str], after: str) -> None:
        """Give top-level `key` the list of texts `values`: a flow list stays a flow list, a block list
        a block list at its indentation; a missing key is added as a flow list after key `after`."""
        pair = self._pair(key)
        flow = yaml_flow_list(values)
        if pair is None:
            anchor = self._pair(after)
            assert self.root is not None
            line = f"{self._indent()}{key}: {flow}"
            self._insert_lines(self._key_end(anchor[1] if anchor else self.root), [line])
            return
        key_node, node = pair
        if not isinstance(node, SequenceNode):
            raise EditError(f"'{key}' in {self.entry.path} is not a list; edit it by hand")
        begin, end = self._at(node.start_mark.index), self._at(node.end_mark.index)
        if node.flow_style or not node.value:
            if _BREAK.search(self.text, begin, end):
                raise EditError(f"'{key}' in {self.entry.path} continues over several lines; edit it by hand")
            self.edits.append((begin, end, flow))
            return
        stop = self._list_end(key, node)
        if any(isinstance(v, (MappingNode, SequenceNode)) or (isinstance(v, ScalarNode) and v.style in ("|", ">"))
               for v in node.value):
            raise EditError(f"'{key}' in {self.entry.path} holds more than one-line entries; edit it by hand")
        line_start = max(self.text.rfind("\n", 0, begin), self.text.rfind("\r", 0, begin)) + 1
        lead = self.text[line_start:begin]  # the first entry's indentation and dash
        if lead.strip():  # `key: - a` cannot be; a dash after other text on its line
            raise EditError(f"'{key}' in {self.entry.path} is not written one entry a line; edit it by hand")
        newline = self._newline(stop)
        if not values:
            start = self._at(key_node.end_mark.index) + 1  # `key: []`, on the key's line
            self.edits.append((start, stop, f" []{newline}"))
            return
        self.edits.append((line_start, stop, "".join(f"{lead}- {yaml_scalar(v)}{newline}" for v in values)))

    def remove_key(self, key: str) -> None:
        """Remove top-level `key` and its value (the lines from the key's to the value's last)."""
        pair = self._pair(key)
        if pair is None:
            return
        key_node, node = pair
        assert self.root is not None
        if self.root.flow_style:
            raise EditError(f"{self.entry.path} is one flow mapping ({{...}}); edit it by hand")
        begin = self._at(key_node.start_mark.index)
        line_start = max(self.text.rfind("\n", 0, begin), self.text.rfind("\r", 0, begin)) + 1
        end = self._end(node)
        if end is None or self.text[line_start:begin].strip():
            raise EditError(f"'{key}' in {self.entry.path} cannot be removed in place; edit it by hand")
        self.edits.append((line_start, end, ""))

    def append_to_list(self, key: str, item: dict[str, str]) -> None:
        """Add `item` (a flat mapping of YAML texts) as the last entry of the block list `key`
        (an empty `key: []` becomes one; a missing key is added after the mapping)."""
        assert self.root is not None
        pair = self._pair(key)
        top = self._indent()
        if pair is None:
            self._insert_lines(self._key_end(self.root), [f"{top}{key}:", *_entry(top + "  ", item)])
            return
        node = pair[1]
        if not isinstance(node, SequenceNode):
            raise EditError(f"'{key}' in {self.entry.path} is not a list; edit it by hand")
        if node.flow_style:
            if node.value:
                raise EditError(f"'{key}' in {self.entry.path} is not written as a block list "
                                "('- ...' lines); edit it by hand")
            begin, end = self._at(node.start_mark.index), self._at(node.end_mark.index)
            while begin > 0 and self.text[begin - 1] in " \t":  # `key: []` -> `key:`
                begin -= 1
            self.edits.append((begin, end, ""))
            self._insert_lines(self._list_end(key, node), _entry(top + "  ", item))
            return
        dash = self._at(node.start_mark.index)  # the first entry's '-'
        line_start = max(self.text.rfind("\n", 0, dash), self.text.rfind("\r", 0, dash)) + 1
        self._insert_lines(self._list_end(key, node), _entry(self.text[line_start:dash], item))

    def _list_end(self, key: str, node: Node) -> int:
        end = self._end(node)
        if end is None:
            raise EditError(f"{self.entry.path} ends inside a block of text in '{key}' with no line break "
                            "after it; add one at the end of the file, then run again")
        return end

    def _indent(self) -> str:
        """The indentation of the top-level keys."""
        assert self.root is not None
        return " " * self.root.start_mark.column

    # -- result ----------------------------------------------------------------

    def apply(self) -> str:
        """The edited text. Edits never overlap; insertions at one offset keep the order they were made in."""
        text = self.text
        for begin, end, new in reversed(sorted(self.edits, key=lambda e: (e[0], e[1]))):
            text = text[:begin] + new + text[end:]
        return text


def _entry(indent: str, item: dict[str, str]) -> list[str]:
    return [f"{indent}- {k}: {v}" if i == 0 else f"{indent}  {k}: {v}" for i, (k, v) in enumerate(item.items())]


@dataclass
class Change:
    path: str
    before: str
    after: str
    old_raw: bytes | None = b""  # the file's bytes as read (a byte-order mark included); None: a new file
    new_raw: bytes = b""
    entry: Entry[Any] | None = None  # the record the new text loads as

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile="/dev/null" if self.old_raw is None else f"a/{self.path}", tofile=f"b/{self.path}",
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
    return Change(edit.entry.path, edit.text, after, edit.raw, bom + after.encode("utf-8"), entry)


def new_file(kb: KnowledgeBase, rel: str, text: str) -> Change:
    """A file to create, loaded first to prove it is valid."""
    entry, findings = load_text(kb, rel, text)
    if entry is None or findings:
        problem = findings[0].format() if findings else "the new file does not load"
        raise EditError(f"refusing to write {rel}: {problem}")
    return Change(rel, "", text, None, text.encode("utf-8"), entry)


def write_all(kb: KnowledgeBase, changes: list[Change], command: str) -> None:
    """Write every changed file atomically; several files through the journal (all of them, or a
    journal that `kb check` reports and `kb recover` finishes or undoes). The caller holds the lock."""
    if len(changes) == 1 and changes[0].old_raw is None:
        write_below(kb.root, changes[0].path, changes[0].new_raw, exclusive=True)
    elif len(changes) == 1:
        change = changes[0]
        if read_below(kb.root, change.path) != change.old_raw:
            raise EditError(f"{change.path} changed while kb was working; nothing was written")
        write_below(kb.root, change.path, change.new_raw)
    elif changes:
        journal.write_files(kb.root, command, [journal.FileChange(c.path, c.old_raw, c.new_raw) for c in changes])
