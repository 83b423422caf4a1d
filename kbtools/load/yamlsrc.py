"""Safe YAML parsing that remembers where every key and value came from.

libyaml (PyYAML's C parser) builds the node tree; this module turns the nodes
into plain Python values itself, so that it can

* record the line and column of every key and value (`Pos`),
* reject duplicate keys, which PyYAML accepts silently,
* construct nothing but plain YAML (no `!!python/...` or custom tags),
* bound alias expansion and nesting depth.

Sequences become tuples (the models are immutable). Positions are 1-based.
Scalars keep a packed int (`line << 20 | col`) and collections a `Pos`
object, which keeps memory and time low on large trees.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from array import array
from collections.abc import Callable, Hashable, Sequence

import yaml
import yaml.reader
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

try:
    from yaml._yaml import CParser as _Parser  # what yaml.cyaml re-exports; its stubs declare it here
except ImportError:  # pragma: no cover - libyaml is a hard requirement in practice
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

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
_SHIFT = 20
_MASK = (1 << _SHIFT) - 1
# first character of a scalar -> the (tag, pattern) pairs that may resolve it
_IMPLICIT: dict[str | None, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_intern = sys.intern


class _Loader(_Parser, Resolver):
    """libyaml's parser with YAML 1.1 tag resolution, minus the per-node overhead.

    Same tags as PyYAML's SafeLoader: only the implicit resolvers for the
    scalar's first character are tried, and path resolvers (unused) are skipped.
    """

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1] or "", ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def unpack(p: int) -> tuple[int, int]:
    return p >> _SHIFT, p & _MASK


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
        return unpack(self.marks[keys[list(items).index(key)]])

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


def parse(text: str, line_offset: int = 0) -> tuple[object, Pos | None]:
    """Parse one YAML document into (value, positions).

    `line_offset` is added to every line (for front matter inside Markdown).
    Raises YAMLSourceError for anything that is not plain, well-formed YAML.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, line_offset) from None
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
        loader.dispose()
    if node is None:
        return None, None
    value, pos = _Builder(line_offset).build(node, 0)
    return value, pos if isinstance(pos, Pos) else None


def _syntax_error(exc: yaml.MarkedYAMLError, line_offset: int) -> YAMLSourceError:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 + line_offset) if mark else line_offset + 1
    col = (mark.column + 1) if mark else 1
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


class _Builder:
    __slots__ = ("aliased", "count", "marks", "offset", "seen")

    def __init__(self, line_offset: int) -> None:
        self.offset = line_offset
        self.marks = array("Q")
        self.seen: set[int] = set()
        self.count = 0
        self.aliased = False

    def _at(self, node: Node) -> int:
        """Record where `node` starts; return the record's index."""
        mark = node.start_mark
        marks = self.marks
        marks.append(((mark.line + 1 + self.offset) << _SHIFT) | min(mark.column + 1, _MASK))
        return len(marks) - 1

    def _fail(self, node: Node, code: str, message: str) -> YAMLSourceError:
        mark = node.start_mark
        return YAMLSourceError(code, message, mark.line + 1 + self.offset, mark.column + 1)

    def scalar(self, node: ScalarNode) -> tuple[object, int]:
        tag = node.tag
        value = node.value
        if tag == _STR:
            return value, self._at(node)
        try:
            if tag == _TIMESTAMP and len(value) == 10:
                return dt.date.fromisoformat(value), self._at(node)
            if tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value), self._at(node)
            fn = _SCALARS.get(tag)
            if fn is None:
                raise self._fail(node, "yaml-tag", _tag_message(tag))
            return fn(node), self._at(node)
        except (ValueError, TypeError, OverflowError):
            shown = value if len(value) <= 40 else value[:37] + "..."
            raise self._fail(node, "yaml-syntax", f"invalid {tag.rsplit(':', 1)[-1]} {shown!r}") from None

    def build(self, node: Node, depth: int) -> tuple[object, int | Pos]:
        if node.__class__ is ScalarNode:
            return self.scalar(node)

        if depth >= MAX_DEPTH:
            raise self._fail(node, "yaml-depth", f"nesting deeper than {MAX_DEPTH} levels")
        ident = id(node)
        if ident in self.seen:
            self.aliased = True
        else:
            self.seen.add(ident)
        self.count += 1 + len(node.value)
        if self.aliased and self.count > MAX_ALIAS_EXPANSION:
            raise self._fail(
                node,
                "yaml-alias",
                f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; write the values out",
            )

        depth += 1
        at = self._at
        if node.__class__ is MappingNode:
            if node.tag != _MAP:
                raise self._fail(node, "yaml-tag", _tag_message(node.tag))
            value: dict[Hashable, object] = {}
            keys: list[int] = []
            items: dict[Hashable, int | Pos] = {}
            for knode, vnode in node.value:
                if knode.__class__ is not ScalarNode:
                    raise self._fail(knode, "yaml-key", "a mapping key must be a plain scalar")
                if knode.tag == _STR:
                    key, kpos = knode.value, at(knode)
                elif knode.tag == "tag:yaml.org,2002:merge":
                    raise self._fail(knode, "yaml-tag", "merge keys ('<<') are not supported; write the keys out")
                else:
                    key, kpos = self.scalar(knode)
                if isinstance(key, str):
                    key = _intern(key)
                if key in value:
                    first = unpack(self.marks[keys[list(value).index(key)]])[0]
                    raise self._fail(
                        knode, "duplicate-key", f"duplicate key {key!r} (first defined on line {first})"
                    )
                if vnode.__class__ is ScalarNode and vnode.tag == _STR:
                    value[key] = vnode.value
                    items[key] = at(vnode)
                else:
                    value[key], items[key] = self.build(vnode, depth)
                keys.append(kpos)
            return value, Pos(self.marks, at(node), tuple(keys), items)

        if node.tag != _SEQ:
            raise self._fail(node, "yaml-tag", _tag_message(node.tag))
        seq: list[object] = []
        poss: list[int | Pos] = []
        for child in node.value:
            if child.__class__ is ScalarNode and child.tag == _STR:
                seq.append(child.value)
                poss.append(at(child))
            else:
                v, p = self.build(child, depth)
                seq.append(v)
                poss.append(p)
        return tuple(seq), Pos(self.marks, at(node), None, poss)


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
