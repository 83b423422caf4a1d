"""Safe YAML parsing that remembers where every key and value came from.

libyaml (PyYAML's C parser) builds the node tree; this module turns the nodes
into plain Python values itself, so that it can

* record the line and column of every key and value (`Pos`),
* reject duplicate keys, which PyYAML accepts silently,
* construct nothing but plain YAML (no `!!python/...` or custom tags),
* bound alias expansion and nesting depth.

Positions are 1-based. Scalars keep a packed int (`line << 20 | col`) and
collections a `Pos` object, which keeps memory and time low on large trees.
"""

from __future__ import annotations

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is a hard requirement in practice
    from yaml import SafeLoader as _Loader

MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 10_000

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_C = SafeConstructor()
_SCALARS = {
    "tag:yaml.org,2002:null": _C.construct_yaml_null,
    "tag:yaml.org,2002:bool": _C.construct_yaml_bool,
    "tag:yaml.org,2002:int": _C.construct_yaml_int,
    "tag:yaml.org,2002:float": _C.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _C.construct_yaml_timestamp,
}
_SHIFT = 20
_MASK = (1 << _SHIFT) - 1


def pack(line: int, col: int) -> int:
    return (line << _SHIFT) | col


def unpack(p: int) -> tuple[int, int]:
    return p >> _SHIFT, p & _MASK


class Pos:
    """Where a collection starts, and where each of its keys and values are."""

    __slots__ = ("at", "keys", "items")

    def __init__(self, at: int, keys: dict | None, items: dict | list):
        self.at = at  # packed start of the collection
        self.keys = keys  # mapping: key -> packed position of the key
        self.items = items  # mapping: key -> child; sequence: list of child

    def locate(self, path: tuple | list, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at `path` (of its key, with key=True).

        Walks as far as the path exists, so a missing key resolves to the
        mapping that should have held it.
        """
        node: Pos | int = self
        last_key_pos = None
        for part in path:
            if not isinstance(node, Pos):
                break
            items = node.items
            if node.keys is not None:
                if part not in items:
                    break
                last_key_pos = node.keys[part]
                node = items[part]
            else:
                if not isinstance(part, int) or not 0 <= part < len(items):
                    break
                last_key_pos = None
                node = items[part]
        else:
            if key and last_key_pos is not None:
                return unpack(last_key_pos)
        return unpack(node.at if isinstance(node, Pos) else node)


class YAMLSourceError(Exception):
    """A problem in the source text; carries a position and a finding code."""

    def __init__(self, code: str, message: str, line: int = 0, col: int = 0):
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


def parse(text: str, line_offset: int = 0) -> tuple[object, Pos | int | None]:
    """Parse one YAML document into (value, positions).

    `line_offset` is added to every line (for front matter inside Markdown).
    Raises YAMLSourceError for anything that is not plain, well-formed YAML.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, line_offset) from None
    except yaml.YAMLError as exc:
        raise YAMLSourceError("yaml-syntax", f"invalid YAML: {exc}", line_offset + 1, 1) from None
    finally:
        loader.dispose()
    if node is None:
        return None, None
    return _Builder(line_offset).build(node, 0)


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
    __slots__ = ("offset", "seen", "count", "aliased")

    def __init__(self, line_offset: int):
        self.offset = line_offset
        self.seen: set[int] = set()
        self.count = 0
        self.aliased = False

    def _at(self, node) -> int:
        mark = node.start_mark
        return ((mark.line + 1 + self.offset) << _SHIFT) | (mark.column + 1)

    def _fail(self, node, code: str, message: str) -> YAMLSourceError:
        line, col = unpack(self._at(node))
        return YAMLSourceError(code, message, line, col)

    def build(self, node, depth: int):
        cls = node.__class__
        if cls is ScalarNode:
            tag = node.tag
            if tag == _STR:
                return node.value, self._at(node)
            fn = _SCALARS.get(tag)
            if fn is None:
                raise self._fail(node, "yaml-tag", _tag_message(tag))
            try:
                return fn(node), self._at(node)
            except (ValueError, TypeError, OverflowError):
                raise self._fail(node, "yaml-syntax", f"invalid {tag.rsplit(':', 1)[-1]} {node.value!r}") from None

        if depth >= MAX_DEPTH:
            raise self._fail(node, "yaml-depth", f"nesting deeper than {MAX_DEPTH} levels")
        ident = id(node)
        if ident in self.seen:
            self.aliased = True
        else:
            self.seen.add(ident)
        self.count += 1
        if self.aliased and self.count > MAX_ALIAS_EXPANSION:
            raise self._fail(
                node,
                "yaml-alias",
                f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; write the values out",
            )

        depth += 1
        if cls is MappingNode:
            if node.tag != _MAP:
                raise self._fail(node, "yaml-tag", _tag_message(node.tag))
            value: dict = {}
            keys: dict = {}
            items: dict = {}
            for knode, vnode in node.value:
                if knode.__class__ is not ScalarNode:
                    raise self._fail(knode, "yaml-key", "a mapping key must be a plain scalar")
                if knode.tag == "tag:yaml.org,2002:merge":
                    raise self._fail(knode, "yaml-tag", "merge keys ('<<') are not supported; write the keys out")
                key, kpos = self.build(knode, depth)
                if key in value:
                    first = unpack(keys[key])[0]
                    raise self._fail(
                        knode, "duplicate-key", f"duplicate key {key!r} (first defined on line {first})"
                    )
                v, vpos = self.build(vnode, depth)
                value[key] = v
                keys[key] = kpos
                items[key] = vpos
            return value, Pos(self._at(node), keys, items)

        if node.tag != _SEQ:
            raise self._fail(node, "yaml-tag", _tag_message(node.tag))
        seq = []
        poss = []
        for child in node.value:
            v, p = self.build(child, depth)
            seq.append(v)
            poss.append(p)
        return seq, Pos(self._at(node), None, poss)


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
    if first_nl == -1 or text[3:first_nl].strip():
        raise YAMLSourceError(
            "front-matter", "the first line must be exactly '---' to open the front matter", 1, 1
        )
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
