"""Safe YAML parsing that remembers where every key and value came from.

libyaml (PyYAML's C parser) reads the text into parse events; this module
builds plain Python values from the events itself, so that it can

* record the line and column of every key and value (`Pos`),
* reject duplicate keys, which PyYAML accepts silently,
* construct nothing but plain YAML (no `!!python/...` or custom tags),
* bound alias expansion and nesting depth.

The values are built with an explicit stack, never by recursion, and nesting
deeper than the limit is refused at the event that opens the collection one
level too deep. PyYAML's composer (`get_single_node`) is not used: it recurses
once per level in C, and with a libyaml that has no nesting limit of its own
(0.2.5 and older) 25,000 `[` on one line overflow the C stack and kill the
process (SIGSEGV). libyaml's parser itself keeps its state on the heap.

Sequences become tuples (the models are immutable). Positions are 1-based.
Scalars keep a packed int (`line << 20 | col`) and collections a `Pos`
object, which keeps memory and time low on large trees. The loader parses
without positions and finds a record's when a finding first asks (`LazyPos`).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from array import array
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import yaml
import yaml.reader
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:
    from yaml._yaml import CParser as _Parser  # what yaml.cyaml re-exports; its stubs declare it here
except ImportError:  # pragma: no cover - libyaml is a hard requirement in practice
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

        def dispose(self) -> None:
            pass

MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 10_000

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_C = SafeConstructor()
_SCALARS: dict[str, Callable[[ScalarNode], object]] = {
    "tag:yaml.org,2002:null": _C.construct_yaml_null,
    "tag:yaml.org,2002:bool": _C.construct_yaml_bool,
    "tag:yaml.org,2002:int": _C.construct_yaml_int,
    "tag:yaml.org,2002:float": _C.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _C.construct_yaml_timestamp,
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SHIFT = 20
_MASK = (1 << _SHIFT) - 1
# first character of a scalar -> the (tag, pattern) pairs that may resolve it
_IMPLICIT: dict[str | None, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_intern = sys.intern
# Text values up to this long are interned: the same ids, references, names and states recur in
# thousands of records, and each would otherwise be a string of its own in memory.
_INTERNED = 64


def unpack(p: int) -> tuple[int, int]:
    return p >> _SHIFT, p & _MASK


_KEY_ORDER: list[tuple[Pos, dict[Hashable, int]] | None] = [None]  # Pos.key_start's: the last large mapping


class Pos:
    """Where a collection starts, and where each of its keys and values are.

    Positions live in one compact array per file (`marks`, packed
    `line << 20 | col`); a collection keeps indexes into it: small ints that
    cost no memory of their own.
    """

    __slots__ = ("at", "items", "keys", "marks")

    def __init__(
        self,
        marks: array[int],
        at: int,
        keys: tuple[int, ...] | None,
        items: dict[Hashable, int | Pos] | list[int | Pos],
    ) -> None:
        self.marks = marks
        self.at = at  # index of the collection's start
        self.keys = keys  # mapping: index of each key's start, in key order
        self.items = items  # mapping: key -> child; sequence: list of child (index or Pos)

    def _xy(self, child: int | Pos) -> tuple[int, int]:
        return child.start if isinstance(child, Pos) else unpack(self.marks[child])

    @property
    def start(self) -> tuple[int, int]:
        return unpack(self.marks[self.at])

    def key_start(self, key: Hashable) -> tuple[int, int]:
        keys, items = self.keys, self.items
        if keys is None or not isinstance(items, dict):
            raise TypeError("only a mapping has key positions")
        if len(items) <= 16:
            return unpack(self.marks[keys[list(items).index(key)]])
        # A large mapping is usually asked about many keys in a row (a finding for each unknown one):
        # the order of its keys is worked out once and kept for the last mapping asked.
        last = _KEY_ORDER[0]
        if last is None or last[0] is not self:
            last = (self, {k: i for i, k in enumerate(items)})
            _KEY_ORDER[0] = last
        return unpack(self.marks[keys[last[1][key]]])

    def value_start(self, key_or_index: Hashable) -> tuple[int, int]:
        items = self.items
        if isinstance(items, dict):
            return self._xy(items[key_or_index])
        if not isinstance(key_or_index, int):
            raise TypeError(f"a sequence is indexed by position, not {key_or_index!r}")
        return self._xy(items[key_or_index])

    def locate(self, path: Sequence[Hashable], *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at `path` (of its key, with key=True).

        Walks as far as the path exists, so a missing key resolves to the
        mapping that should have held it.
        """
        node: Pos = self
        for n, part in enumerate(path):
            items = node.items
            if isinstance(items, dict):  # a mapping (its `keys` are set)
                if part not in items:
                    return node.start
                if key and n == len(path) - 1:
                    return node.key_start(part)
                child = items[part]
            elif isinstance(part, int) and 0 <= part < len(items):
                child = items[part]
            else:
                return node.start
            if not isinstance(child, Pos):
                return node._xy(child)
            node = child
        return node.start


class LazyPos:
    """The positions of a mapping that parsed, found when first asked for, by parsing its text again.

    The loader parses every file without positions (`parse(..., positions=False)`): most records
    are never asked where a value is, and the positions of every key and value took more memory
    than the values. It keeps the text instead; the first `locate` parses it again with positions,
    which are then kept. Parsing is deterministic: they are the positions the first parse would
    have given.
    """

    __slots__ = ("_pos", "aliases", "depth", "offset", "text")

    def __init__(self, text: str, line_offset: int = 0, max_depth: int = MAX_DEPTH,
                 max_aliases: int = MAX_ALIAS_EXPANSION) -> None:
        self.text: str | None = text
        self.offset = line_offset
        self.depth = max_depth
        self.aliases = max_aliases
        self._pos: Pos | None = None

    def resolve(self) -> Pos | None:
        """The positions (None if the text is not a mapping: the loader makes a LazyPos only for one)."""
        pos, text = self._pos, self.text
        if pos is None and text is not None:  # (another thread asking at the same time parses it too)
            pos = self._pos = parse(text, self.offset, max_depth=self.depth, max_aliases=self.aliases)[1]
            self.text = None
        return pos if pos is not None else self._pos

    def locate(self, path: Sequence[Hashable], *, key: bool = False) -> tuple[int, int]:
        """`Pos.locate` of the text's mapping."""
        pos = self.resolve()
        return pos.locate(path, key=key) if pos is not None else (self.offset + 1, 1)


# Where the values of a record are: known (`Pos`) or found when asked for (`LazyPos`).
Positions = Pos | LazyPos


class YAMLSourceError(Exception):
    """A problem in the source text; carries a position and a finding code."""

    def __init__(self, code: str, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.col = col


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is accepted) or a positioned `encoding` error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YAMLSourceError(
            "encoding",
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            line,
            col,
        ) from None


def parse(text: str, line_offset: int = 0, *, max_depth: int = MAX_DEPTH,
          max_aliases: int = MAX_ALIAS_EXPANSION, positions: bool = True) -> tuple[object, Pos | None]:
    """Parse one YAML document into (value, positions).

    `line_offset` is added to every line (for front matter inside Markdown).
    Raises YAMLSourceError for anything that is not plain, well-formed YAML,
    for collections nested deeper than `max_depth` and for aliases that
    expand to more than `max_aliases` nodes. With positions=False no position
    is kept (the second part is None) and the errors are the same.
    """
    _line_breaks(text, line_offset)
    parser = _Parser(text)
    try:
        return _Builder(line_offset, max_depth, max_aliases, positions).build(parser.get_event)
    except _NeedPositions:
        return parse(text, line_offset, max_depth=max_depth, max_aliases=max_aliases)
    except yaml.MarkedYAMLError as exc:
        error = _syntax_error(exc, line_offset, text)
        if "maximum nesting depth" in (exc.problem or ""):  # libyaml's own limit (0.2.6: 1000 levels), met
            # while it looks ahead for a key; the same problem as ours, where libyaml stopped
            error = YAMLSourceError("yaml-depth", f"nesting deeper than {max_depth} levels", error.line, error.col)
        raise error from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line = before.count("\n") + 1 + line_offset
        col = exc.position - (before.rfind("\n") + 1) + 1
        raise YAMLSourceError(
            "yaml-syntax", f"character #x{exc.character:04x} is not allowed in YAML; remove it", line, col
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise YAMLSourceError("yaml-syntax", f"invalid YAML: {first}", line_offset + 1, 1) from None
    finally:
        parser.dispose()


def deepest(text: str, line_offset: int, max_depth: int) -> tuple[int, int] | None:
    """(line, column) where collections nest deeper than `max_depth`, else None; nothing is built.

    For YAML another parser will read (MkDocs reads the front matter of hand-written pages with
    PyYAML's recursive composer): the events stop at the same place for both, so a text this finds
    no problem in cannot make that parser recurse deeper than `max_depth` either.
    """
    parser = _Parser(text)
    depth = 0
    try:
        while True:
            event: Any = parser.get_event()
            cls = event.__class__
            if cls is MappingStartEvent or cls is SequenceStartEvent:
                depth += 1
                if depth > max_depth:
                    mark = event.start_mark
                    return mark.line + 1 + line_offset, mark.column + 1
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                depth -= 1
            elif cls is StreamEndEvent:
                return None
    except yaml.YAMLError:
        return None  # the other parser stops here too
    finally:
        parser.dispose()


# Line breaks to YAML 1.1 (libyaml) that editors, git and our line numbers do not count: NEL, LS, PS,
# and a carriage return without a line feed.
_HIDDEN_BREAK = re.compile("[\x85\u2028\u2029]|\r(?!\n)")
_BREAK_NAMES = {"\x85": "U+0085 (NEXT LINE)", "\u2028": "U+2028 (LINE SEPARATOR)",
                "\u2029": "U+2029 (PARAGRAPH SEPARATOR)", "\r": "a carriage return without a line feed"}
_BREAK_ESCAPES = {"\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\r": "\\r"}


def _line_breaks(text: str, line_offset: int) -> None:
    """Refuse a line break that only YAML sees.

    libyaml ends a line at U+0085, U+2028, U+2029 and a lone CR; nobody reading
    the file does. A key after one moves to another mapping without a visible
    sign (a changelog entry's `summary:` became the document's, and the entry
    was "missing required key 'summary'"), a quoted value changes, and every
    line number after it is one too high.
    """
    if "\r" not in text and "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return
    found = _HIDDEN_BREAK.search(text)
    if found is None:
        return
    at = found.start()
    line = text.count("\n", 0, at) + 1 + line_offset
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    char = found.group()
    raise YAMLSourceError(
        "yaml-line-break",
        f"{_BREAK_NAMES[char]} is a line break to YAML, but not to editors; remove it "
        f"(inside double quotes write it as {_BREAK_ESCAPES[char]})",
        line, col,
    )


def _syntax_error(exc: yaml.MarkedYAMLError, line_offset: int, text: str) -> YAMLSourceError:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 + line_offset) if mark else line_offset + 1
    col = (mark.column + 1) if mark else 1
    last = text.count("\n")  # libyaml ends the text with a line break of its own: its end may be a line past ours
    if mark and mark.line > last:
        line, col = last + 1 + line_offset, len(text) - (text.rfind("\n") + 1) + 1
    problem = exc.problem or "invalid YAML"
    if "tab" in problem or "'\\t'" in problem:
        return YAMLSourceError(
            "yaml-tab", "tab character in indentation; indent YAML with spaces", line, col
        )
    if "expected a single document" in (exc.context or ""):
        return YAMLSourceError(
            "yaml-syntax",
            "more than one YAML document in the file; keep one document per file",
            line,
            col,
        )
    context = f" {exc.context}" if exc.context else ""
    return YAMLSourceError("yaml-syntax", f"invalid YAML: {problem}{context}", line, col)


class _Open:
    """A collection being built: its value so far, its children's positions, a key awaiting its value."""

    __slots__ = ("anchor", "at", "items", "key", "key_at", "keys", "mapping", "value", "weight")

    def __init__(self, mapping: bool, at: int, anchor: str | None, positions: bool = True) -> None:
        self.mapping = mapping
        self.at = at  # index of the collection's start in `marks`
        self.anchor = anchor
        self.value: dict[Hashable, object] | list[object] = {} if mapping else []
        # without positions nothing is ever added to `items` or `keys`: they can be shared
        self.items: dict[Hashable, int | Pos] | list[int | Pos] = ({} if mapping else []) if positions else _UNUSED
        self.keys: list[int] = [] if positions else _UNUSED_KEYS
        self.key: object = _NO_KEY  # a mapping's key whose value comes next
        self.key_at = 0
        self.weight = 0  # while open: the events and alias expansions read before it started


_NO_KEY = object()
_UNUSED: list[int | Pos] = []
_UNUSED_KEYS: list[int] = []


class _NeedPositions(Exception):
    """A problem whose message needs a position the builder did not keep (a duplicate key's first line)."""
# what an anchor names: (value, position, weight: None for a scalar)
_Anchored = tuple[object, "int | Pos", "int | None"]


class _Builder:
    __slots__ = ("aliases", "anchors", "expanded", "marks", "max_depth", "offset", "positions")

    def __init__(self, line_offset: int, max_depth: int, max_aliases: int, positions: bool = True) -> None:
        self.positions = positions
        self.offset = line_offset
        self.max_depth = max_depth
        self.aliases = max_aliases
        self.marks = array("Q")
        self.anchors: dict[str, _Anchored] = {}
        self.expanded = 0

    def _fail(self, mark: yaml.Mark | None, code: str, message: str) -> YAMLSourceError:
        if mark is None:
            return YAMLSourceError(code, message, self.offset + 1, 1)
        return YAMLSourceError(code, message, mark.line + 1 + self.offset, mark.column + 1)

    def build(self, next_event: Callable[[], object]) -> tuple[object, Pos | None]:
        """Values from the events of a stream holding at most one document."""
        next_event()  # the stream's start
        event = next_event()
        if event.__class__ is StreamEndEvent:
            return None, None
        result = self._document(next_event)
        event = next_event()
        if event.__class__ is not StreamEndEvent:
            raise self._fail(getattr(event, "start_mark", None), "yaml-syntax",
                             "more than one YAML document in the file; keep one document per file")
        value, pos = result
        return value, pos if isinstance(pos, Pos) else None

    def _document(self, next_event: Callable[[], object]) -> tuple[object, int | Pos]:
        """The events of one document's content up to its end, as (value, position).

        The hot loop of loading: names it uses on every event are local variables.
        """
        marks = self.marks
        mark_at = marks.append
        keep = self.positions
        offset = self.offset
        max_depth = self.max_depth
        scalar_event, alias_event, no_key, text_tag, implicit, intern = (
            ScalarEvent, AliasEvent, _NO_KEY, _STR, _IMPLICIT, _intern)
        map_start, seq_start = MappingStartEvent, SequenceStartEvent
        map_end, seq_end = MappingEndEvent, SequenceEndEvent
        stack: list[_Open] = []
        top: _Open | None = None  # stack[-1]
        events = 0  # events read so far: a collection's weight is the events inside it, plus the aliases'
        result: tuple[object, int | Pos] = (None, 0)
        while True:
            event: Any = next_event()
            events += 1
            cls = event.__class__
            weight: int | None = None  # set for a collection: an alias of it as a key is not a scalar
            if cls is scalar_event:
                mark = event.start_mark
                pos: int | Pos = 0
                if keep:
                    col = mark.column + 1
                    mark_at(((mark.line + 1 + offset) << _SHIFT) | (col if col < _MASK else _MASK))
                    pos = len(marks) - 1
                text: str = event.value
                value: object = text
                tag = event.tag
                if tag is None or tag == "!":
                    tag = text_tag
                    if event.implicit[0]:
                        for candidate, regexp in implicit.get(text[:1] or "", ()):
                            if regexp.match(text):
                                tag = candidate
                                break
                if tag != text_tag:
                    if tag == _MERGE and top is not None and top.mapping and top.key is no_key:
                        raise self._fail(mark, "yaml-tag", "merge keys ('<<') are not supported; write the keys out")
                    value = self._scalar(tag, text, mark)
                elif len(text) <= _INTERNED:
                    value = intern(text)
                if event.anchor is not None:
                    self._anchor(event.anchor, (value, pos, None), mark)
            elif cls is map_start or cls is seq_start:
                mark = event.start_mark
                if len(stack) >= max_depth:
                    raise self._fail(mark, "yaml-depth", f"nesting deeper than {max_depth} levels")
                mapping = cls is map_start
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP if mapping else _SEQ):
                    raise self._fail(mark, "yaml-tag", _tag_message(tag))
                if top is not None and top.mapping and top.key is no_key:
                    raise self._fail(mark, "yaml-key", "a mapping key must be a plain scalar")
                if keep:
                    col = mark.column + 1
                    mark_at(((mark.line + 1 + offset) << _SHIFT) | (col if col < _MASK else _MASK))
                top = _Open(mapping, len(marks) - 1, event.anchor, keep)
                top.weight = events + self.expanded  # where it starts; its weight once it ends
                stack.append(top)
                continue
            elif cls is map_end or cls is seq_end:
                done = stack.pop()
                top = stack[-1] if stack else None
                if done.mapping:
                    value = done.value
                    pos = Pos(marks, done.at, tuple(done.keys), done.items) if keep else 0
                else:
                    value = tuple(done.value)
                    pos = Pos(marks, done.at, None, done.items) if keep else 0
                weight = events + self.expanded - done.weight
                if done.anchor is not None:
                    self._anchor(done.anchor, (value, pos, weight), event.start_mark)
            elif cls is alias_event:
                value, pos, weight = self._alias(event.anchor, event.start_mark, stack)
            elif cls is DocumentEndEvent:
                return result
            else:  # pragma: no cover - the parser emits no other event inside a document
                raise self._fail(getattr(event, "start_mark", None), "yaml-syntax", "invalid YAML")

            if top is None:
                result = (value, pos)
            elif not top.mapping:
                top.value.append(value)  # type: ignore[union-attr]
                if keep:
                    top.items.append(pos)  # type: ignore[union-attr]
            elif top.key is no_key:
                if weight is not None:  # an alias of a collection, as a key (a collection fails at its start)
                    raise self._fail(event.start_mark, "yaml-key", "a mapping key must be a plain scalar")
                key = intern(value) if isinstance(value, str) else value
                held = top.value
                if key in held:
                    if not keep:
                        raise _NeedPositions
                    first = unpack(marks[top.keys[list(held).index(key)]])[0]
                    raise self._fail(event.start_mark, "duplicate-key",
                                     f"duplicate key {key!r} (first defined on line {first})")
                top.key = key
                top.key_at = pos  # type: ignore[assignment]
            else:
                top.value[top.key] = value  # type: ignore[call-overload]
                if keep:
                    top.items[top.key] = pos  # type: ignore[call-overload]
                    top.keys.append(top.key_at)
                top.key = no_key

    def _anchor(self, name: str, anchored: _Anchored, mark: yaml.Mark) -> None:
        if name in self.anchors:
            raise self._fail(mark, "yaml-syntax", f"anchor &{name} is defined twice; give each anchor its own name")
        self.anchors[name] = anchored

    def _alias(self, name: str, mark: yaml.Mark, stack: list[_Open]) -> _Anchored:
        anchored = self.anchors.get(name)
        if anchored is None:
            if any(o.anchor == name for o in stack):
                raise self._fail(mark, "yaml-alias", f"alias *{name} is inside the collection it names (a loop)")
            raise self._fail(mark, "yaml-syntax", f"alias *{name} has no anchor &{name} before it")
        weight = anchored[2]
        if weight is not None:
            self.expanded += weight
            if self.expanded > self.aliases:
                raise self._fail(mark, "yaml-alias",
                                 f"aliases expand to more than {self.aliases} nodes; write the values out")
        return anchored

    def _scalar(self, tag: str, value: str, mark: yaml.Mark) -> object:
        """A scalar that is not text: a date, a number, true/false, null."""
        try:
            if tag == _TIMESTAMP and len(value) == 10:
                return dt.date.fromisoformat(value)
            if tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value)
            if tag == _NULL:
                return None
            fn = _SCALARS.get(tag)
            if fn is None:
                raise self._fail(mark, "yaml-tag", _tag_message(tag))
            return fn(ScalarNode(tag, value, mark, mark))
        except (ValueError, TypeError, OverflowError):
            shown = value if len(value) <= 40 else value[:37] + "..."
            raise self._fail(mark, "yaml-syntax", f"invalid {tag.rsplit(':', 1)[-1]} {shown!r}") from None


def _tag_message(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    return f"tag {short} is not allowed; only plain YAML values (text, numbers, dates, lists, mappings)"


def split_front_matter(text: str) -> tuple[str, int, str, int]:
    """Split Markdown into (front matter, its first line, body, body's first line).

    The front matter sits between a first line `---` and the next `---` (or
    `...`) line. Raises YAMLSourceError when it is missing or unterminated.
    """
    if not text.startswith("---"):
        raise YAMLSourceError(
            "front-matter", "missing front matter: the file must start with a '---' line", 1, 1
        )
    first_nl = text.find("\n")
    if text[3: len(text) if first_nl == -1 else first_nl].strip():
        raise YAMLSourceError(
            "front-matter", "the first line must be exactly '---' to open the front matter", 1, 1
        )
    if first_nl == -1:
        raise YAMLSourceError("front-matter", "unterminated front matter: no closing '---' line", 1, 1)
    pos = first_nl + 1
    line = 2
    while pos <= len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl == -1 else nl
        stripped = text[pos:end].rstrip()
        if stripped in ("---", "..."):
            body_start = len(text) if nl == -1 else nl + 1
            return text[first_nl + 1 : pos], 2, text[body_start:], line + 1
        if nl == -1:
            break
        pos = nl + 1
        line += 1
    raise YAMLSourceError(
        "front-matter", "unterminated front matter: no closing '---' line", 1, 1
    )
